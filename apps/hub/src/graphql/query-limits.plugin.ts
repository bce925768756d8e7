import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { GraphQLError, validate } from 'graphql';
import { MAX_PAGE_SIZE } from './page-args';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

/**
 * A list field costs its children times the page size asked for (`first`), capped at the
 * largest page served, so an out-of-range `first` reaches the resolver's clearer error.
 */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args['first'] === 'number' ? args['first'] : undefined;
  return first === undefined
    ? undefined
    : 1 + childComplexity * Math.min(MAX_PAGE_SIZE, Math.max(1, first));
};

/**
 * Refuses operations nested deeper than `maxDepth` or costlier than `maxComplexity` before
 * anything runs, so one request cannot take the server down.
 */
export function queryLimitsPlugin(maxDepth: number, maxComplexity: number): ApolloServerPlugin {
  const tooComplex = (message: string) =>
    new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const depthErrors = validate(schema, document, [depthLimit(maxDepth)]);
          if (depthErrors[0]) throw tooComplex(`${depthErrors[0].message} (GRAPHQL_MAX_DEPTH)`);
          const complexity = getComplexity({
            schema,
            query: document,
            ...(request.operationName ? { operationName: request.operationName } : {}),
            variables: request.variables ?? {},
            estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > maxComplexity) {
            throw tooComplex(
              `the operation's complexity is ${complexity}, above the limit of ${maxComplexity}; ask for fewer fields or smaller pages`,
            );
          }
        },
      };
    },
  };
}

import type { ApolloServerPlugin } from '@apollo/server';
import { secondsSince } from '@flotilla/metrics';
import type { HubMetrics } from './hub-metrics';

/**
 * Counts and times every GraphQL operation over HTTP by operation name (bounded), type
 * (query, mutation, subscription; `unknown` when it never parsed) and outcome (`error` when the
 * answer carries errors), and counts the errors by their mapped `extensions.code`.
 */
export function graphqlMetricsPlugin(metrics: HubMetrics): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      const start = performance.now();
      let type = 'unknown';
      let operationName = request.operationName;
      return {
        async didResolveOperation({ operation, operationName: resolved }) {
          type = operation?.operation ?? type;
          operationName = resolved ?? operationName;
        },
        async willSendResponse({ response }) {
          const body = response.body;
          const errors =
            body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
          const labels = {
            operation: metrics.operations.of(operationName, 'anonymous'),
            type,
            outcome: errors && errors.length > 0 ? 'error' : 'ok',
          };
          metrics.graphqlRequests.inc(labels);
          metrics.graphqlDuration.observe(labels, secondsSince(start));
          for (const error of errors ?? []) {
            const code = error.extensions?.['code'];
            metrics.graphqlErrors.inc({
              code: metrics.errorCodes.of(typeof code === 'string' ? code : undefined, 'UNKNOWN'),
            });
          }
        },
      };
    },
  };
}

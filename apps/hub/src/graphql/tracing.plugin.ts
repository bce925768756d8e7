import type { ApolloServerPlugin } from '@apollo/server';
import { setRequestOperation } from '../infra/request-id';
import { trace } from '@opentelemetry/api';
import type { Request } from 'express';
import { Kind } from 'graphql';

/**
 * Names the GraphQL operation in the request's log lines (`operation`) and trace: the request's
 * span becomes `graphql mutation createApplicationSet`; the event-store appends and the jobs its
 * resolvers cause are its children.
 */
export function tracingPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, operationName, contextValue }) {
          const type = operation?.operation ?? 'query';
          // An anonymous operation is named by its first field (`mutation promoteRollout`).
          const first = operation?.selectionSet.selections[0];
          const name =
            operationName ??
            operation?.name?.value ??
            (first?.kind === Kind.FIELD ? first.name.value : 'anonymous');
          const req = (contextValue as { req?: Request }).req;
          if (req) setRequestOperation(req, `${type} ${name}`);
          const span = trace.getActiveSpan();
          span?.updateName(`graphql ${type} ${name}`);
          span?.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': name });
        },
      };
    },
  };
}

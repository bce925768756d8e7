import type { ApolloDriverConfig } from '@nestjs/apollo';
import { randomUUID } from 'node:crypto';
import type { HubConfig } from '@flotilla/config';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/token-verifier';
import { graphqlMetricsPlugin } from '../metrics/graphql-metrics.plugin';
import type { HubMetrics } from '../metrics/hub-metrics';
import type { BackingServices } from '../infra/backing-services';
import type { ConnectionDrain, SubscriptionSocket } from '../infra/connection-drain';
import { mapError } from './error-codes';
import { queryLimitsPlugin } from './query-limits.plugin';
import { tracingPlugin } from './tracing.plugin';
import type { RequestContext } from './request-context';
import { requestIdOf } from '../infra/request-id';

/** Builds the context of one HTTP request: its caller, request id and client address. */
export async function buildRequestContext(
  req: Request,
  res: Response | undefined,
  verifier: TokenVerifier,
): Promise<RequestContext> {
  const requestId = requestIdOf(req);
  res?.setHeader('x-request-id', requestId);
  const context: RequestContext = {
    req,
    auth: await verifier.authenticate(req.headers.authorization),
    requestId,
    clientAddress: req.ip ?? req.socket?.remoteAddress ?? null,
  };
  (req as Request & { flotilla?: RequestContext }).flotilla = context;
  return context;
}

/** What graphql-ws passes for a subscription: the connection's init params and its request. */
interface WsContextInput {
  connectionParams?: Record<string, unknown>;
  extra?: { request?: Request };
}

function authorizationParam(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.['authorization'] ?? params?.['Authorization'];
  return typeof value === 'string' ? value : undefined;
}

/** Builds the context of a subscription from `connectionParams.authorization` (a bearer JWT). */
async function buildSubscriptionContext(
  input: WsContextInput,
  verifier: TokenVerifier,
): Promise<RequestContext> {
  const req = input.extra?.request ?? ({ headers: {} } as Request);
  return {
    req,
    auth: await verifier.authenticate(authorizationParam(input.connectionParams)),
    requestId: randomUUID(),
    clientAddress: req.socket?.remoteAddress ?? null,
  };
}

/** Apollo options: code-first schema, the one error mapping, query limits, metrics. */
export function graphqlOptions(
  config: HubConfig,
  verifier: TokenVerifier,
  logger: Logger,
  metrics: HubMetrics,
  drain: ConnectionDrain,
  outages: BackingServices,
): ApolloDriverConfig {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    graphiql: config.GRAPHQL_PLAYGROUND,
    introspection: true,
    fieldResolverEnhancers: ['guards'],
    // HTTP requests carry `req`; subscriptions over graphql-ws carry the connection's params.
    context: (input: { req?: Request; res?: Response } & Partial<WsContextInput>) =>
      input.req
        ? buildRequestContext(input.req, input.res, verifier)
        : buildSubscriptionContext(input as WsContextInput, verifier),
    subscriptions: {
      'graphql-ws': {
        path: '/graphql',
        // A connection without a valid token is refused at once rather than per subscription.
        onConnect: async (ctx: { connectionParams?: Record<string, unknown>; extra: unknown }) => {
          const auth = await verifier.authenticate(authorizationParam(ctx.connectionParams));
          if (auth.kind !== 'authenticated') return false;
          // Followed so that a hub shutting down closes it with 1001 (clients reconnect elsewhere).
          const socket = (ctx.extra as { socket?: SubscriptionSocket } | undefined)?.socket;
          if (socket) drain.trackSubscription(socket);
          return true;
        },
      },
    },
    plugins: [
      tracingPlugin(),
      graphqlMetricsPlugin(metrics),
      queryLimitsPlugin(config.GRAPHQL_MAX_DEPTH, config.GRAPHQL_MAX_COMPLEXITY),
    ],
    formatError: (formatted, error) => {
      const mapped = mapError(formatted, error);
      if (mapped.unavailable !== undefined) outages.report(mapped.unavailable);
      if (mapped.internal !== undefined) {
        logger.error({ err: mapped.internal, path: formatted.path }, 'GraphQL request failed');
      }
      return {
        message: mapped.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: mapped.code, ...(mapped.field ? { field: mapped.field } : {}) },
      };
    },
  };
}

import type { CanActivate, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HubConfig } from '@flotilla/config';
import type { Logger } from 'pino';
import { startTracing, type SpanExporter } from '@flotilla/tracing';
import { AppModule } from './app.module';
import { ConnectionDrain } from './infra/connection-drain';
import { PinoNestLogger } from './infra/logger';
import { requestIdMiddleware } from './infra/request-id';
import { AGENT_API_PREFIX } from '@flotilla/contracts';
import { agentBodyParser } from './agent-protocol/agent-body';
import { GIT_WEBHOOK_PATH, gitWebhookBodyParser } from './webhooks/git-webhook.body';
import { HUB_METRICS } from './infra/tokens';
import type { HubMetrics } from './metrics/hub-metrics';

/** Seams for tests and benchmarks only; no configuration or environment variable reaches them. */
export interface HubOptions {
  /** Replaces the access guard (the authorisation benchmark measures with and without it). */
  guard?: Type<CanActivate>;
  /** The hub's clock (tests of expiry and grace periods). */
  clock?: () => Date;
  /** Where spans go when TRACING_ENABLED. Default: OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. */
  spanExporter?: SpanExporter;
}

/** Creates the hub application (not yet listening): used by main.ts, tests and schema printing. */
export async function createHub(
  config: HubConfig,
  logger: Logger,
  options: HubOptions = {},
): Promise<NestExpressApplication> {
  // Before the app: the queues the hub opens carry traces only when the provider is up.
  const tracing = startTracing('hub', config, options.spanExporter);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.create(config, logger, options),
    {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
    },
  );
  // First: every request gets its id (logs, events, the x-request-id header) and its span.
  app.use(requestIdMiddleware(logger));
  // Counted first, so that refusals of the body parsers below are counted too.
  const metrics = app.get<HubMetrics>(HUB_METRICS);
  app.use(AGENT_API_PREFIX, metrics.agentApiMiddleware());
  app.use(GIT_WEBHOOK_PATH, metrics.webhookMiddleware());
  // Oversized bodies are refused before parsing; the agent protocol has its own, smaller limit.
  app.use(AGENT_API_PREFIX, agentBodyParser());
  app.use(GIT_WEBHOOK_PATH, gitWebhookBodyParser());
  app.useBodyParser('json', { limit: '1mb' });
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // Signals are handled by main.ts (stopHub): Nest's own hooks would end the process by the
  // signal (exit 143) rather than with 0 after a clean drain.
  app.get(ConnectionDrain).attach(app.getHttpServer());
  // The spans still buffered are exported once the app has closed.
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await tracing.shutdown();
  };
  return app;
}

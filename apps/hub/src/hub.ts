import type { CanActivate, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HubConfig } from '@flotilla/config';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { ConnectionDrain } from './infra/connection-drain';
import { PinoNestLogger } from './infra/logger';
import { AGENT_API_PREFIX } from '@flotilla/contracts';
import { agentBodyParser } from './agent-protocol/agent-body';
import { GIT_WEBHOOK_PATH, gitWebhookBodyParser } from './webhooks/git-webhook.body';

/** Seams for tests and benchmarks only; no configuration or environment variable reaches them. */
export interface HubOptions {
  /** Replaces the access guard (the authorisation benchmark measures with and without it). */
  guard?: Type<CanActivate>;
  /** The hub's clock (tests of expiry and grace periods). */
  clock?: () => Date;
}

/** Creates the hub application (not yet listening): used by main.ts, tests and schema printing. */
export async function createHub(
  config: HubConfig,
  logger: Logger,
  options: HubOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.create(config, logger, options),
    {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
    },
  );
  // Oversized bodies are refused before parsing; the agent protocol has its own, smaller limit.
  app.use(AGENT_API_PREFIX, agentBodyParser());
  app.use(GIT_WEBHOOK_PATH, gitWebhookBodyParser());
  app.useBodyParser('json', { limit: '1mb' });
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // Signals are handled by main.ts (stopHub): Nest's own hooks would end the process by the
  // signal (exit 143) rather than with 0 after a clean drain.
  app.get(ConnectionDrain).attach(app.getHttpServer());
  return app;
}

import type { CanActivate, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HubConfig } from '@flotilla/config';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { PinoNestLogger } from './infra/logger';

/** Creates the hub application (not yet listening): used by main.ts, tests and schema printing. */
export async function createHub(
  config: HubConfig,
  logger: Logger,
  guard?: Type<CanActivate>,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.create(config, logger, guard),
    {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
    },
  );
  // Oversized bodies are refused before parsing.
  app.useBodyParser('json', { limit: '1mb' });
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.enableShutdownHooks();
  return app;
}

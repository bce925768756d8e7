import 'reflect-metadata';
import { hubConfigSchema, loadConfigOrExit } from '@flotilla/config';
import { runMigrations } from '@flotilla/database';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { createHub } from './hub';
import { ConnectionDrain } from './infra/connection-drain';
import { createLogger } from './infra/logger';

/**
 * SIGTERM/SIGINT: drain (no new connections, long-polls answered, subscriptions closed with 1001,
 * requests in flight finished), then close Postgres and Redis and exit 0. A drain that outlasts
 * SHUTDOWN_TIMEOUT_SECONDS ends the process with 1: Kubernetes would SIGKILL it soon anyway.
 */
function stopOnSignals(app: NestExpressApplication, logger: Logger, timeoutSeconds: number): void {
  const drain = app.get(ConnectionDrain);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, inFlight: drain.inFlight, timeoutSeconds },
      'hub stopping: refusing new connections, finishing requests in flight',
    );
    setTimeout(() => {
      logger.error(
        { inFlight: drain.inFlight, timeoutSeconds },
        'hub did not stop within SHUTDOWN_TIMEOUT_SECONDS; exiting with requests still in flight',
      );
      process.exit(1);
    }, timeoutSeconds * 1000).unref();
    drain
      .drain()
      .then(() => app.close())
      .then(
        () => {
          logger.info('hub stopped');
          process.exit(0);
        },
        (error: Error) => {
          logger.error({ err: error.message }, 'hub did not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('hub', hubConfigSchema);
  const logger = createLogger(config.LOG_LEVEL, 'hub');
  if (config.MIGRATE_ON_START) {
    await runMigrations(config.DATABASE_URL, (line) => logger.info(line));
  }
  const app = await createHub(config, logger);
  stopOnSignals(app, logger, config.SHUTDOWN_TIMEOUT_SECONDS);
  await app.listen(config.PORT, config.HOST);
  logger.info({ url: `http://${config.HOST}:${config.PORT}/graphql` }, 'hub listening');
}

main().catch((error: Error) => {
  process.stderr.write(`hub: failed to start: ${error.message}\n`);
  process.stderr.write(
    'hub: check that Postgres and Redis answer at DATABASE_URL and REDIS_URL.\n',
  );
  process.exit(1);
});

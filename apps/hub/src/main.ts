import 'reflect-metadata';
import { hubConfigSchema, loadConfigOrExit } from '@flotilla/config';
import { runMigrations } from '@flotilla/database';
import { createHub } from './hub';
import { createLogger } from './infra/logger';

async function main(): Promise<void> {
  const config = loadConfigOrExit('hub', hubConfigSchema);
  const logger = createLogger(config.LOG_LEVEL, 'hub');
  if (config.MIGRATE_ON_START) {
    await runMigrations(config.DATABASE_URL, (line) => logger.info(line));
  }
  const app = await createHub(config, logger);
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

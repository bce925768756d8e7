import 'reflect-metadata';
import { loadConfigOrExit, workerConfigSchema } from '@flotilla/config';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit('worker', workerConfigSchema);
  const worker = await createWorker(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    worker.logger.info({ signal }, 'worker stopping: finishing work in progress');
    worker.stop().then(
      () => process.exit(0),
      (error: Error) => {
        worker.logger.error({ err: error.message }, 'worker did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: Error) => {
  process.stderr.write(`worker: failed to start: ${error.message}\n`);
  process.stderr.write(
    'worker: check that Postgres and Redis answer at DATABASE_URL and REDIS_URL, and that the hub has migrated the database.\n',
  );
  process.exit(1);
});

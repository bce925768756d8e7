import 'reflect-metadata';
import { loadConfigOrExit, workerConfigSchema } from '@flotilla/config';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit('worker', workerConfigSchema);
  const worker = await createWorker(config);
  const timeoutSeconds = config.SHUTDOWN_TIMEOUT_SECONDS;
  let stopping = false;
  // SIGTERM: take no new jobs, finish the active ones, stop the projections after their batch,
  // close the connections, exit 0. Past SHUTDOWN_TIMEOUT_SECONDS the process exits 1 with jobs
  // still active: their transactions roll back with the connection and, once their BullMQ lock
  // (JOB_LOCK_SECONDS) lapses, another worker runs them again from the start.
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    worker.logger.info(
      { signal, activeJobs: worker.activeJobs(), timeoutSeconds },
      'worker stopping: taking no new jobs, finishing the active ones',
    );
    setTimeout(() => {
      worker.logger.error(
        {
          activeJobs: worker.activeJobs(),
          timeoutSeconds,
          jobLockSeconds: config.JOB_LOCK_SECONDS,
        },
        'worker did not finish its jobs within SHUTDOWN_TIMEOUT_SECONDS; exiting: another worker retries them once their lock (JOB_LOCK_SECONDS) lapses',
      );
      process.exit(1);
    }, timeoutSeconds * 1000).unref();
    worker.stop().then(
      () => {
        worker.logger.info('worker stopped');
        process.exit(0);
      },
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

import type { WorkerConfig } from '@flotilla/config';
import { createPool } from '@flotilla/database';
import {
  EventNotifier,
  EventStore,
  ProjectionRunner,
  type Projection,
} from '@flotilla/event-store';
import {
  clustersProjection,
  flotillaEventRegistry,
  registrationTokensProjection,
  tenantsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';

/** Every projection the worker keeps current. */
export const workerProjections: Projection<FlotillaEvent>[] = [
  tenantsProjection,
  clustersProjection as unknown as Projection<FlotillaEvent>,
  registrationTokensProjection as unknown as Projection<FlotillaEvent>,
];

export interface RunningWorker {
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * Starts the worker: the projection runners (each checkpointed in Postgres, so several workers
 * can run side by side) and, as later issues add them, the BullMQ processors.
 */
export async function createWorker(config: WorkerConfig): Promise<RunningWorker> {
  const logger = pino({ name: 'worker', level: config.LOG_LEVEL, base: { app: 'worker' } });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'flotilla-worker' });
  await pool.query('SELECT 1 FROM events LIMIT 1'); // fails early, with a clear cause, if not migrated
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  await redis.ping();
  const store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
  const notifier = new EventNotifier(config.DATABASE_URL, (error) =>
    logger.warn({ err: error.message }, 'event notifications interrupted; reconnecting'),
  );
  await notifier.start();
  const runners = workerProjections.map(
    (projection) =>
      new ProjectionRunner(pool, store, projection, notifier, {
        onFailure: (failure) => logger.error({ failure }, 'projection stopped at an event'),
      }),
  );
  for (const runner of runners) await runner.start();
  logger.info(
    { projections: workerProjections.map((p) => `${p.name}@v${p.version}`) },
    'worker ready',
  );
  return {
    logger,
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await notifier.stop();
      redis.disconnect();
      await pool.end();
    },
  };
}

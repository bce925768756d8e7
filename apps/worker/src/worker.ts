import type { WorkerConfig } from '@flotilla/config';
import { JOB_SCHEDULERS, queuePrefix } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import {
  EventNotifier,
  EventStore,
  ProjectionRunner,
  type Projection,
} from '@flotilla/event-store';
import { ClusterInventory, databaseIdentity, HeartbeatStore } from '@flotilla/inventory';
import {
  clustersProjection,
  flotillaEventRegistry,
  registrationTokensProjection,
  tenantsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import { UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { connectivitySweepProcessor } from './fleet/connectivity-sweep.processor';
import { FleetJobs, type JobHandlers, type JobSchedule } from './fleet/fleet-jobs';

/** Every projection the worker keeps current. */
export const workerProjections: Projection<FlotillaEvent>[] = [
  tenantsProjection,
  clustersProjection as unknown as Projection<FlotillaEvent>,
  registrationTokensProjection as unknown as Projection<FlotillaEvent>,
];

const notYet = async (job: Job): Promise<never> => {
  throw new UnrecoverableError(`this worker version does not run ${job.name} jobs yet`);
};

/** What tests (and only tests) replace; configuration comes from `WorkerConfig` alone. */
export interface WorkerSeams {
  /** The clock of sweeps and probes. Default: the system clock. */
  now?: () => Date;
  /** How often the worker checks that its job schedulers still exist. Default: 60 s. */
  schedulerCheckMs?: number;
  /** This worker's name in BullMQ (`job.processedBy`). Default: host, pid and a random tag. */
  name?: string;
}

export interface RunningWorker {
  logger: Logger;
  /** This worker's name in BullMQ. */
  name: string;
  /** The database identity its Redis keys are scoped by. */
  identity: string;
  jobs: FleetJobs;
  /** Finishes the jobs in progress (taking no new ones), then closes every connection. */
  stop(): Promise<void>;
}

/**
 * Starts the worker: the projection runners (each checkpointed in Postgres, so several workers
 * can run side by side) and the BullMQ processors with their schedulers.
 */
export async function createWorker(
  config: WorkerConfig,
  seams: WorkerSeams = {},
): Promise<RunningWorker> {
  const now = seams.now ?? (() => new Date());
  const name = seams.name ?? `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const logger = pino({ name: 'worker', level: config.LOG_LEVEL, base: { app: 'worker' } });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'flotilla-worker' });
  await pool.query('SELECT 1 FROM events LIMIT 1'); // fails early, with a clear cause, if not migrated
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  await redis.ping();
  const identity = await databaseIdentity(pool);
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

  const inventory = new ClusterInventory(pool, store, now);
  const heartbeats = new HeartbeatStore(redis, identity);
  const sweep = connectivitySweepProcessor(
    { pool, inventory, heartbeats, now, logger },
    {
      intervalSeconds: config.HEARTBEAT_INTERVAL_SECONDS,
      offlineAfterMissed: config.OFFLINE_AFTER_MISSED_HEARTBEATS,
    },
  );
  const handlers: JobHandlers = {
    'connectivity-sweep': sweep,
    // Kubeconfig probes and re-sealing land with libs/secrets and libs/kube.
    'plan-probe-round': notYet,
    'probe-round': notYet,
    'kubeconfig-probe': notYet,
    'secrets-reseal': notYet,
  };
  const schedules: JobSchedule[] = [
    {
      id: JOB_SCHEDULERS.connectivitySweep,
      everyMs: config.SWEEP_INTERVAL_SECONDS * 1000,
      payload: { type: 'connectivity-sweep' },
    },
  ];
  const jobs = new FleetJobs({
    redis,
    prefix: queuePrefix(identity),
    name,
    concurrency: config.WORKER_CONCURRENCY,
    logger,
    handlers,
    schedules,
    schedulerCheckMs: seams.schedulerCheckMs ?? 60_000,
  });
  await jobs.start();

  logger.info(
    {
      name,
      projections: workerProjections.map((p) => `${p.name}@v${p.version}`),
      schedulers: schedules.map((s) => s.id),
    },
    'worker ready',
  );
  return {
    logger,
    name,
    identity,
    jobs,
    async stop() {
      await jobs.close();
      await Promise.all(runners.map((r) => r.stop()));
      await notifier.stop();
      redis.disconnect();
      await pool.end();
    },
  };
}

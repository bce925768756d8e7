import { createLogger, startTracing, type SpanExporter } from '@flotilla/tracing';
import type { WorkerConfig } from '@flotilla/config';
import { createPool, isConnectionError, OutageLog } from '@flotilla/database';
import {
  EventNotifier,
  EventStore,
  ProjectionRunner,
  type Projection,
} from '@flotilla/event-store';
import { databaseIdentity } from '@flotilla/inventory';
import {
  applicationSetsProjection,
  applicationsProjection,
  clustersProjection,
  deliveriesProjection,
  fleetHistoryProjection,
  flotillaEventRegistry,
  registrationTokensProjection,
  rolloutsProjection,
  tenantsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  notificationDispatchProjection,
  type NotificationDispatchOptions,
} from '@flotilla/notifications';
import { GenerationRequests } from './appsets/generation-requests';
import { generationTriggersProjection } from './appsets/generation-triggers.projection';
import type { PushPorts } from './delivery/push-jobs';
import type { FleetJobs } from './fleet/fleet-jobs';
import { startFleetJobs } from './fleet/fleet-runtime';
import { enqueueDeliveries } from './notifications/notification-jobs';
import { enqueueTicks } from './rollouts/rollout-jobs';
import { rolloutTriggersProjection } from './rollouts/rollout-triggers.projection';
import { WorkerMetrics } from './worker-metrics';

/**
 * Every projection the worker keeps current: the read models, the generation triggers (which
 * queue generations through `requests`) and the notification dispatcher (which queues deliveries).
 */
export function workerProjections(
  requests: GenerationRequests,
  notifications: NotificationDispatchOptions,
  rolloutTicks: (applicationSetIds: Iterable<string>) => Promise<void>,
): Projection<FlotillaEvent>[] {
  return [
    tenantsProjection,
    clustersProjection as unknown as Projection<FlotillaEvent>,
    registrationTokensProjection as unknown as Projection<FlotillaEvent>,
    applicationsProjection as unknown as Projection<FlotillaEvent>,
    applicationSetsProjection as unknown as Projection<FlotillaEvent>,
    deliveriesProjection as unknown as Projection<FlotillaEvent>,
    fleetHistoryProjection,
    rolloutsProjection as unknown as Projection<FlotillaEvent>,
    generationTriggersProjection(requests) as unknown as Projection<FlotillaEvent>,
    rolloutTriggersProjection(rolloutTicks) as unknown as Projection<FlotillaEvent>,
    notificationDispatchProjection(notifications),
  ];
}

/** What tests (and only tests) replace; configuration comes from `WorkerConfig` alone. */
export interface WorkerSeams {
  /** The clock of sweeps and probes. Default: the system clock. */
  now?: () => Date;
  /** How often the worker checks that its job schedulers still exist. Default: 60 s. */
  schedulerCheckMs?: number;
  /** This worker's name in BullMQ (`job.processedBy`). Default: host, pid and a random tag. */
  name?: string;
  /** How long a kubeconfig cluster may take to answer a probe. Default: the probe interval, at most 15 s. */
  probeTimeoutMs?: number;
  /** Application writes per generation chunk job (and the most written inline). Default: 250. */
  generationChunkSize?: number;
  /** Applications rendered (and appended) per transaction. Default: 500. */
  renderBatchSize?: number;
  /** Push mode's ports (desired state, bundles, status, appliers). Default: the real ones. */
  push?: PushPorts;
  /** Where spans go when TRACING_ENABLED. Default: OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. */
  spanExporter?: SpanExporter;
}

export interface RunningWorker {
  logger: Logger;
  /** This worker's metrics (served on METRICS_PORT unless it is 0). */
  metrics: WorkerMetrics;
  /** Where `/metrics` is served; undefined when METRICS_PORT is 0. */
  metricsUrl: string | undefined;
  /** This worker's name in BullMQ. */
  name: string;
  /** The database identity its Redis keys are scoped by. */
  identity: string;
  jobs: FleetJobs;
  /** The jobs this process is running now (`name:id`). */
  activeJobs(): string[];
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
  const logger = createLogger('worker', config.LOG_LEVEL);
  // Before the queues: they carry traces only when the provider is up.
  const tracing = startTracing('worker', config, seams.spanExporter);
  // One line per outage (and one when it ends), however many connections notice it.
  const postgresOutage = new OutageLog(logger, {
    service: 'Postgres',
    url: config.DATABASE_URL,
    advice:
      'projections and jobs pause and retry with backoff (at most 30 s apart); check that Postgres runs and DATABASE_URL points at it',
  });
  const redisOutage = new OutageLog(logger, {
    service: 'Redis',
    url: config.REDIS_URL,
    advice:
      'job queues pause and reconnect every 2 s; nothing is lost (work owed is re-queued from Postgres); check that Redis runs and REDIS_URL points at it',
  });
  const pool = createPool(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'flotilla-worker',
    onIdleError: (error) => postgresOutage.failed(error),
    onConnect: () => postgresOutage.recovered(),
  });
  await pool.query('SELECT 1 FROM events LIMIT 1'); // fails early, with a clear cause, if not migrated
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', (error) => redisOutage.failed(error));
  redis.on('ready', () => redisOutage.recovered());
  await redis.ping();
  const identity = await databaseIdentity(pool);
  const metrics = new WorkerMetrics(pool, logger);
  // Early: a port already taken fails the start before any job is taken.
  const metricsServer = await metrics.serve(config, async () => {
    const answer = (work: Promise<unknown>) =>
      Promise.race([
        work.then(() => 'ok'),
        new Promise<string>((r) => setTimeout(() => r('down: timed out'), 2_000).unref()),
      ]).catch((e: Error) => `down: ${e.message}`);
    const [postgres, redisState] = await Promise.all([
      answer(pool.query('SELECT 1')),
      answer(redis.ping()),
    ]);
    return { postgres, redis: redisState };
  });
  const store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
  const notifier = new EventNotifier(config.DATABASE_URL, (error) => postgresOutage.failed(error));
  await notifier.start();
  let queues: FleetJobs | undefined;
  const requests = new GenerationRequests(
    pool,
    () => {
      if (!queues) throw new Error('the job queues are not started yet');
      return queues;
    },
    logger,
  );
  const projections = workerProjections(
    requests,
    {
      enqueue: (ids) => {
        if (!queues) throw new Error('the job queues are not started yet');
        return enqueueDeliveries({ config, add: (p, id, o) => queues!.add(p, id, o) })(ids);
      },
      maxEventAgeMs: config.NOTIFY_MAX_EVENT_AGE_SECONDS * 1000,
      now,
    },
    (ids) => {
      if (!queues) throw new Error('the job queues are not started yet');
      return enqueueTicks({ add: (p, id, o) => queues!.add(p, id, o), now, redis, identity })(ids);
    },
  );

  const jobs = await startFleetJobs({
    config,
    pool,
    redis,
    store,
    identity,
    name,
    now,
    logger,
    redisOutage,
    schedulerCheckMs: seams.schedulerCheckMs ?? 60_000,
    probeTimeoutMs: seams.probeTimeoutMs ?? Math.min(config.PROBE_INTERVAL_SECONDS, 15) * 1000,
    requests,
    bindQueues: (started) => (queues = started),
    ...(seams.generationChunkSize ? { generationChunkSize: seams.generationChunkSize } : {}),
    ...(seams.renderBatchSize ? { renderBatchSize: seams.renderBatchSize } : {}),
    ...(seams.push ? { push: seams.push } : {}),
    metrics,
  });
  // After the queues: the trigger projection queues generations as it goes.
  const runners = projections.map(
    (projection) =>
      new ProjectionRunner(pool, store, projection, notifier, {
        onFailure: (failure) => logger.error({ failure }, 'projection stopped at an event'),
        onRetry: (error) =>
          isConnectionError(error)
            ? postgresOutage.failed(error)
            : logger.warn({ err: (error as Error).message }, 'projection batch failed; retrying'),
      }),
  );
  for (const runner of runners) await runner.start();
  // Requests Redis lost while no worker ran (a flush, a failover) are queued again.
  await requests.dispatch();

  logger.info(
    {
      name,
      projections: projections.map((p) => `${p.name}@v${p.version}`),
    },
    'worker ready',
  );
  return {
    logger,
    metrics,
    metricsUrl: metricsServer?.url,
    name,
    identity,
    jobs,
    activeJobs: () => jobs.activeJobs(),
    async stop() {
      await metricsServer?.close();
      // Jobs first (they may wait for the projections), then the projections after their batch.
      await jobs.close();
      await Promise.all(runners.map((r) => r.stop()));
      await notifier.stop();
      redis.disconnect();
      await pool.end();
      await tracing.shutdown();
    },
  };
}

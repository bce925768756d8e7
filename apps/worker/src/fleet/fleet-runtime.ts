import { DesiredStateReader, StatusRecorder } from '@flotilla/delivery';
import { BundleStore } from '@flotilla/render';
import type { WorkerConfig } from '@flotilla/config';
import {
  JOB_SCHEDULERS,
  jobIds,
  QUEUES,
  queuePrefix,
  timeSlot,
  type JobPayload,
} from '@flotilla/contracts';
import type { EventStore } from '@flotilla/event-store';
import { ClusterInventory, HeartbeatStore, ProbeErrors } from '@flotilla/inventory';
import type { FlotillaEvent } from '@flotilla/projections';
import { SecretBox } from '@flotilla/secrets';
import type { JobsOptions } from 'bullmq';
import type { OutageLog } from '@flotilla/database';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { appsetGit, appsetJobHandlers, appsetSchedules } from '../appsets/appset-jobs';
import { deliveryJobHandlers, deliverySchedules, RenderTriggers } from '../delivery/delivery-jobs';
import {
  ClusterLocks,
  pushJobHandlers,
  pushSchedules,
  PushTriggers,
  type PushPorts,
} from '../delivery/push-jobs';
import { kubeconfigApplier } from '../delivery/push-sync';
import type { GenerationRequests } from '../appsets/generation-requests';
import { notificationJobHandlers, notificationSchedules } from '../notifications/notification-jobs';
import { rolloutJobHandlers, rolloutSchedules, rolloutTriggers } from '../rollouts/rollout-jobs';
import { connectivitySweepProcessor } from './connectivity-sweep.processor';
import { FleetJobs, type JobHandlers, type JobSchedule } from './fleet-jobs';
import { kubeconfigProbeProcessor } from './kubeconfig-probe.processor';
import { planProbeRoundProcessor, probeRoundProcessor } from './probe-round.processor';
import { secretsResealProcessor } from './secrets-reseal.processor';
import type { WorkerMetrics } from '../worker-metrics';

const DAY_SECONDS = 86_400;

/** The job schedulers every worker upserts (BullMQ keeps one of each, whoever upserts). */
export function jobSchedules(config: WorkerConfig, activeKeyId: string | undefined): JobSchedule[] {
  const schedules: JobSchedule[] = [
    {
      id: JOB_SCHEDULERS.connectivitySweep,
      everyMs: config.SWEEP_INTERVAL_SECONDS * 1000,
      payload: { type: 'connectivity-sweep' },
    },
    {
      id: JOB_SCHEDULERS.probeRounds,
      everyMs: config.PROBE_INTERVAL_SECONDS * 1000,
      payload: { type: 'plan-probe-round' },
    },
  ];
  if (activeKeyId) {
    schedules.push({
      id: JOB_SCHEDULERS.secretsReseal,
      everyMs: DAY_SECONDS * 1000,
      payload: { type: 'secrets-reseal', keyId: activeKeyId },
    });
  }
  return [
    ...schedules,
    ...appsetSchedules(config),
    ...deliverySchedules(config),
    ...pushSchedules(config),
    ...notificationSchedules(),
    ...rolloutSchedules(config),
  ];
}

export interface FleetRuntimeDeps {
  config: WorkerConfig;
  pool: Pool;
  redis: Redis;
  store: EventStore<FlotillaEvent>;
  /** The database identity (Redis keys and queues are scoped by it). */
  identity: string;
  /** This worker's name in BullMQ. */
  name: string;
  now: () => Date;
  logger: Logger;
  /** Where Redis connection failures of the queues are reported (rate-limited). */
  redisOutage?: OutageLog;
  schedulerCheckMs: number;
  /** How long a kubeconfig cluster may take to answer a probe. */
  probeTimeoutMs: number;
  /** Generation requests; given the queues before any job runs. */
  requests: GenerationRequests;
  bindQueues: (jobs: FleetJobs) => void;
  /** Writes per generation chunk job. */
  generationChunkSize?: number;
  /** Applications rendered per transaction. */
  renderBatchSize?: number;
  /** Push mode's desired state, bundles, status recording and appliers (tests); default: the real ones. */
  push?: PushPorts;
  /** Where job runs, queue depths, notification sends and push-mode drift are counted. */
  metrics?: WorkerMetrics;
}

/**
 * Starts the worker's jobs: connectivity sweeps, kubeconfig probe rounds, secret re-sealing and
 * the ApplicationSet resync, each on a scheduler, ApplicationSet generation and Git refreshes, plus a re-seal right away when a key is configured (a worker
 * started with a new active key re-seals at once; the daily pass catches the rest).
 */
export async function startFleetJobs(deps: FleetRuntimeDeps): Promise<FleetJobs> {
  const { config, pool, redis, identity, now, logger } = deps;
  const inventory = new ClusterInventory(pool, deps.store, now);
  const heartbeats = new HeartbeatStore(redis, identity);
  const box = new SecretBox(config.SECRETS_KEYS);
  // The planner adds flows through the queues, which need the handlers first: bound late.
  const addFlow: FleetJobs['addFlow'] = (flow) => jobs.addFlow(flow);
  const git = appsetGit(config, pool, box);
  const delivery = {
    config,
    pool,
    store: deps.store,
    ...git,
    logger,
    now,
    add: (payload: JobPayload, jobId: string) => jobs.add(payload, jobId),
    ...(deps.renderBatchSize ? { batchSize: deps.renderBatchSize } : {}),
  };
  const renderTriggers = new RenderTriggers(delivery);
  const push = {
    config,
    pool,
    logger,
    now,
    add: delivery.add,
    ports: deps.push ?? {
      desired: new DesiredStateReader(pool),
      bundles: new BundleStore(pool),
      status: new StatusRecorder(pool, deps.store, (events) => deps.metrics?.recordDrift(events)),
      applierFor: (clusterId: string) =>
        kubeconfigApplier(pool, box, clusterId, (message) =>
          logger.warn({ clusterId }, `push: ${message}`),
        ),
    },
  };
  const pushTriggers = new PushTriggers(push);
  const rollouts = {
    config,
    pool,
    store: deps.store,
    logger,
    now,
    redis,
    identity,
    add: (p: JobPayload, id: string, o?: JobsOptions) => jobs.add(p, id, o),
  };
  const rolloutWakeups = rolloutTriggers(rollouts);
  const pushLocks = new ClusterLocks(config.DATABASE_URL);
  const handlers: JobHandlers = {
    'connectivity-sweep': connectivitySweepProcessor(
      { pool, inventory, heartbeats, now, logger },
      {
        intervalSeconds: config.HEARTBEAT_INTERVAL_SECONDS,
        offlineAfterMissed: config.OFFLINE_AFTER_MISSED_HEARTBEATS,
      },
    ),
    'plan-probe-round': planProbeRoundProcessor({
      pool,
      inventory,
      addFlow,
      now,
      logger,
      probeIntervalSeconds: config.PROBE_INTERVAL_SECONDS,
    }),
    'probe-round': probeRoundProcessor({ logger }),
    'kubeconfig-probe': kubeconfigProbeProcessor({
      pool,
      inventory,
      heartbeats,
      probeErrors: new ProbeErrors(redis, identity),
      box,
      now,
      logger,
      timeoutMs: deps.probeTimeoutMs,
    }),
    'secrets-reseal': secretsResealProcessor({ pool, box, logger }),
    ...deliveryJobHandlers(delivery),
    ...notificationJobHandlers({
      config,
      pool,
      box,
      logger,
      now,
      add: (payload, jobId, opts) => jobs.add(payload, jobId, opts),
      queue: () => jobs.queue(QUEUES.notifications),
      ...(deps.metrics
        ? { onSent: (target, delivered) => deps.metrics?.notificationSent(target, delivered) }
        : {}),
    }),
    ...pushJobHandlers(push, pushLocks),
    ...rolloutJobHandlers(rollouts),
    ...appsetJobHandlers({
      config,
      pool,
      store: deps.store,
      box,
      requests: deps.requests,
      logger,
      addFlow,
      git,
      onRepositoryMoved: (url) => renderTriggers.repositoryMoved(url),
      ...(deps.generationChunkSize ? { chunkSize: deps.generationChunkSize } : {}),
    }),
  };
  const jobs: FleetJobs = new FleetJobs({
    redis,
    prefix: queuePrefix(identity),
    name: deps.name,
    concurrency: config.WORKER_CONCURRENCY,
    queueConcurrency: { [QUEUES.notifications]: config.NOTIFY_CONCURRENCY },
    lockDurationMs: config.JOB_LOCK_SECONDS * 1000,
    logger,
    handlers,
    schedules: jobSchedules(config, box.activeKeyId),
    schedulerCheckMs: deps.schedulerCheckMs,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.redisOutage ? { redisOutage: deps.redisOutage } : {}),
  });
  deps.metrics?.readQueuesWith((name, states) => jobs.queue(name).getJobCounts(...states));
  deps.bindQueues(jobs);
  await jobs.start();
  await renderTriggers.start();
  jobs.onClose(() => renderTriggers.stop());
  await pushTriggers.start();
  jobs.onClose(() => pushTriggers.stop());
  await rolloutWakeups.start();
  jobs.onClose(() => rolloutWakeups.stop());
  // After the workers: a push pass still running needs its lock connection (pg-pool never serves
  // a query queued behind `end()`, so closing it first could leave that job waiting forever).
  jobs.afterClose(() => pushLocks.close());
  if (box.activeKeyId) {
    const keyId = box.activeKeyId;
    await jobs.add(
      { type: 'secrets-reseal', keyId },
      jobIds.secretsReseal(keyId, timeSlot(now(), DAY_SECONDS)),
    );
  }
  if (config.PROBE_INTERVAL_SECONDS >= config.HEARTBEAT_INTERVAL_SECONDS) {
    logger.warn(
      {
        PROBE_INTERVAL_SECONDS: config.PROBE_INTERVAL_SECONDS,
        HEARTBEAT_INTERVAL_SECONDS: config.HEARTBEAT_INTERVAL_SECONDS,
      },
      'kubeconfig clusters are probed no more often than their heartbeats are due, so a slow probe turns them Stale; set PROBE_INTERVAL_SECONDS below HEARTBEAT_INTERVAL_SECONDS',
    );
  }
  return jobs;
}

import type { WorkerConfig } from '@flotilla/config';
import {
  JOB_SCHEDULERS,
  jobIds,
  timeSlot,
  type JobOn,
  type JobPayload,
  type QUEUES,
} from '@flotilla/contracts';
import { liveTarget } from '@flotilla/event-store';
import { CLUSTER_DESIRED_TABLE, clustersProjection, DESIRED_CHANNEL } from '@flotilla/projections';
import { UnrecoverableError, type Job } from 'bullmq';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { ChannelTriggers } from '../fleet/channel-triggers';
import type { JobHandlers, JobSchedule } from '../fleet/fleet-jobs';
import {
  KubeconfigUnavailable,
  pushCluster,
  type PushResult,
  type PushSyncDeps,
} from './push-sync';

const CLUSTERS = liveTarget(clustersProjection).table('clusters');
const UNDEFINED_TABLE = '42P01';
/** How long desired-state notifications are gathered before their applies are queued (ms). */
const COALESCE_MS = 250;

/** What push mode needs from libs/delivery and libs/kube (see push-sync.ts). */
export type PushPorts = Omit<PushSyncDeps, 'now'>;

export interface PushJobsDeps {
  config: WorkerConfig;
  pool: Pool;
  logger: Logger;
  now: () => Date;
  add: (payload: JobPayload, jobId: string) => Promise<unknown>;
  /**
   * The desired-state reader, bundle store, status recorder and applier factory. Without them
   * push mode is off: nothing is queued, and a push job left in Redis fails without retrying.
   */
  ports?: PushPorts;
}

/** A kubeconfig cluster's current desired revision. */
interface PushTarget {
  clusterId: string;
  revision: string;
  changedAt: Date;
}

/** The live kubeconfig clusters with a desired revision (all, or those of `clusterIds`). */
async function pushTargets(pool: Pool, clusterIds?: string[]): Promise<PushTarget[]> {
  const { rows } = await pool
    .query<{ id: string; revision: string; changed_at: Date }>(
      `SELECT c.id, d.revision, d.changed_at
       FROM ${CLUSTERS} c JOIN ${CLUSTER_DESIRED_TABLE} d ON d.cluster_id = c.id
      WHERE c.mode = 'kubeconfig' AND c.deregistered_at IS NULL
        AND ($1::text[] IS NULL OR c.id = ANY($1))
      ORDER BY c.id`,
      [clusterIds ?? null],
    )
    .catch((error: Error & { code?: string }) => {
      // A fresh database: the projections have not created their tables yet; nothing to push.
      if (error.code === UNDEFINED_TABLE) return { rows: [] };
      throw error;
    });
  return rows.map((r) => ({ clusterId: r.id, revision: r.revision, changedAt: r.changed_at }));
}

/**
 * Queues the apply of each target's current revision: one job id per (cluster, revision, change
 * instant), so repeated triggers and a resync collapse into the job already there.
 */
export async function queuePushApplies(deps: PushJobsDeps, clusterIds?: string[]) {
  const targets = await pushTargets(deps.pool, clusterIds);
  for (const t of targets) {
    await deps.add(
      { type: 'push-cluster', clusterId: t.clusterId, revision: t.revision, mode: 'apply' },
      jobIds.pushApply(t.clusterId, t.revision, t.changedAt.getTime()),
    );
  }
  return targets;
}

/** The push resync scheduler (PUSH_RESYNC_SECONDS). */
export function pushSchedules(config: WorkerConfig): JobSchedule[] {
  return [
    {
      id: JOB_SCHEDULERS.pushResync,
      everyMs: config.PUSH_RESYNC_SECONDS * 1000,
      payload: { type: 'push-resync' },
    },
  ];
}

type PushJob = Job<Extract<JobOn<typeof QUEUES.clusterPush>, { type: 'push-cluster' }>>;

/**
 * Serialises the passes over one cluster, across workers, so two appliers never race: in this
 * process a chain per cluster, across processes a Postgres advisory lock taken with
 * `pg_try_advisory_lock` on one shared connection (polled while another worker holds it). A
 * connection per running pass would starve the pool the passes themselves read through.
 */
export class ClusterLocks {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly conn: Pool;
  private closing = false;

  constructor(
    databaseUrl: string,
    private readonly pollMs = 200,
  ) {
    // One session, never closed while idle: a session lock lives as long as its connection.
    this.conn = new Pool({ connectionString: databaseUrl, max: 1, idleTimeoutMillis: 0 });
    this.conn.on('error', () => undefined);
  }

  async run<T>(clusterId: string, fn: () => Promise<T>): Promise<T> {
    if (this.closing) throw new Error('the push locks are closing: this pass is retried later');
    const previous = this.chains.get(clusterId) ?? Promise.resolve();
    let release!: () => void;
    const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.chains.set(clusterId, mine);
    await previous;
    const key = `flotilla-push/${clusterId}`;
    try {
      for (;;) {
        const { rows } = await this.conn.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
          [key],
        );
        if (rows[0]?.ok) break;
        if (this.closing)
          throw new Error('the push locks closed while waiting for another worker: retried later');
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      }
      try {
        return await fn();
      } finally {
        await this.conn
          .query('SELECT pg_advisory_unlock(hashtext($1))', [key])
          .catch(() => undefined);
      }
    } finally {
      release();
      if (this.chains.get(clusterId) === mine) this.chains.delete(clusterId);
    }
  }

  /**
   * Lets the passes already holding or waiting for a lock finish (a waiting one gives up), then
   * closes the connection: pg-pool never serves a query queued behind `end()`, so ending it under
   * a pass would leave that pass waiting forever.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.chains.values()]);
    await this.conn.end().catch(() => undefined);
  }
}

/**
 * `push-cluster` (one pass over a kubeconfig cluster) and `push-resync` (the drift pass of every
 * kubeconfig cluster, and the applies Redis lost).
 */
export function pushJobHandlers(
  deps: PushJobsDeps,
  locks: ClusterLocks,
): Pick<JobHandlers, 'push-cluster' | 'push-resync'> {
  return {
    'push-cluster': async (job: PushJob): Promise<PushResult | { skipped: string }> => {
      const { ports } = deps;
      if (!ports)
        throw new UnrecoverableError('push mode is not configured on this worker (no applier)');
      const { clusterId, mode } = job.data;
      if ((await pushTargets(deps.pool, [clusterId])).length === 0)
        return { skipped: 'not a live kubeconfig cluster' };
      try {
        return await locks.run(clusterId, () =>
          pushCluster({ ...ports, now: deps.now }, clusterId, mode),
        );
      } catch (error) {
        // A kubeconfig that cannot be opened stays so until someone stores a new one.
        if (error instanceof KubeconfigUnavailable) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    'push-resync': async () => {
      if (!deps.ports) return { skipped: 'push mode is not configured' };
      const targets = await queuePushApplies(deps);
      const slot = timeSlot(deps.now(), deps.config.PUSH_RESYNC_SECONDS);
      for (const t of targets) {
        await deps.add(
          { type: 'push-cluster', clusterId: t.clusterId, revision: t.revision, mode: 'assess' },
          jobIds.pushAssess(t.clusterId, slot),
        );
      }
      return { clusters: targets.length };
    },
  };
}

/**
 * Queues an apply when a kubeconfig cluster's desired revision changes: the deliveries projection
 * notifies {@link DESIRED_CHANNEL} with the cluster id on commit. At start (and after a lost
 * connection) every cluster's current revision is queued, so nothing waits for the resync.
 */
export class PushTriggers {
  private readonly triggers: ChannelTriggers;

  constructor(private readonly deps: PushJobsDeps) {
    this.triggers = new ChannelTriggers({
      databaseUrl: deps.config.DATABASE_URL,
      channel: DESIRED_CHANNEL,
      coalesceMs: COALESCE_MS,
      what: 'push',
      logger: deps.logger,
      flush: (clusterIds) => queuePushApplies(deps, clusterIds),
      resync: () => queuePushApplies(deps),
    });
  }

  async start(): Promise<void> {
    if (!this.deps.ports) return;
    await this.triggers.start();
  }

  stop(): Promise<void> {
    return this.triggers.stop();
  }
}

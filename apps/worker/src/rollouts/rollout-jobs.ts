import type { WorkerConfig } from '@flotilla/config';
import { JOB_SCHEDULERS, jobIds, type JobPayload } from '@flotilla/contracts';
import { liveTarget, type EventStore } from '@flotilla/event-store';
import {
  applicationSetsProjection,
  DELIVERIES_TABLE,
  ROLLOUT_CHANNEL,
  ROLLOUTS_TABLE,
  type FlotillaEvent,
} from '@flotilla/projections';
import { RolloutEngine } from '@flotilla/rollouts';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ChannelTriggers } from '../fleet/channel-triggers';
import type { JobHandlers, JobSchedule } from '../fleet/fleet-jobs';

const SETS = liveTarget(applicationSetsProjection).table('application_sets');

/** Triggers within this window become one tick of an ApplicationSet. */
export const ROLLOUT_COALESCE_MS = 100;
/** A tick that found another one deciding for its ApplicationSet runs again this much later. */
const BUSY_RETRY_MS = 250;

export interface RolloutJobsDeps {
  config: WorkerConfig;
  pool: Pool;
  store: EventStore<FlotillaEvent>;
  logger: Logger;
  now: () => Date;
  add: (payload: JobPayload, jobId: string, opts?: JobsOptions) => Promise<unknown>;
  redis: Pick<Redis, 'set' | 'del' | 'exists'>;
  /** The database identity Redis keys are scoped by. */
  identity: string;
}

/**
 * Set when a tick is asked for, cleared when one starts: a tick that finds it set again when it
 * ends runs once more. A trigger that arrives while a tick runs finds that tick's job id taken
 * (BullMQ keeps one job per id), and would otherwise wait for the sweep.
 */
const dirtyKey = (identity: string, applicationSetId: string) =>
  `flotilla:${identity}:rollout-dirty:${applicationSetId}`;

/** The sweep's scheduler. */
export function rolloutSchedules(config: WorkerConfig): JobSchedule[] {
  return [
    {
      id: JOB_SCHEDULERS.rolloutSweep,
      everyMs: config.ROLLOUT_SWEEP_SECONDS * 1000,
      payload: { type: 'rollout-sweep' },
    },
  ];
}

/** Queues a tick of each ApplicationSet, now (a burst in one window is one job) or later. */
export function enqueueTicks(deps: Pick<RolloutJobsDeps, 'add' | 'now' | 'redis' | 'identity'>) {
  return async (applicationSetIds: Iterable<string>, delayMs = 0): Promise<void> => {
    const slot = Math.floor((deps.now().getTime() + delayMs) / ROLLOUT_COALESCE_MS);
    await Promise.all(
      [...new Set(applicationSetIds)].map(async (applicationSetId) => {
        await deps.redis.set(dirtyKey(deps.identity, applicationSetId), '1', 'EX', 3600);
        await deps.add(
          { type: 'rollout-tick', applicationSetId },
          jobIds.rolloutTick(applicationSetId, slot),
          delayMs > 0 ? { delay: delayMs } : {},
        );
      }),
    );
  };
}

/**
 * `rollout-tick` advances one ApplicationSet's rollouts (see RolloutEngine) and leaves a timer for
 * the moment the clock alone would change a decision; `rollout-sweep` ticks every ApplicationSet
 * with an active rollout or held renderings, so a trigger or timer lost with Redis costs at most
 * one sweep interval.
 */
export function rolloutJobHandlers(
  deps: RolloutJobsDeps,
): Pick<JobHandlers, 'rollout-tick' | 'rollout-sweep'> {
  const engine = new RolloutEngine(deps.pool, deps.store, deps.now);
  const enqueue = enqueueTicks(deps);
  return {
    'rollout-tick': async (job) => {
      const { applicationSetId } = job.data;
      const dirty = dirtyKey(deps.identity, applicationSetId);
      await deps.redis.del(dirty);
      const result = await engine.tick(applicationSetId);
      if (result.busy) {
        await enqueue([applicationSetId], BUSY_RETRY_MS);
        return result;
      }
      if (result.wakeAt) {
        const at = result.wakeAt.getTime();
        await deps.add(
          { type: 'rollout-tick', applicationSetId },
          jobIds.rolloutWake(applicationSetId, at),
          { delay: Math.max(0, at - deps.now().getTime()) },
        );
      }
      // Asked for again while this tick ran (what asked may not have been seen), or it decided
      // something (a completion may leave held renderings for the next rollout): once more.
      if (result.appended > 0 || (await deps.redis.exists(dirty)))
        await enqueue([applicationSetId], ROLLOUT_COALESCE_MS);
      if (result.appended > 0)
        deps.logger.info(
          { applicationSetId, rolloutId: result.rolloutId, appended: result.appended },
          'rollout tick',
        );
      return result;
    },
    'rollout-sweep': async () => ({ queued: await sweep(deps) }),
  };
}

/** Queues a tick of every ApplicationSet with held renderings or a rollout in progress. */
async function sweep(deps: RolloutJobsDeps): Promise<number> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT DISTINCT application_set_id AS id FROM ${DELIVERIES_TABLE}
      WHERE staged IS NOT NULL AND NOT deleted
     UNION
     SELECT application_set_id FROM ${ROLLOUTS_TABLE} WHERE status = 'Progressing'`,
  );
  await enqueueTicks(deps)(rows.map((r) => r.id));
  return rows.length;
}

/**
 * Ticks an ApplicationSet when one of its Applications got a held rendering or a status report:
 * the deliveries projection notifies {@link ROLLOUT_CHANNEL} in the transaction that records it,
 * so the tick reads what woke it. After a lost connection, a sweep.
 */
export function rolloutTriggers(deps: RolloutJobsDeps): ChannelTriggers {
  const enqueue = enqueueTicks(deps);
  return new ChannelTriggers({
    databaseUrl: deps.config.DATABASE_URL,
    channel: ROLLOUT_CHANNEL,
    coalesceMs: ROLLOUT_COALESCE_MS,
    what: 'rollout',
    logger: deps.logger,
    flush: async (ids) => {
      // Only ApplicationSets that roll out in steps have anything to tick.
      const { rows } = await deps.pool.query<{ id: string }>(
        `SELECT id FROM ${SETS} WHERE id = ANY($1::uuid[])
            AND manifest->'spec'->'strategy'->>'type' IN ('RollingSync', 'Progressive')`,
        [ids],
      );
      if (rows.length > 0) await enqueue(rows.map((r) => r.id));
    },
    // At start the read models may not exist yet (their runners start after the queues): the
    // scheduled sweep makes up for a resync that could not run.
    resync: () =>
      sweep(deps).catch((error: Error) =>
        deps.logger.warn({ err: error.message }, 'rollout resync failed; the sweep will retry'),
      ),
  });
}

import type { WorkerConfig } from '@flotilla/config';
import { JOB_SCHEDULERS, jobIds, type JobPayload } from '@flotilla/contracts';
import type { EventStore } from '@flotilla/event-store';
import { DELIVERIES_TABLE, ROLLOUTS_TABLE, type FlotillaEvent } from '@flotilla/projections';
import { RolloutEngine } from '@flotilla/rollouts';
import type { JobsOptions } from 'bullmq';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { JobHandlers, JobSchedule } from '../fleet/fleet-jobs';

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
}

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
export function enqueueTicks(deps: Pick<RolloutJobsDeps, 'add' | 'now'>) {
  return async (applicationSetIds: Iterable<string>, delayMs = 0): Promise<void> => {
    const slot = Math.floor((deps.now().getTime() + delayMs) / ROLLOUT_COALESCE_MS);
    await Promise.all(
      [...new Set(applicationSetIds)].map((applicationSetId) =>
        deps.add(
          { type: 'rollout-tick', applicationSetId },
          jobIds.rolloutTick(applicationSetId, slot),
          delayMs > 0 ? { delay: delayMs } : {},
        ),
      ),
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
      if (result.appended > 0)
        deps.logger.info(
          { applicationSetId, rolloutId: result.rolloutId, appended: result.appended },
          'rollout tick',
        );
      return result;
    },
    'rollout-sweep': async () => {
      const { rows } = await deps.pool.query<{ id: string }>(
        `SELECT DISTINCT application_set_id AS id FROM ${DELIVERIES_TABLE}
          WHERE staged IS NOT NULL AND NOT deleted
         UNION
         SELECT application_set_id FROM ${ROLLOUTS_TABLE} WHERE status = 'Progressing'`,
      );
      await enqueue(rows.map((r) => r.id));
      return { queued: rows.length };
    },
  };
}

import { jobIds, QUEUES, timeSlot, type JobOn } from '@flotilla/contracts';
import { liveTarget } from '@flotilla/event-store';
import type { ClusterInventory } from '@flotilla/inventory';
import { clustersProjection } from '@flotilla/projections';
import type { FlowJob, Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { KubeconfigProbeResult } from './kubeconfig-probe.processor';

/** What a probe round returns once every probe of it has finished. */
export interface ProbeRoundResult {
  slot: number;
  clusters: number;
  ok: number;
  failed: number;
  skipped: number;
  /** Probes that threw (after their retries) instead of reporting a failure. */
  errored: number;
}

export interface ProbeRoundDeps {
  pool: Pool;
  inventory: ClusterInventory;
  addFlow: (flow: FlowJob) => Promise<unknown>;
  now: () => Date;
  logger: Logger;
  probeIntervalSeconds: number;
}

/**
 * The probe scheduler's tick (`plan-probe-round`): one flow per slot, a `probe-round` parent with
 * one `kubeconfig-probe` child per live kubeconfig cluster. Every id is derived from the slot, so
 * a tick run twice adds nothing the second time. A child that throws is ignored by its parent
 * (`ignoreDependencyOnFailure`): one broken probe must not hold the round open.
 */
export function planProbeRoundProcessor(
  deps: ProbeRoundDeps,
): () => Promise<{ slot: number; clusters: number }> {
  const table = liveTarget(clustersProjection).table('clusters');
  return async () => {
    const slot = timeSlot(deps.now(), deps.probeIntervalSeconds);
    await deps.inventory.catchUp();
    const { rows } = await deps.pool.query<{ id: string }>(
      `SELECT id FROM ${table} WHERE mode = 'kubeconfig' AND deregistered_at IS NULL ORDER BY id`,
    );
    if (rows.length === 0) return { slot, clusters: 0 };
    const round: JobOn<typeof QUEUES.fleetUpkeep> = {
      type: 'probe-round',
      slot,
      clusters: rows.length,
    };
    await deps.addFlow({
      name: round.type,
      queueName: QUEUES.fleetUpkeep,
      data: round,
      opts: { jobId: jobIds.probeRound(slot) },
      children: rows.map(({ id }) => {
        const probe: JobOn<typeof QUEUES.clusterProbes> = {
          type: 'kubeconfig-probe',
          clusterId: id,
          slot,
        };
        return {
          name: probe.type,
          queueName: QUEUES.clusterProbes,
          data: probe,
          opts: {
            jobId: jobIds.kubeconfigProbe(id, slot),
            ignoreDependencyOnFailure: true,
            // Only unexpected errors (Postgres away) throw; the next round is the real retry.
            attempts: 2,
            backoff: { type: 'exponential', delay: 1_000 },
          },
        };
      }),
    });
    return { slot, clusters: rows.length };
  };
}

/** The `probe-round` parent: runs once all its probes have finished, and sums them up. */
export function probeRoundProcessor(
  deps: Pick<ProbeRoundDeps, 'logger'>,
): (
  job: Job<Extract<JobOn<typeof QUEUES.fleetUpkeep>, { type: 'probe-round' }>>,
) => Promise<ProbeRoundResult> {
  return async (job) => {
    const values = Object.values(await job.getChildrenValues<KubeconfigProbeResult>());
    const errored = Object.keys(await job.getIgnoredChildrenFailures()).length;
    const count = (outcome: KubeconfigProbeResult['outcome']) =>
      values.filter((v) => v.outcome === outcome).length;
    const result: ProbeRoundResult = {
      slot: job.data.slot,
      clusters: job.data.clusters,
      ok: count('ok'),
      failed: count('failed'),
      skipped: count('skipped'),
      errored,
    };
    const level = result.failed + result.errored > 0 ? 'warn' : 'debug';
    deps.logger[level](result, 'kubeconfig probe round done');
    return result;
  };
}

import {
  sweepConnectivity,
  type ClusterInventory,
  type HeartbeatStore,
  type SweepReport,
  type SweepSettings,
} from '@flotilla/inventory';
import type { Logger } from 'pino';
import type { Pool } from 'pg';

/** What a sweep job returns (kept by BullMQ with the completed job). */
export interface ConnectivitySweepResult {
  checked: number;
  seeded: number;
  transitions: SweepReport['transitions'];
}

export interface ConnectivitySweepDeps {
  pool: Pool;
  inventory: ClusterInventory;
  heartbeats: HeartbeatStore;
  now: () => Date;
  logger: Logger;
}

/**
 * The `connectivity-sweep` job. BullMQ hands each job to one worker, but a slow sweep may overlap
 * the next one (or one asked for by hand): that is safe, because every transition is appended with
 * the cluster stream's expected version and decided on the stream's own state.
 */
export function connectivitySweepProcessor(
  deps: ConnectivitySweepDeps,
  settings: SweepSettings,
): () => Promise<ConnectivitySweepResult> {
  return async () => {
    // The sweep pages over the clusters read model: bring it up to the head of the log first, so
    // a cluster registered a moment ago is swept too (cheap when it is current).
    await deps.inventory.catchUp();
    const report = await sweepConnectivity(deps, settings);
    for (const t of report.transitions) {
      deps.logger.info(
        { clusterId: t.clusterId, from: t.from, to: t.to },
        'cluster connectivity changed',
      );
    }
    if (report.seeded > 0) {
      deps.logger.warn(
        { seeded: report.seeded },
        'clusters had no heartbeat on record (Redis lost?); counted as seen now',
      );
    }
    deps.logger.debug(
      { checked: report.checked, transitions: report.transitions.length },
      'connectivity sweep done',
    );
    return { checked: report.checked, seeded: report.seeded, transitions: report.transitions };
  };
}

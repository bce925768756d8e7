import { missedIntervals, sweptConnectivity, type Connectivity } from '@flotilla/domain';
import { liveTarget } from '@flotilla/event-store';
import { clustersProjection } from '@flotilla/projections';
import type { Pool } from 'pg';
import type { ClusterInventory } from './cluster-inventory';
import type { HeartbeatStore } from './heartbeat-store';

/** Sweep settings: the heartbeat interval and how many missed intervals make a cluster Offline. */
export interface SweepSettings {
  intervalSeconds: number;
  offlineAfterMissed: number;
}

/** What one sweep did. */
export interface SweepReport {
  checked: number;
  /** Clusters with no heartbeat on record (Redis lost it): given a fresh interval. */
  seeded: number;
  transitions: { clusterId: string; from: Connectivity; to: Connectivity }[];
}

const PAGE = 1_000;

/**
 * Marks clusters Stale and Offline from their last heartbeats. Safe to run on several workers at
 * once: each transition is appended with the stream's expected version, so two sweeps cannot
 * both move one cluster, and a heartbeat that lands first wins (see ClusterInventory.execute).
 */
export async function sweepConnectivity(
  deps: { pool: Pool; inventory: ClusterInventory; heartbeats: HeartbeatStore; now: () => Date },
  settings: SweepSettings,
): Promise<SweepReport> {
  const table = liveTarget(clustersProjection).table('clusters');
  const report: SweepReport = { checked: 0, seeded: 0, transitions: [] };
  let after = '';
  for (;;) {
    const { rows } = await deps.pool.query<{ id: string; connectivity: Connectivity }>(
      `SELECT id, connectivity FROM ${table}
       WHERE deregistered_at IS NULL AND connectivity <> 'Offline' AND id > $1
       ORDER BY id LIMIT $2`,
      [after, PAGE],
    );
    if (rows.length === 0) return report;
    after = rows[rows.length - 1]!.id;
    report.checked += rows.length;
    const now = deps.now();
    const ids = rows.map((r) => r.id);
    report.seeded += (await deps.heartbeats.seedMissing(ids, now.getTime())).length;
    const seen = await deps.heartbeats.lastSeen(ids);
    for (const [i, row] of rows.entries()) {
      const last = seen[i];
      if (last === null || last === undefined) continue;
      const missed = missedIntervals(new Date(last), now, settings.intervalSeconds);
      if (!sweptConnectivity(row.connectivity, missed, settings.offlineAfterMissed)) continue;
      // A heartbeat may have landed since the page was read: decide on the freshest time.
      const [fresh] = await deps.heartbeats.lastSeen([row.id]);
      const result = await deps.inventory.execute(
        row.id,
        {
          type: 'SweepConnectivity',
          data: {
            lastHeartbeatAt: new Date(fresh ?? last),
            intervalSeconds: settings.intervalSeconds,
            offlineAfterMissed: settings.offlineAfterMissed,
          },
        },
        { actor: 'system:connectivity-sweep' },
      );
      for (const e of result.events) {
        if (e.type === 'ClusterConnectivityChanged') {
          report.transitions.push({ clusterId: row.id, from: e.data.from, to: e.data.to });
        }
      }
    }
  }
}

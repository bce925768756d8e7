import type { Connectivity } from './cluster.schema';

/** How often agents heartbeat unless configured otherwise. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;
/** Missed heartbeat intervals after which a cluster is Offline unless configured otherwise. */
export const DEFAULT_OFFLINE_AFTER_MISSED = 5;

/**
 * Heartbeat intervals that have fully passed since the last heartbeat. A heartbeat is due by
 * `lastHeartbeatAt + interval`; one arriving exactly then is on time, so the first interval counts
 * as missed only after that instant.
 */
export function missedIntervals(lastHeartbeatAt: Date, now: Date, intervalSeconds: number): number {
  const elapsed = now.getTime() - lastHeartbeatAt.getTime();
  const interval = intervalSeconds * 1000;
  if (elapsed <= interval) return 0;
  return Math.ceil(elapsed / interval) - 1;
}

const RANK: Record<Connectivity, number> = { Ready: 0, Stale: 1, Offline: 2 };

/**
 * Where a sweep moves a cluster: only ever down (Ready to Stale to Offline); only a heartbeat
 * brings it back to Ready. `undefined` when nothing changes.
 */
export function sweptConnectivity(
  current: Connectivity,
  missed: number,
  offlineAfterMissed: number,
): Connectivity | undefined {
  const target: Connectivity =
    missed >= offlineAfterMissed ? 'Offline' : missed >= 1 ? 'Stale' : 'Ready';
  return RANK[target] > RANK[current] ? target : undefined;
}

import {
  liveTarget,
  projectionLag,
  type ProjectionLag,
  type Queryable,
} from '@flotilla/event-store';
import { clustersProjection } from './clusters.projection';
import { FLEET_HISTORY_VERSION } from './fleet-history.projection';
import { ROLLOUTS_TABLE } from './rollouts.projection';

const CLUSTERS = liveTarget(clustersProjection).table('clusters');
const APPLICATION_COUNTS = liveTarget({ version: FLEET_HISTORY_VERSION }).table(
  'application_counts',
);

/** The fleet counted for the Prometheus gauges: grouped by tenant and a few closed sets. */
export interface FleetGaugeCounts {
  clusters: { tenant: string; connectivity: string; n: number }[];
  applications: { tenant: string; health: string; sync: string; n: number }[];
  rollouts: { tenant: string; state: string; n: number }[];
}

/**
 * Counts live clusters by connectivity, live Applications by reported health and sync (from the
 * fleet history's kept counts, a few rows per ApplicationSet, not one per Application) and
 * rollouts by state. Labels are tenants and status words only: no names, ids or secrets.
 */
export async function fleetGaugeCounts(db: Queryable): Promise<FleetGaugeCounts> {
  const [clusters, applications, rollouts] = await Promise.all([
    counted<{ tenant: string; connectivity: string }>(
      db,
      `SELECT tenant, connectivity, count(*) AS n FROM ${CLUSTERS}
        WHERE deregistered_at IS NULL GROUP BY 1, 2`,
    ),
    counted<{ tenant: string; health: string; sync: string }>(
      db,
      `SELECT tenant, health, sync, sum(n) AS n FROM ${APPLICATION_COUNTS}
        WHERE label_key = '' GROUP BY 1, 2, 3 HAVING sum(n) <> 0`,
    ),
    counted<{ tenant: string; state: string }>(
      db,
      `SELECT tenant, status AS state, count(*) AS n FROM ${ROLLOUTS_TABLE} GROUP BY 1, 2`,
    ),
  ]);
  return { clusters, applications, rollouts };
}

/** Undefined table: the process that keeps this read model has not set it up yet. */
const UNDEFINED_TABLE = '42P01';

/** Rows with their count as a number; none while the read model's table does not exist. */
async function counted<R extends object>(
  db: Queryable,
  sql: string,
): Promise<(R & { n: number })[]> {
  try {
    const { rows } = await db.query<R & { n: string }>(sql);
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return [];
    throw error;
  }
}

/** The fleet's counts and every projection's lag: what the hub's and worker's gauges show. */
export async function fleetMetricsSnapshot(
  db: Queryable,
): Promise<FleetGaugeCounts & { projections: ProjectionLag[] }> {
  const [counts, projections] = await Promise.all([fleetGaugeCounts(db), projectionLag(db)]);
  return { ...counts, projections };
}

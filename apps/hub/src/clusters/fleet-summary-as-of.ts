import { FLEET_HISTORY_VERSION } from '@flotilla/projections';
import { liveTarget } from '@flotilla/event-store';
import type { Pool } from 'pg';
import type { ApplicationCountRow, ClusterCountRow } from './fleet-summary';

const history = liveTarget({ version: FLEET_HISTORY_VERSION });
const CLUSTERS = history.table('cluster_history');
const APPS = history.table('application_history');
const SETS = history.table('application_set_names');

/**
 * The fleet's counts as they were at `asOf` (what `fleetSummary` counts from the read models
 * now): the clusters registered then, with their labels, Kubernetes version and connectivity
 * then, and the Applications that existed then, on the cluster they targeted then, with the last
 * status that cluster had reported by then. Read from the fleet history (`fleet_history`, folded
 * from the log; the caller brings it to the head first): the log is cut at the last event
 * recorded at or before `asOf`, and the rows valid at that position are counted in Postgres.
 */
export async function fleetCountsAsOf(
  pool: Pool,
  tenants: string[],
  asOf: Date,
  groupBy?: string,
): Promise<{ clusters: ClusterCountRow[]; applications: ApplicationCountRow[] }> {
  const cut = await pool.query<{ position: string | null }>(
    `SELECT global_position AS position FROM events WHERE recorded_at <= $1
      ORDER BY recorded_at DESC, global_position DESC LIMIT 1`,
    [asOf],
  );
  const position = cut.rows[0]?.position;
  if (position === null || position === undefined) return { clusters: [], applications: [] };
  const params = groupBy === undefined ? [tenants, position] : [tenants, position, groupBy];
  const group = groupBy === undefined ? 'NULL' : 'c.labels ->> $3';
  const clustersAt = `clusters_at AS (
    SELECT cluster_id, tenant, labels, version, connectivity FROM ${CLUSTERS}
     WHERE from_pos <= $2 AND (to_pos IS NULL OR to_pos > $2) AND tenant = ANY($1::text[]))`;
  const [clusters, applications] = await Promise.all([
    pool.query<ClusterCountRow & { n: string }>(
      `WITH ${clustersAt}
       SELECT c.tenant, c.connectivity, c.version, ${group} AS "group", count(*) AS n
         FROM clusters_at c GROUP BY 1, 2, 3, 4`,
      params,
    ),
    // An Application counts under its cluster's labels as last known by then (a cluster
    // deregistered by then keeps the labels it had, as the read models keep them).
    pool.query<ApplicationCountRow & { n: string }>(
      `WITH clusters_at AS (
         SELECT DISTINCT ON (cluster_id) cluster_id, labels FROM ${CLUSTERS}
          WHERE from_pos <= $2 AND tenant = ANY($1::text[])
          ORDER BY cluster_id, from_pos DESC)
       SELECT a.tenant, a.application_set_id AS "applicationSetId", s.name AS "applicationSetName",
              ${group} AS "group",
              coalesce(a.sync, 'Unknown') AS sync, coalesce(a.health, 'Unknown') AS health,
              count(*) AS n
         FROM ${APPS} a
         JOIN ${SETS} s ON s.application_set_id = a.application_set_id
         LEFT JOIN clusters_at c ON c.cluster_id = a.cluster_id
        WHERE a.from_pos <= $2 AND (a.to_pos IS NULL OR a.to_pos > $2)
          AND a.tenant = ANY($1::text[])
        GROUP BY 1, 2, 3, 4, 5, 6`,
      params,
    ),
  ]);
  return {
    clusters: clusters.rows.map((r) => ({ ...r, n: Number(r.n) })),
    applications: applications.rows.map((r) => ({ ...r, n: Number(r.n) })),
  };
}

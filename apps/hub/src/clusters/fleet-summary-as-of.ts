import type { Pool } from 'pg';
import type { ApplicationCountRow, ClusterCountRow } from './fleet-summary';

/**
 * The fleet's counts as they were at `asOf`, computed from the log alone (what `fleetSummary`
 * counts from the read models now): the clusters registered then (their labels, Kubernetes
 * version and connectivity as of then) and the Applications that existed then, on the cluster
 * they targeted then, with the last status that cluster had reported for them by then.
 *
 * The log is cut at the last event recorded at or before `asOf` (one index probe); every part
 * then reads only the event types it folds (the `(type, global_position)` index), one statement
 * for the clusters and one for the Applications, grouped in Postgres.
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
  const [clusters, applications] = await Promise.all([
    pool.query<ClusterCountRow & { n: string }>(
      `${CLUSTERS_AT}
       SELECT c.tenant, c.connectivity, c.version, ${group} AS "group", count(*) AS n
         FROM clusters_at c WHERE NOT c.gone GROUP BY 1, 2, 3, 4`,
      params,
    ),
    pool.query<ApplicationCountRow & { n: string }>(
      `${CLUSTERS_AT},
       apps AS (
         SELECT DISTINCT ON (stream_id) substr(stream_id, 13) AS id, tenant_id AS tenant, type,
                data ->> 'clusterId' AS cluster_id
           FROM events
          WHERE type IN ('ApplicationCreated', 'ApplicationUpdated', 'ApplicationDeleted')
            AND global_position <= $2 AND tenant_id = ANY($1::text[])
          ORDER BY stream_id, global_position DESC),
       origin AS (
         SELECT substr(stream_id, 13) AS id, data ->> 'applicationSetId' AS set_id
           FROM events
          WHERE type = 'ApplicationCreated' AND global_position <= $2
            AND tenant_id = ANY($1::text[])),
       sets AS (
         SELECT substr(stream_id, 16) AS id, data ->> 'name' AS name
           FROM events
          WHERE type = 'ApplicationSetCreated' AND global_position <= $2
            AND tenant_id = ANY($1::text[])),
       status AS (
         SELECT DISTINCT ON (stream_id) substr(stream_id, 10) AS id,
                data ->> 'clusterId' AS cluster_id, data ->> 'sync' AS sync,
                data ->> 'health' AS health
           FROM events
          WHERE type = 'ApplicationStatusChanged' AND global_position <= $2
            AND tenant_id = ANY($1::text[])
          ORDER BY stream_id, global_position DESC)
       SELECT a.tenant, o.set_id AS "applicationSetId", s.name AS "applicationSetName",
              ${group} AS "group",
              coalesce(st.sync, 'Unknown') AS sync, coalesce(st.health, 'Unknown') AS health,
              count(*) AS n
         FROM apps a
         JOIN origin o ON o.id = a.id
         JOIN sets s ON s.id = o.set_id
         LEFT JOIN clusters_at c ON c.id = a.cluster_id
         LEFT JOIN status st ON st.id = a.id AND st.cluster_id = a.cluster_id
        WHERE a.type <> 'ApplicationDeleted'
        GROUP BY 1, 2, 3, 4, 5, 6`,
      params,
    ),
  ]);
  return {
    clusters: clusters.rows.map((r) => ({ ...r, n: Number(r.n) })),
    applications: applications.rows.map((r) => ({ ...r, n: Number(r.n) })),
  };
}

/**
 * `clusters_at`: each cluster of the tenants as of position $2, folded from its events in SQL
 * as the clusters projection folds them: labels from the registration and every relabelling,
 * the Kubernetes version from the registration's facts and every change of it, connectivity
 * Ready at (re-)registration then whatever it moved to, gone when deregistered last.
 */
const CLUSTERS_AT = `
  WITH clusters_at AS (
    SELECT substr(stream_id, 9) AS id, min(tenant_id) AS tenant,
           (array_agg(type ORDER BY global_position DESC)
              FILTER (WHERE type IN ('ClusterRegistered', 'ClusterDeregistered')))[1]
             = 'ClusterDeregistered' AS gone,
           (array_agg(data -> 'labels' ORDER BY global_position DESC)
              FILTER (WHERE type IN ('ClusterRegistered', 'ClusterLabelsChanged')))[1] AS labels,
           (array_agg(CASE WHEN type = 'ClusterRegistered' THEN data -> 'facts' ->> 'kubernetesVersion'
                           ELSE data ->> 'kubernetesVersion' END ORDER BY global_position DESC)
              FILTER (WHERE type = 'ClusterRegistered'
                         OR (type = 'ClusterFactsChanged' AND data ? 'kubernetesVersion')))[1] AS version,
           (array_agg(CASE WHEN type = 'ClusterRegistered' THEN 'Ready' ELSE data ->> 'to' END
                      ORDER BY global_position DESC)
              FILTER (WHERE type IN ('ClusterRegistered', 'ClusterConnectivityChanged')))[1]
             AS connectivity
      FROM events
     WHERE type IN ('ClusterRegistered', 'ClusterDeregistered', 'ClusterLabelsChanged',
                    'ClusterFactsChanged', 'ClusterConnectivityChanged')
       AND global_position <= $2 AND tenant_id = ANY($1::text[])
     GROUP BY stream_id
    HAVING bool_or(type = 'ClusterRegistered'))`;

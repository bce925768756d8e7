import { liveTarget } from '@flotilla/event-store';
import { FLEET_HISTORY_VERSION } from '@flotilla/projections';
import { withTransaction } from '@flotilla/database';
import type { Pool } from 'pg';
import type { ApplicationCountRow, ClusterCountRow } from './fleet-summary';

const history = liveTarget({ version: FLEET_HISTORY_VERSION });
const CLUSTERS = history.table('cluster_history');
const APPS = history.table('application_history');
const SETS = history.table('application_set_names');
const COUNTS = history.table('application_counts');

/** Where in the log the fleet is counted: now, or the last event recorded by a moment. */
export type FleetMoment = { now: true } | { asOf: Date };

/**
 * The grouped counts `fleetSummary` is made of, from the fleet history (`fleet_history`, folded
 * from the log; the caller brings it to the head first): the live clusters with their labels,
 * Kubernetes version and connectivity, and the live Applications on their clusters with the
 * status those last reported. Now: the clusters' open rows and the Applications' kept counts
 * (a few hundred rows, not 100,000). At a moment: the log is cut at the last event recorded at or before it, and the rows
 * valid at that position are counted: the fleet exactly as the read models showed it then.
 * An Application counts under its cluster's labels as last known (a cluster deregistered keeps
 * the labels it had, as the read models keep them).
 */
export async function fleetCounts(
  pool: Pool,
  tenants: string[],
  at: FleetMoment,
  groupBy?: string,
): Promise<{ clusters: ClusterCountRow[]; applications: ApplicationCountRow[] }> {
  let valid = 'to_pos IS NULL';
  let known = 'true';
  const params: unknown[] = [tenants];
  if ('asOf' in at) {
    const cut = await pool.query<{ position: string }>(
      `SELECT global_position AS position FROM events WHERE recorded_at <= $1
        ORDER BY recorded_at DESC, global_position DESC LIMIT 1`,
      [at.asOf],
    );
    const position = cut.rows[0]?.position;
    if (position === undefined) return { clusters: [], applications: [] };
    params.push(position);
    valid = 'from_pos <= $2 AND (to_pos IS NULL OR to_pos > $2)';
    known = 'from_pos <= $2';
  }
  if (groupBy !== undefined) params.push(groupBy);
  const group = groupBy === undefined ? 'NULL' : `c.labels ->> $${params.length}`;
  if ('now' in at) {
    const [clusters, applications] = await Promise.all([
      pool.query<ClusterCountRow & { n: string }>(
        `SELECT c.tenant, c.connectivity, c.version, ${group} AS "group", count(*) AS n
           FROM ${CLUSTERS} c WHERE to_pos IS NULL AND tenant = ANY($1::text[])
          GROUP BY 1, 2, 3, 4`,
        params,
      ),
      pool.query<ApplicationCountRow & { n: string }>(liveApplicationCounts(groupBy), params),
    ]);
    return {
      clusters: clusters.rows.map((r) => ({ ...r, n: Number(r.n) })),
      applications: applications.rows.map((r) => ({ ...r, n: Number(r.n) })),
    };
  }
  // Grouped by a label: each cluster's value is read once (not once per Application).
  const [clusters, applications] = await Promise.all([
    pool.query<ClusterCountRow & { n: string }>(
      `SELECT c.tenant, c.connectivity, c.version, ${group} AS "group", count(*) AS n
         FROM ${CLUSTERS} c WHERE ${valid} AND tenant = ANY($1::text[]) GROUP BY 1, 2, 3, 4`,
      params,
    ),
    // Room to group in memory: Postgres cannot tell how few groups a label yields (it guesses
    // one per Application), and with the default 4 MB it sorted 100,000 rows on disk instead of
    // hashing them (135 ms against 70 ms on the views bench).
    withTransaction(
      pool,
      (client) =>
        client.query<ApplicationCountRow & { n: string }>(
          `WITH ${
            groupBy === undefined
              ? ''
              : `groups AS (
         SELECT DISTINCT ON (cluster_id) cluster_id, labels ->> $${params.length} AS value
           FROM ${CLUSTERS} WHERE ${known} AND tenant = ANY($1::text[])
          ORDER BY cluster_id, from_pos DESC),`
          }
       counts AS (
         SELECT a.tenant, a.application_set_id, ${groupBy === undefined ? 'NULL::text' : 'g.value'} AS "group",
                coalesce(a.sync, 'Unknown') AS sync, coalesce(a.health, 'Unknown') AS health,
                count(*) AS n
           FROM ${APPS} a
           ${groupBy === undefined ? '' : 'LEFT JOIN groups g ON g.cluster_id = a.cluster_id'}
          WHERE ${valid.replace(/(from_pos|to_pos)/g, 'a.$1')} AND a.tenant = ANY($1::text[])
          GROUP BY 1, 2, 3, 4, 5)
       SELECT k.tenant, k.application_set_id AS "applicationSetId",
              s.name AS "applicationSetName", k."group", k.sync, k.health, k.n
         FROM counts k JOIN ${SETS} s ON s.application_set_id = k.application_set_id`,
          params,
        ),
      { readOnly: true, settings: { work_mem: '32MB' } },
    ),
  ]);
  return {
    clusters: clusters.rows.map((r) => ({ ...r, n: Number(r.n) })),
    applications: applications.rows.map((r) => ({ ...r, n: Number(r.n) })),
  };
}

/**
 * The live Applications' counts, from `application_counts`: the totals, or with a label key
 * (`$2`) the counts under each of its values, and what the totals hold beyond those (clusters
 * without the label, or not known) as the `null` group.
 */
function liveApplicationCounts(groupBy: string | undefined): string {
  const named = `SELECT k.tenant, k.application_set_id AS "applicationSetId",
      s.name AS "applicationSetName", k."group", k.sync, k.health, k.n
    FROM counted k JOIN ${SETS} s ON s.application_set_id = k.application_set_id
   WHERE k.n <> 0`;
  if (groupBy === undefined)
    return `WITH counted AS (
        SELECT tenant, application_set_id, NULL::text AS "group", sync, health, n FROM ${COUNTS}
         WHERE label_key = '' AND tenant = ANY($1::text[]))
      ${named}`;
  return `WITH totals AS (
      SELECT tenant, application_set_id, sync, health, n FROM ${COUNTS}
       WHERE label_key = '' AND tenant = ANY($1::text[]) AND n <> 0),
    valued AS (
      SELECT tenant, application_set_id, label_value, sync, health, n FROM ${COUNTS}
       WHERE label_key = $2 AND tenant = ANY($1::text[]) AND n <> 0),
    counted AS (
      SELECT tenant, application_set_id, label_value AS "group", sync, health, n FROM valued
      UNION ALL
      SELECT t.tenant, t.application_set_id, NULL, t.sync, t.health,
             t.n - coalesce(sum(v.n), 0)
        FROM totals t LEFT JOIN valued v USING (tenant, application_set_id, sync, health)
       GROUP BY t.tenant, t.application_set_id, t.sync, t.health, t.n)
    ${named}`;
}

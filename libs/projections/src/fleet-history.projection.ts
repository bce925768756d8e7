import type { Projection, ProjectionTarget, StoredEvent } from '@flotilla/event-store';
import type { PoolClient } from 'pg';
import { applicationSetIdOf } from './application-sets.projection';
import { applicationIdOf } from './applications.projection';
import { clusterIdOf } from './clusters.projection';
import type { FlotillaEvent } from './event-definitions';

/**
 * v1: clusters, Applications and ApplicationSet names, each row valid over a range of the log.
 * v2: `application_counts`, the live Applications counted by label.
 */
export const FLEET_HISTORY_VERSION = 2;
const DELIVERY_PREFIX = 'delivery-';

type Stored = StoredEvent<FlotillaEvent['type'], unknown>;
type Data = Record<string, unknown>;

/**
 * `fleet_history`: the fleet as it was at every position of the log, for `fleetSummary(asOf:)`.
 * Each row holds what fleetSummary counts about one cluster (labels, Kubernetes version,
 * connectivity) or one Application (tenant, ApplicationSet, cluster, reported sync and health)
 * and the range of positions it held for: `from_pos` inclusive, `to_pos` exclusive (null: still
 * true). A change closes the open row and opens the next; a deregistration or deletion only
 * closes. The fleet at position P is then the rows with `from_pos <= P < to_pos`: a range scan
 * of a few narrow columns instead of a fold of the whole log.
 *
 * It counts what the read models count: a cluster registers Ready, its version comes from its
 * facts; an Application's status is the last one its current cluster reported (none after it
 * moved: Unknown until the new cluster reports).
 *
 * `application_counts` keeps the live Applications counted, by tenant, ApplicationSet, reported
 * sync and health, and by each label of their cluster (`label_key` '' holds the totals): what
 * `fleetSummary` answers now, with or without `groupBy`, read from a few hundred rows. Every
 * change of an Application's row moves it between counts, and a relabelled cluster moves its
 * Applications between label values. An Application counts under its cluster's labels as last
 * known (a deregistered cluster keeps its labels, as the read models keep them).
 */
export const fleetHistoryProjection: Projection<FlotillaEvent> = {
  name: 'fleet_history',
  version: FLEET_HISTORY_VERSION,
  handles: [
    'ClusterRegistered',
    'ClusterLabelsChanged',
    'ClusterFactsChanged',
    'ClusterConnectivityChanged',
    'ClusterDeregistered',
    'ApplicationSetCreated',
    'ApplicationCreated',
    'ApplicationUpdated',
    'ApplicationDeleted',
    'ApplicationStatusChanged',
  ],
  tables: ['cluster_history', 'application_history', 'application_set_names', 'application_counts'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const clusters = target.table('cluster_history');
    const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [clusters]);
    if (exists.rows[0]?.t) return;
    await tx.query(`CREATE TABLE ${clusters} (
      cluster_id text NOT NULL,
      tenant text NOT NULL,
      labels jsonb NOT NULL,
      version text NOT NULL,
      connectivity text NOT NULL,
      from_pos bigint NOT NULL,
      to_pos bigint)`);
    await tx.query(`CREATE UNIQUE INDEX ON ${clusters} (cluster_id) WHERE to_pos IS NULL`);
    await tx.query(`CREATE INDEX ON ${clusters} (to_pos)`);
    const apps = target.table('application_history');
    await tx.query(`CREATE TABLE ${apps} (
      application_id uuid NOT NULL,
      tenant text NOT NULL,
      application_set_id uuid NOT NULL,
      cluster_id text NOT NULL,
      sync text,
      health text,
      from_pos bigint NOT NULL,
      to_pos bigint)`);
    await tx.query(`CREATE UNIQUE INDEX ON ${apps} (application_id) WHERE to_pos IS NULL`);
    await tx.query(`CREATE INDEX ON ${apps} (to_pos)`);
    // The live Applications by reported health and sync: counts of a status filter.
    await tx.query(`CREATE INDEX ON ${apps} (health) WHERE to_pos IS NULL`);
    await tx.query(`CREATE INDEX ON ${apps} (sync) WHERE to_pos IS NULL`);
    await tx.query(`CREATE INDEX ON ${apps} (cluster_id) WHERE to_pos IS NULL`);
    await tx.query(`CREATE INDEX ON ${clusters} (cluster_id, from_pos DESC)`);
    await tx.query(`CREATE TABLE ${target.table('application_counts')} (
      tenant text NOT NULL,
      application_set_id uuid NOT NULL,
      label_key text NOT NULL,
      label_value text NOT NULL,
      sync text NOT NULL,
      health text NOT NULL,
      n bigint NOT NULL,
      PRIMARY KEY (tenant, label_key, application_set_id, label_value, sync, health))`);
    await tx.query(`CREATE TABLE ${target.table('application_set_names')} (
      application_set_id uuid PRIMARY KEY,
      name text NOT NULL)`);
  },
  async apply(tx, events, target) {
    const t: Tables = {
      clusters: target.table('cluster_history'),
      apps: target.table('application_history'),
      sets: target.table('application_set_names'),
      counts: target.table('application_counts'),
    };
    for (const e of events as Stored[]) await applyOne(tx, t, e);
  },
};

interface Tables {
  clusters: string;
  apps: string;
  sets: string;
  counts: string;
}

/**
 * Closes the open row of `key` when `changed` (SQL over its columns) holds, and opens the next
 * with `next` (SQL over the closed row's columns, `$1` the key, `$2` the position, then `params`).
 */
function successor(
  table: string,
  key: string,
  columns: string[],
  changed: string,
  next: Record<string, string>,
): string {
  const values = columns.map((c) => next[c] ?? `closed.${c}`);
  return `WITH closed AS (
      UPDATE ${table} SET to_pos = $2 WHERE ${key} = $1 AND to_pos IS NULL AND (${changed})
      RETURNING ${columns.join(', ')})
    INSERT INTO ${table} (${key}, ${columns.join(', ')}, from_pos)
    SELECT $1, ${values.join(', ')}, $2 FROM closed`;
}

/**
 * Adds the rows of CTE `delta` (tenant, application_set_id, cluster_id, sync, health, delta) to
 * the counts: once to the totals, once under each label of the cluster as last known.
 */
function counted(t: Tables): string {
  return `INSERT INTO ${t.counts} (tenant, application_set_id, label_key, label_value, sync, health, n)
    SELECT d.tenant, d.application_set_id, l.key, l.value, coalesce(d.sync, 'Unknown'),
           coalesce(d.health, 'Unknown'), sum(d.delta)
      FROM delta d CROSS JOIN LATERAL (
        SELECT '' AS key, '' AS value
        UNION ALL
        SELECT key, value FROM jsonb_each_text(coalesce(
          (SELECT c.labels FROM ${t.clusters} c WHERE c.cluster_id = d.cluster_id
            ORDER BY c.from_pos DESC LIMIT 1), '{}'::jsonb))) l
     GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant, label_key, application_set_id, label_value, sync, health)
    DO UPDATE SET n = ${t.counts}.n + EXCLUDED.n`;
}

const APP_RETURNING = 'RETURNING tenant, application_set_id, cluster_id, sync, health';

/**
 * An Application's row moves on: closes the open row when `changed` holds and (unless `next` is
 * null: deleted) opens the next, then moves the Application between counts. `$1` the id, `$2`
 * the position, `$3`… `params`.
 */
function appTransition(t: Tables, changed: string, next: Record<string, string> | null): string {
  const values = APP_COLUMNS.map((c) => next?.[c] ?? `closed.${c}`);
  return `WITH closed AS (
      UPDATE ${t.apps} SET to_pos = $2 WHERE application_id = $1 AND to_pos IS NULL AND (${changed})
      ${APP_RETURNING}),
    opened AS (
      INSERT INTO ${t.apps} (application_id, ${APP_COLUMNS.join(', ')}, from_pos)
      SELECT $1, ${values.join(', ')}, $2 FROM closed WHERE ${next === null ? 'false' : 'true'}
      ${APP_RETURNING}),
    delta AS (
      SELECT *, -1 AS delta FROM closed UNION ALL SELECT *, 1 AS delta FROM opened)
    ${counted(t)}`;
}

/**
 * A cluster's labels change from `$2` to `$3`: its live Applications move from the old values'
 * counts to the new ones' (the totals do not change).
 */
function relabelled(t: Tables): string {
  return `WITH live AS (
      SELECT tenant, application_set_id, coalesce(sync, 'Unknown') AS sync,
             coalesce(health, 'Unknown') AS health, count(*) AS n
        FROM ${t.apps} WHERE cluster_id = $1 AND to_pos IS NULL GROUP BY 1, 2, 3, 4),
    moves AS (
      SELECT a.tenant, a.application_set_id, l.key, l.value, a.sync, a.health, -a.n AS n
        FROM live a CROSS JOIN jsonb_each_text($2::jsonb) l
      UNION ALL
      SELECT a.tenant, a.application_set_id, l.key, l.value, a.sync, a.health, a.n
        FROM live a CROSS JOIN jsonb_each_text($3::jsonb) l)
    INSERT INTO ${t.counts} (tenant, application_set_id, label_key, label_value, sync, health, n)
    SELECT tenant, application_set_id, key, value, sync, health, sum(n) FROM moves
     GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant, label_key, application_set_id, label_value, sync, health)
    DO UPDATE SET n = ${t.counts}.n + EXCLUDED.n`;
}

/** Moves a cluster's live Applications to its new labels, when they differ from the last known. */
async function relabel(tx: PoolClient, t: Tables, clusterId: string, labels: unknown) {
  const { rows } = await tx.query<{ labels: Record<string, string> }>(
    `SELECT labels FROM ${t.clusters} WHERE cluster_id = $1 ORDER BY from_pos DESC LIMIT 1`,
    [clusterId],
  );
  const before = JSON.stringify(rows[0]?.labels ?? {});
  const after = JSON.stringify(labels ?? {});
  if (rows[0] && canonicalLabels(rows[0].labels) === canonicalLabels(labels)) return;
  await tx.query(relabelled(t), [clusterId, before, after]);
}

function canonicalLabels(labels: unknown): string {
  const entries = Object.entries((labels ?? {}) as Record<string, string>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return JSON.stringify(entries);
}

const CLUSTER_COLUMNS = ['tenant', 'labels', 'version', 'connectivity'];
const APP_COLUMNS = ['tenant', 'application_set_id', 'cluster_id', 'sync', 'health'];

async function applyOne(tx: PoolClient, t: Tables, e: Stored): Promise<void> {
  const data = e.data as Data;
  const pos = e.globalPosition.toString();
  const clusterChange = (changed: string, next: Record<string, string>, params: unknown[]) =>
    tx.query(successor(t.clusters, 'cluster_id', CLUSTER_COLUMNS, changed, next), [
      clusterIdOf(e.streamId),
      pos,
      ...params,
    ]);
  switch (e.type) {
    case 'ClusterRegistered': {
      const id = clusterIdOf(e.streamId);
      await relabel(tx, t, id, data['labels']);
      // A re-registration replaces what the cluster was (and is Ready again).
      await tx.query(
        `UPDATE ${t.clusters} SET to_pos = $2 WHERE cluster_id = $1 AND to_pos IS NULL`,
        [id, pos],
      );
      const facts = (data['facts'] ?? {}) as Data;
      await tx.query(
        `INSERT INTO ${t.clusters} (cluster_id, tenant, labels, version, connectivity, from_pos)
         VALUES ($1, $2, $3, $4, 'Ready', $5)`,
        [
          id,
          data['tenant'],
          JSON.stringify(data['labels'] ?? {}),
          String(facts['kubernetesVersion'] ?? ''),
          pos,
        ],
      );
      return;
    }
    case 'ClusterLabelsChanged':
      await relabel(tx, t, clusterIdOf(e.streamId), data['labels']);
      await clusterChange('labels IS DISTINCT FROM $3::jsonb', { labels: '$3::jsonb' }, [
        JSON.stringify(data['labels'] ?? {}),
      ]);
      return;
    case 'ClusterFactsChanged':
      if (typeof data['kubernetesVersion'] === 'string')
        await clusterChange('version IS DISTINCT FROM $3', { version: '$3' }, [
          data['kubernetesVersion'],
        ]);
      return;
    case 'ClusterConnectivityChanged':
      await clusterChange('connectivity IS DISTINCT FROM $3', { connectivity: '$3' }, [data['to']]);
      return;
    case 'ClusterDeregistered':
      await tx.query(
        `UPDATE ${t.clusters} SET to_pos = $2 WHERE cluster_id = $1 AND to_pos IS NULL`,
        [clusterIdOf(e.streamId), pos],
      );
      return;
    case 'ApplicationSetCreated':
      await tx.query(
        `INSERT INTO ${t.sets} (application_set_id, name) VALUES ($1, $2)
         ON CONFLICT (application_set_id) DO NOTHING`,
        [applicationSetIdOf(e.streamId), data['name']],
      );
      return;
    case 'ApplicationCreated':
      await tx.query(
        `WITH opened AS (
           INSERT INTO ${t.apps} (application_id, tenant, application_set_id, cluster_id, from_pos)
           VALUES ($1, $2, $3, $4, $5) ${APP_RETURNING}),
         delta AS (SELECT *, 1 AS delta FROM opened)
         ${counted(t)}`,
        [
          applicationIdOf(e.streamId),
          data['tenant'],
          data['applicationSetId'],
          data['clusterId'],
          pos,
        ],
      );
      return;
    case 'ApplicationUpdated':
      // Moved to another cluster: nothing reported there yet.
      await tx.query(
        appTransition(t, 'cluster_id <> $3', { cluster_id: '$3', sync: 'NULL', health: 'NULL' }),
        [applicationIdOf(e.streamId), pos, data['clusterId']],
      );
      return;
    case 'ApplicationDeleted':
      await tx.query(appTransition(t, 'true', null), [applicationIdOf(e.streamId), pos]);
      return;
    case 'ApplicationStatusChanged':
      // Only its current cluster's report counts (a late one from a cluster it left does not).
      await tx.query(
        appTransition(
          t,
          'cluster_id = $3 AND (sync IS DISTINCT FROM $4 OR health IS DISTINCT FROM $5)',
          { sync: '$4', health: '$5' },
        ),
        [
          e.streamId.slice(DELIVERY_PREFIX.length),
          pos,
          data['clusterId'],
          data['sync'],
          data['health'],
        ],
      );
      return;
    default:
      return;
  }
}

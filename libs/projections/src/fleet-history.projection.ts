import type { Projection, ProjectionTarget, StoredEvent } from '@flotilla/event-store';
import type { PoolClient } from 'pg';
import { applicationSetIdOf } from './application-sets.projection';
import { applicationIdOf } from './applications.projection';
import { clusterIdOf } from './clusters.projection';
import type { FlotillaEvent } from './event-definitions';

/** v1: clusters, Applications and ApplicationSet names, each row valid over a range of the log. */
export const FLEET_HISTORY_VERSION = 1;
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
  tables: ['cluster_history', 'application_history', 'application_set_names'],
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
    await tx.query(`CREATE TABLE ${target.table('application_set_names')} (
      application_set_id uuid PRIMARY KEY,
      name text NOT NULL)`);
  },
  async apply(tx, events, target) {
    const t = {
      clusters: target.table('cluster_history'),
      apps: target.table('application_history'),
      sets: target.table('application_set_names'),
    };
    for (const e of events as Stored[]) await applyOne(tx, t, e);
  },
};

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

const CLUSTER_COLUMNS = ['tenant', 'labels', 'version', 'connectivity'];
const APP_COLUMNS = ['tenant', 'application_set_id', 'cluster_id', 'sync', 'health'];

async function applyOne(
  tx: PoolClient,
  t: { clusters: string; apps: string; sets: string },
  e: Stored,
): Promise<void> {
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
        `INSERT INTO ${t.apps} (application_id, tenant, application_set_id, cluster_id, from_pos)
         VALUES ($1, $2, $3, $4, $5)`,
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
        successor(t.apps, 'application_id', APP_COLUMNS, 'cluster_id <> $3', {
          cluster_id: '$3',
          sync: 'NULL',
          health: 'NULL',
        }),
        [applicationIdOf(e.streamId), pos, data['clusterId']],
      );
      return;
    case 'ApplicationDeleted':
      await tx.query(
        `UPDATE ${t.apps} SET to_pos = $2 WHERE application_id = $1 AND to_pos IS NULL`,
        [applicationIdOf(e.streamId), pos],
      );
      return;
    case 'ApplicationStatusChanged':
      // Only its current cluster's report counts (a late one from a cluster it left does not).
      await tx.query(
        successor(
          t.apps,
          'application_id',
          APP_COLUMNS,
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

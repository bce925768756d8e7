import { assertNever, type ClusterEvent } from '@flotilla/domain';
import type { Projection, ProjectionTarget, StoredOf } from '@flotilla/event-store';
import type { PoolClient } from 'pg';

/** The cluster stream of an id, and back. */
export const clusterStream = (id: string) => `cluster-${id}`;
export const clusterIdOf = (streamId: string) => streamId.slice('cluster-'.length);

/**
 * `clusters_v1`: one row per cluster ever registered (deregistered rows stay, marked, so that
 * `cluster(id)` can still answer and the audit can name them). A live name is unique in its
 * tenant. Credentials appear only as hashes; the hub's credential index loads from here.
 */
export const clustersProjection: Projection<ClusterEvent> = {
  name: 'clusters',
  version: 1,
  handles: [
    'ClusterRegistered',
    'ClusterLabelsChanged',
    'ClusterFactsChanged',
    'ClusterConnectivityChanged',
    'ClusterCredentialRotated',
    'ClusterDeregistered',
  ],
  tables: ['clusters'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const table = target.table('clusters');
    // Indexes are created with the table and left unnamed, so a rebuilt table swaps in cleanly.
    const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t) return;
    await tx.query(`CREATE TABLE ${table} (
      id text PRIMARY KEY,
      tenant text NOT NULL,
      name text NOT NULL,
      mode text NOT NULL,
      labels jsonb NOT NULL,
      facts jsonb NOT NULL,
      connectivity text NOT NULL,
      connectivity_changed_at timestamptz NOT NULL,
      registered_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      deregistered_at timestamptz,
      credential_hash text,
      credential_expires_at timestamptz,
      previous_credential_hash text,
      previous_valid_until timestamptz,
      registration_token_id text,
      version integer NOT NULL,
      last_position bigint NOT NULL)`);
    await tx.query(`CREATE UNIQUE INDEX ON ${table} (tenant, name) WHERE deregistered_at IS NULL`);
    await tx.query(`CREATE INDEX ON ${table} USING gin (labels)`);
  },
  async apply(tx, events, target) {
    const table = target.table('clusters');
    for (const e of events) await applyOne(tx, table, e);
  },
};

async function applyOne(tx: PoolClient, table: string, e: StoredOf<ClusterEvent>): Promise<void> {
  const id = clusterIdOf(e.streamId);
  const common = [id, e.recordedAt, e.streamVersion, e.globalPosition.toString()];
  const update = (set: string, values: unknown[]) =>
    tx.query(
      `UPDATE ${table} SET ${set}, updated_at = $2, version = $3, last_position = $4 WHERE id = $1`,
      [...common, ...values],
    );
  switch (e.type) {
    case 'ClusterRegistered': {
      const d = e.data;
      // A re-registration (agent re-install) replaces the row; the id and first registration stay.
      await tx.query(
        `INSERT INTO ${table} (id, tenant, name, mode, labels, facts, connectivity, connectivity_changed_at,
           registered_at, updated_at, credential_hash, credential_expires_at, registration_token_id,
           version, last_position)
         VALUES ($1, $5, $6, $7, $8, $9, 'Ready', $2, $2, $2, $10, $11, $12, $3, $4)
         ON CONFLICT (id) DO UPDATE SET labels = EXCLUDED.labels, facts = EXCLUDED.facts,
           connectivity = 'Ready', connectivity_changed_at = EXCLUDED.updated_at,
           updated_at = EXCLUDED.updated_at, credential_hash = EXCLUDED.credential_hash,
           credential_expires_at = EXCLUDED.credential_expires_at, previous_credential_hash = NULL,
           previous_valid_until = NULL, registration_token_id = EXCLUDED.registration_token_id,
           version = EXCLUDED.version, last_position = EXCLUDED.last_position`,
        [
          ...common,
          d.tenant,
          d.name,
          d.mode,
          JSON.stringify(d.labels),
          JSON.stringify(d.facts),
          d.credentialHash ?? null,
          d.credentialExpiresAt ?? null,
          d.registrationTokenId ?? null,
        ],
      );
      return;
    }
    case 'ClusterLabelsChanged':
      await update('labels = $5', [JSON.stringify(e.data.labels)]);
      return;
    case 'ClusterFactsChanged':
      await update('facts = facts || $5::jsonb', [JSON.stringify(e.data)]);
      return;
    case 'ClusterConnectivityChanged':
      await update('connectivity = $5, connectivity_changed_at = $6', [e.data.to, e.data.at]);
      return;
    case 'ClusterCredentialRotated':
      await update(
        `previous_credential_hash = coalesce($8, credential_hash), previous_valid_until = $6,
         credential_hash = $5, credential_expires_at = $7`,
        [
          e.data.credentialHash,
          e.data.previousValidUntil,
          e.data.expiresAt,
          e.data.previousHash ?? null,
        ],
      );
      return;
    case 'ClusterDeregistered':
      await update(
        `deregistered_at = $2, credential_hash = NULL, credential_expires_at = NULL,
         previous_credential_hash = NULL, previous_valid_until = NULL`,
        [],
      );
      return;
    default:
      assertNever(e, 'cluster event');
  }
}

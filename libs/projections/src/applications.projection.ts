import { assertNever, type ApplicationEvent, type JsonObjectValue } from '@flotilla/domain';
import type { Projection, ProjectionTarget, StoredOf } from '@flotilla/event-store';
import type { PoolClient } from 'pg';

/** The Application id of an `application-<id>` stream. */
export const applicationIdOf = (streamId: string) => streamId.slice('application-'.length);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The source an Application's list shows: `spec.source`, or the first of `spec.sources` (a
 * multi-source Application); its repoURL, targetRevision and path, each null when absent.
 */
export function primarySource(spec: JsonObjectValue): {
  repoURL: string | null;
  targetRevision: string | null;
  path: string | null;
} {
  const sources = spec.sources;
  const source = isObject(spec.source)
    ? spec.source
    : Array.isArray(sources) && isObject(sources[0])
      ? sources[0]
      : {};
  return {
    repoURL: text(source.repoURL),
    targetRevision: text(source.targetRevision),
    path: text(source.path),
  };
}

/**
 * `applications_v1`: one row per live Application (a deleted one's row is removed): where it
 * runs (our cluster id, namespace), its project and primary source, the generated spec and
 * metadata as delivered, and their digest. Indexed for "Applications of this ApplicationSet",
 * "of this cluster" (what an agent pulls) and by name within a tenant.
 */
export const applicationsProjection: Projection<ApplicationEvent> = {
  name: 'applications',
  version: 1,
  handles: ['ApplicationCreated', 'ApplicationUpdated', 'ApplicationDeleted'],
  tables: ['applications'],
  async setup(tx: PoolClient, target: ProjectionTarget) {
    const table = target.table('applications');
    const exists = await tx.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t) return;
    await tx.query(`CREATE TABLE ${table} (
      id uuid PRIMARY KEY,
      application_set_id uuid NOT NULL,
      tenant text NOT NULL,
      name text NOT NULL,
      cluster_id text NOT NULL,
      namespace text NOT NULL,
      project text NOT NULL,
      repo_url text,
      target_revision text,
      path text,
      spec jsonb NOT NULL,
      metadata jsonb NOT NULL,
      digest text NOT NULL,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      last_position bigint NOT NULL,
      UNIQUE (application_set_id, name))`);
    await tx.query(`CREATE INDEX ON ${table} (cluster_id)`);
    await tx.query(`CREATE INDEX ON ${table} (tenant, name)`);
  },
  async apply(tx, events, target) {
    const table = target.table('applications');
    for (const e of events) await applyOne(tx, table, e);
  },
};

async function applyOne(
  tx: PoolClient,
  table: string,
  e: StoredOf<ApplicationEvent>,
): Promise<void> {
  const id = applicationIdOf(e.streamId);
  const common = [id, e.recordedAt, e.streamVersion, e.globalPosition.toString()];
  switch (e.type) {
    case 'ApplicationCreated': {
      const d = e.data;
      const source = primarySource(d.spec);
      await tx.query(
        `INSERT INTO ${table} (id, application_set_id, tenant, name, cluster_id, namespace, project,
           repo_url, target_revision, path, spec, metadata, digest, version, created_at, updated_at,
           last_position)
         VALUES ($1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $3, $2, $2, $4)`,
        [
          ...common,
          d.applicationSetId,
          d.tenant,
          d.name,
          d.clusterId,
          d.namespace,
          d.project,
          source.repoURL,
          source.targetRevision,
          source.path,
          JSON.stringify(d.spec),
          JSON.stringify(d.metadata),
          d.digest,
        ],
      );
      return;
    }
    case 'ApplicationUpdated': {
      const d = e.data;
      const source = primarySource(d.spec);
      await tx.query(
        `UPDATE ${table} SET cluster_id = $5, namespace = $6, project = $7, repo_url = $8,
           target_revision = $9, path = $10, spec = $11, metadata = $12, digest = $13,
           updated_at = $2, version = $3, last_position = $4
         WHERE id = $1`,
        [
          ...common,
          d.clusterId,
          d.namespace,
          d.project,
          source.repoURL,
          source.targetRevision,
          source.path,
          JSON.stringify(d.spec),
          JSON.stringify(d.metadata),
          d.digest,
        ],
      );
      return;
    }
    case 'ApplicationDeleted':
      await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
      return;
    default:
      assertNever(e, 'application event');
  }
}

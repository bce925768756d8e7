import type { Pool } from 'pg';
import type { Bundle } from './bundle';
import type { ManifestObject } from './manifest-documents';

type Queryable = Pick<Pool, 'query'>;

/**
 * Bundles in Postgres (`bundles`), one row per content: writing the same manifests again (for
 * another cluster's Application, or a re-render) changes nothing.
 */
export class BundleStore {
  constructor(private readonly pool: Queryable) {}

  /** Stores a bundle unless it is there already; true when this call wrote it. */
  async put(bundle: Bundle, client: Queryable = this.pool): Promise<boolean> {
    const { rowCount } = await client.query(
      `INSERT INTO bundles (id, manifests, object_count, size_bytes)
       VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (id) DO NOTHING`,
      [bundle.id, JSON.stringify(bundle.manifests), bundle.objectCount, bundle.sizeBytes],
    );
    return rowCount === 1;
  }

  /** The bundle with this id, or undefined. */
  async get(id: string): Promise<Bundle | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      manifests: ManifestObject[];
      object_count: number;
      size_bytes: number;
    }>('SELECT id, manifests, object_count, size_bytes FROM bundles WHERE id = $1', [id]);
    const row = rows[0];
    return row
      ? {
          id: row.id,
          manifests: row.manifests,
          objectCount: row.object_count,
          sizeBytes: row.size_bytes,
        }
      : undefined;
  }

  /** Which of `ids` are stored (to render or upload only what is missing). */
  async has(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT id FROM bundles WHERE id = ANY($1::text[])',
      [[...new Set(ids)]],
    );
    return new Set(rows.map((r) => r.id));
  }
}

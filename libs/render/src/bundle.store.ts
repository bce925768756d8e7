import type { Pool } from 'pg';
import type { Bundle } from './bundle';
import type { ManifestObject } from './manifest-documents';

type Queryable = Pick<Pool, 'query'>;

/**
 * Bundles in Postgres (`bundles`), one row per content: writing the same manifests again (for
 * another cluster's Application, or a re-render) changes nothing. Each object of a bundle also
 * gets a narrow row in `bundle_objects` (group, version, kind, name, own namespace), written in
 * the same statement as the bundle: what the hub's `resources` view searches by kind.
 */
export class BundleStore {
  constructor(private readonly pool: Queryable) {}

  /** Stores a bundle and its objects unless it is there already; true when this call wrote it. */
  async put(bundle: Bundle, client: Queryable = this.pool): Promise<boolean> {
    // The expansion is the one migrations/1764800000000-bundle-objects.ts backfilled with:
    // group and version split from apiVersion, ordinal the 1-based place in manifests.
    const { rows } = await client.query<{ written: number }>(
      `WITH bundle AS (
         INSERT INTO bundles (id, manifests, object_count, size_bytes)
         VALUES ($1, $2::jsonb, $3, $4)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, manifests),
       objects AS (
         INSERT INTO bundle_objects (bundle_id, ordinal, "group", version, kind, name, own_namespace)
         SELECT b.id, m.ordinal,
                CASE WHEN position('/' in m.o->>'apiVersion') > 0
                     THEN split_part(m.o->>'apiVersion', '/', 1) ELSE '' END,
                CASE WHEN position('/' in m.o->>'apiVersion') > 0
                     THEN split_part(m.o->>'apiVersion', '/', 2) ELSE m.o->>'apiVersion' END,
                m.o->>'kind', m.o->'metadata'->>'name', m.o->'metadata'->>'namespace'
           FROM bundle b
           CROSS JOIN LATERAL jsonb_array_elements(b.manifests) WITH ORDINALITY m(o, ordinal)
          WHERE m.o->>'apiVersion' IS NOT NULL AND m.o->>'kind' IS NOT NULL
            AND m.o->'metadata'->>'name' IS NOT NULL)
       SELECT count(*)::int AS written FROM bundle`,
      [bundle.id, JSON.stringify(bundle.manifests), bundle.objectCount, bundle.sizeBytes],
    );
    return rows[0]?.written === 1;
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

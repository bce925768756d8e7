import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `bundle_objects`: one narrow row per object of a bundle (its group, version, kind, name and
 * own `metadata.namespace`), so that "which objects of kind K do the live Applications deploy"
 * reads an index instead of expanding every bundle's `manifests`. Bundles are immutable, so the
 * rows are written once, with the bundle (libs/render's BundleStore, in the same statement); this
 * migration backfills the bundles stored before it, with the same expansion.
 *
 * Whether a kind is cluster-scoped is not stored: the readers decide it from the domain's list
 * when they ask, so a change to that list needs no rewrite of these rows.
 */
export class BundleObjects1764800000000 implements MigrationInterface {
  name = 'BundleObjects1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bundle_objects (
        bundle_id     text NOT NULL REFERENCES bundles (id) ON DELETE CASCADE,
        ordinal       int  NOT NULL,
        "group"       text NOT NULL,
        version       text NOT NULL,
        kind          text NOT NULL,
        name          text NOT NULL,
        own_namespace text,
        PRIMARY KEY (bundle_id, ordinal)
      )`);
    await q.query('CREATE INDEX bundle_objects_kind ON bundle_objects (kind, bundle_id)');
    // The expansion BundleStore.put runs for a new bundle (ordinal: 1-based place in manifests).
    await q.query(`
      INSERT INTO bundle_objects (bundle_id, ordinal, "group", version, kind, name, own_namespace)
      SELECT b.id, m.ordinal,
             CASE WHEN position('/' in m.o->>'apiVersion') > 0
                  THEN split_part(m.o->>'apiVersion', '/', 1) ELSE '' END,
             CASE WHEN position('/' in m.o->>'apiVersion') > 0
                  THEN split_part(m.o->>'apiVersion', '/', 2) ELSE m.o->>'apiVersion' END,
             m.o->>'kind', m.o->'metadata'->>'name', m.o->'metadata'->>'namespace'
        FROM bundles b
        CROSS JOIN LATERAL jsonb_array_elements(b.manifests) WITH ORDINALITY m(o, ordinal)
       WHERE m.o->>'apiVersion' IS NOT NULL AND m.o->>'kind' IS NOT NULL
         AND m.o->'metadata'->>'name' IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE bundle_objects');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bundles: rendered manifests addressed by the SHA-256 of their canonical JSON. Content
 * addressed, so the same manifests rendered for any number of Applications (one per cluster)
 * are one row; rows are written once and never changed.
 */
export class Bundles1764690000000 implements MigrationInterface {
  name = 'Bundles1764690000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bundles (
        id           text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        manifests    jsonb       NOT NULL,
        object_count int         NOT NULL,
        size_bytes   int         NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE bundles');
  }
}

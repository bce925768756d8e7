import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reservations of live ApplicationSet names per tenant, like `cluster_names`: written in the
 * same transaction as `ApplicationSetCreated` (reserve) and `ApplicationSetDeleted` (release), so
 * two submissions of one name can never both succeed, whatever the read model's lag. Backfilled
 * from the log for ApplicationSets created before it existed.
 */
export class ApplicationSetNames1764520000000 implements MigrationInterface {
  name = 'ApplicationSetNames1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE application_set_names (
        tenant             text NOT NULL,
        name               text NOT NULL,
        application_set_id uuid NOT NULL UNIQUE,
        PRIMARY KEY (tenant, name)
      )`);
    await q.query(`
      INSERT INTO application_set_names (tenant, name, application_set_id)
      SELECT c.data->>'tenant', c.data->>'name', substr(c.stream_id, length('applicationset-') + 1)::uuid
      FROM events c
      WHERE c.type = 'ApplicationSetCreated'
        AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = c.stream_id AND d.type = 'ApplicationSetDeleted')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE application_set_names');
  }
}

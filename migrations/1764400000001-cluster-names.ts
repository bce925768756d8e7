import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reservations of live cluster names per tenant: the write side's uniqueness guard (a read
 * model may lag; this table is written in the same transaction as the registration or
 * deregistration event, so two registrations can never both take a name). Backfilled from the
 * log for clusters registered before it existed.
 */
export class ClusterNames1764400000001 implements MigrationInterface {
  name = 'ClusterNames1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cluster_names (
        tenant     text NOT NULL,
        name       text NOT NULL,
        cluster_id text NOT NULL UNIQUE,
        PRIMARY KEY (tenant, name)
      )`);
    await q.query(`
      INSERT INTO cluster_names (tenant, name, cluster_id)
      SELECT DISTINCT ON (r.stream_id) r.data->>'tenant', r.data->>'name', substr(r.stream_id, 9)
      FROM events r
      WHERE r.type = 'ClusterRegistered'
        AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = r.stream_id AND d.type = 'ClusterDeregistered')
      ORDER BY r.stream_id, r.stream_version DESC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cluster_names');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recorded_at` finds where the log stood at a moment: `asOf` answers cut the log there (one
 * index probe instead of a scan of the whole log).
 */
export class EventIndexes1764790000000 implements MigrationInterface {
  name = 'EventIndexes1764790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX events_recorded_at ON events (recorded_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX events_recorded_at');
  }
}

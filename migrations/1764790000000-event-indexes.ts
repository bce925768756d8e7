import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for reading the past from the log: `recorded_at` finds where the log stood at a moment
 * (`asOf` answers cut it there), and `(type, global_position)` lets an `asOf` answer read only
 * the event types it folds, up to the cut, instead of the whole log.
 */
export class EventIndexes1764790000000 implements MigrationInterface {
  name = 'EventIndexes1764790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX events_recorded_at ON events (recorded_at)');
    await q.query('CREATE INDEX events_type_position ON events (type, global_position)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX events_type_position');
    await q.query('DROP INDEX events_recorded_at');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollouts started for an ApplicationSet, newest first, straight from the log: the rollout
 * engine reads the latest one under the ApplicationSet's lock (a read model could be behind). And
 * the last held rendering's position: the engine starts a rollout only once the deliveries read
 * model has every held rendering the log has.
 */
export class RolloutIndex1764810000000 implements MigrationInterface {
  name = 'RolloutIndex1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX events_rollout_started ON events
      ((data->>'applicationSetId'), global_position DESC) WHERE type = 'RolloutStarted'`);
    await q.query(`CREATE INDEX events_render_staged ON events (global_position)
      WHERE type = 'ApplicationRenderStaged'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX events_render_staged');
    await q.query('DROP INDEX events_rollout_started');
  }
}

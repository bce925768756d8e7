import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ApplicationSet generation requests: the durable half of the generation queue. A trigger (an
 * ApplicationSet change, a cluster joining or leaving, a Git push, a resync tick) bumps
 * `requested` and queues a job; a generation that read `requested = R` when it started sets
 * `generated = GREATEST(generated, R)` when its writes are done. A row with
 * `requested > generated` still owes a generation, so losing Redis (the queues) loses no
 * trigger: the worker's dispatcher re-queues those rows. `in_flight` names the job that holds the
 * ApplicationSet's generation (one at a time per ApplicationSet), until its writes are done.
 */
export class AppsetGenerationRequests1764600000000 implements MigrationInterface {
  name = 'AppsetGenerationRequests1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE appset_generation_requests (
        application_set_id uuid        PRIMARY KEY,
        requested          bigint      NOT NULL DEFAULT 0,
        generated          bigint      NOT NULL DEFAULT 0,
        in_flight          text        NULL,
        reason             text,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX appset_generation_requests_owed ON appset_generation_requests (application_set_id) WHERE requested > generated',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE appset_generation_requests');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications. `notification_secrets`: the shared secret that signs a rule's deliveries, sealed
 * like repository credentials (a SecretBox envelope bound to `notification-rule/<id>/secret`), out
 * of the event log. `notification_deliveries`: one row per (rule, event) the dispatcher matched,
 * with its attempts and last error; the worker updates it as it sends. It is operational state
 * (what was sent, when, and how the endpoint answered), not history, so it is a table of its own,
 * not a projection: a rebuilt projection must never send anything twice.
 */
export class Notifications1764780000000 implements MigrationInterface {
  name = 'Notifications1764780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_secrets (
        rule_id    uuid PRIMARY KEY,
        tenant     text NOT NULL,
        sealed     text NOT NULL,
        key_id     text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX notification_secrets_key_id ON notification_secrets (key_id)');
    await q.query(`
      CREATE TABLE notification_deliveries (
        id              uuid PRIMARY KEY,
        rule_id         uuid NOT NULL,
        tenant          text NOT NULL,
        event_id        uuid NOT NULL,
        event_type      text NOT NULL,
        global_position bigint NOT NULL,
        subject         jsonb NOT NULL,
        state           text NOT NULL DEFAULT 'Pending'
                        CHECK (state IN ('Pending', 'Delivered', 'Failed')),
        attempts        integer NOT NULL DEFAULT 0,
        last_status     integer,
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        delivered_at    timestamptz,
        UNIQUE (rule_id, event_id)
      )`);
    await q.query(
      'CREATE INDEX notification_deliveries_rule ON notification_deliveries (rule_id, global_position DESC)',
    );
    await q.query(
      'CREATE INDEX notification_deliveries_tenant ON notification_deliveries (tenant, global_position DESC)',
    );
    await q.query(
      `CREATE INDEX notification_deliveries_pending ON notification_deliveries (created_at)
        WHERE state = 'Pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE notification_deliveries');
    await q.query('DROP TABLE notification_secrets');
  }
}

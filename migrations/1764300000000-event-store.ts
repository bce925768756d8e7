import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only event log and projection checkpoints.
 *
 * Global positions are assigned from a sequence while the appender holds a transaction-scoped
 * advisory lock (see libs/event-store), so the position order is the commit order and a
 * reader's snapshot always sees a prefix of the log: no subscriber can skip an event that
 * commits late. Rows can never be updated or deleted: triggers refuse it, TRUNCATE included.
 */
export class EventStore1764300000000 implements MigrationInterface {
  name = 'EventStore1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE events_global_position_seq AS bigint START 1`);
    await q.query(`
      CREATE TABLE events (
        global_position bigint PRIMARY KEY,
        event_id        uuid        NOT NULL,
        stream_id       text        NOT NULL,
        stream_version  integer     NOT NULL CHECK (stream_version >= 1),
        type            text        NOT NULL,
        schema_version  smallint    NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        tenant_id       text,
        actor           text,
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
        CONSTRAINT events_event_id_key UNIQUE (event_id)
      )`);
    await q.query(`ALTER SEQUENCE events_global_position_seq OWNED BY events.global_position`);
    await q.query(`
      CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()`);
    // One round trip per append: lock, version check, insert, notify; idempotency on conflict.
    // The lock is taken first so that the checks and the position order are race-free; it is
    // held until commit, which makes the global position order the commit order.
    await q.query(`
      CREATE FUNCTION append_events(
        p_stream text, p_expected text, p_event_ids uuid[], p_types text[],
        p_schema_versions smallint[], p_data jsonb[], p_metadata jsonb,
        p_tenant text, p_actor text
      ) RETURNS TABLE (next_version integer, last_position bigint, duplicate boolean)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_n integer := cardinality(p_event_ids);
        v_existing integer;
        v_current integer;
      BEGIN
        -- 0x466c4576 = 'FlEv': the event store's append lock.
        PERFORM pg_advisory_xact_lock(1181500790);
        SELECT coalesce(max(stream_version), 0) INTO v_current FROM events WHERE stream_id = p_stream;
        BEGIN
          IF (p_expected = 'no_stream' AND v_current <> 0)
            OR (p_expected = 'stream_exists' AND v_current = 0)
            OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists') AND p_expected::integer <> v_current)
          THEN
            RAISE EXCEPTION 'wrong expected version for stream %', p_stream
              USING ERRCODE = 'FL001', DETAIL = v_current::text;
          END IF;
          RETURN QUERY
            WITH ins AS (
              INSERT INTO events (global_position, event_id, stream_id, stream_version, type,
                                  schema_version, data, metadata, tenant_id, actor)
              SELECT nextval('events_global_position_seq'), u.id, p_stream, v_current + u.ord::integer,
                     u.type, u.sv, u.d, p_metadata, p_tenant, p_actor
              FROM unnest(p_event_ids, p_types, p_schema_versions, p_data) WITH ORDINALITY
                   AS u(id, type, sv, d, ord)
              RETURNING global_position
            )
            SELECT v_current + v_n, max(ins.global_position), false FROM ins;
        EXCEPTION
          -- A retry of a stored append (its ids exist) is a success that writes nothing; it
          -- may carry a stale expected version, so this also covers FL001. Checking after the
          -- fact keeps the id lookups off the hot path.
          WHEN unique_violation OR SQLSTATE 'FL001' THEN
            SELECT count(*) INTO v_existing FROM events WHERE event_id = ANY (p_event_ids);
            IF v_existing = 0 THEN
              RAISE;
            END IF;
            IF v_existing = v_n AND NOT EXISTS (
              SELECT 1 FROM events WHERE event_id = ANY (p_event_ids) AND stream_id <> p_stream
            ) THEN
              RETURN QUERY SELECT max(e.stream_version), max(e.global_position), true
                FROM events e WHERE e.event_id = ANY (p_event_ids);
              RETURN;
            END IF;
            RAISE EXCEPTION 'idempotency conflict on stream %', p_stream USING ERRCODE = 'FL002';
        END;
        -- Wakes subscribers on commit; they read from their checkpoint, so no payload.
        PERFORM pg_notify('flotilla_events', '');
      END $$`);
    await q.query(`
      CREATE TABLE projection_checkpoints (
        name           text        NOT NULL,
        version        integer     NOT NULL,
        position       bigint      NOT NULL DEFAULT 0,
        state          text        NOT NULL DEFAULT 'running'
                       CHECK (state IN ('running', 'failed', 'rebuilding')),
        error          text,
        error_position bigint,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE projection_checkpoints`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP FUNCTION append_events`);
    await q.query(`DROP FUNCTION events_refuse_change()`);
  }
}

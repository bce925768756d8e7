import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { counterRegistry, type CounterEvent } from './counter.fixture';
import { EventStore } from './event-store';
import { ConcurrencyError, EventSchemaError, IdempotencyConflictError } from './types';

const meta = { actor: 'alice', tenantId: 'team-a', requestId: 'req-1', correlationId: 'corr-1' };
const inc = (by: number) => ({ type: 'Incremented' as const, data: { by, step: 's' } });

describe('EventStore (Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<CounterEvent>;

  beforeAll(async () => {
    db = await createTestDatabase('event_store');
    pool = createPool(db.url, { max: 12 });
    store = new EventStore<CounterEvent>(pool, counterRegistry);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('appends atomically and reads a stream forward from a version', async () => {
    const r1 = await store.append('counter-1', 'no_stream', [inc(1), inc(2)], meta);
    expect(r1).toMatchObject({ nextExpectedVersion: 2, duplicate: false });
    await store.append('counter-1', 2, [inc(3)], meta);
    const all = await store.readStream('counter-1');
    expect(all.map((e) => [e.streamVersion, e.data])).toEqual([
      [1, { by: 1, step: 's' }],
      [2, { by: 2, step: 's' }],
      [3, { by: 3, step: 's' }],
    ]);
    const after2 = await store.readStream('counter-1', { afterVersion: 2 });
    expect(after2.map((e) => e.streamVersion)).toEqual([3]);
    expect(await store.streamVersion('counter-1')).toBe(3);
  });

  it.each([
    ['no_stream on an existing stream', 'no_stream' as const, 1],
    ['an exact version that is stale', 0, 1],
    ['an exact version ahead of the stream', 5, 1],
  ])(
    'refuses %s with a typed ConcurrencyError and writes nothing',
    async (_label, expected, actual) => {
      const stream = `counter-cc-${String(expected)}`;
      await store.append(stream, 'no_stream', [inc(1)], meta);
      const before = await store.headPosition();
      const attempt = store.append(stream, expected, [inc(9)], meta);
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(attempt).rejects.toMatchObject({ actual, streamId: stream });
      expect(await store.headPosition()).toBe(before);
    },
  );

  it('reads the newest events of several groups of streams in one statement', async () => {
    await store.append('grp-a1', 'no_stream', [inc(1), inc(2)], meta);
    await store.append('grp-a2', 'no_stream', [inc(3)], meta);
    await store.append('grp-b1', 'no_stream', [inc(4), inc(5), inc(6)], meta);
    const groups = new Map([
      ['a', ['grp-a1', 'grp-a2']],
      ['b', ['grp-b1']],
      ['none', ['grp-missing']],
    ]);
    const by = (m: Map<string, { data: unknown }[]>) =>
      Object.fromEntries([...m].map(([k, v]) => [k, v.map((e) => (e.data as { by: number }).by)]));
    expect(by(await store.readLatestPerGroup(groups, { limit: 2 }))).toEqual({
      a: [3, 2],
      b: [6, 5],
      none: [],
    });
    const newestOfB = (await store.readStream('grp-b1')).at(-1)!.globalPosition;
    expect(
      by(await store.readLatestPerGroup(groups, { limit: 10, before: newestOfB })),
    ).toMatchObject({ b: [5, 4] });
    expect(by(await store.readLatestPerGroup(new Map(), { limit: 5 }))).toEqual({});
  });

  it('supports stream_exists and any', async () => {
    await expect(
      store.append('counter-new', 'stream_exists', [inc(1)], meta),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await store.append('counter-new', 'any', [inc(1)], meta);
    await store.append('counter-new', 'stream_exists', [inc(1)], meta);
    expect(await store.streamVersion('counter-new')).toBe(2);
  });

  it('lets exactly one of two racing appenders with the same expected version win', async () => {
    await store.append('counter-race', 'no_stream', [inc(1)], meta);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => store.append('counter-race', 1, [inc(1)], meta)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    }
    expect(await store.streamVersion('counter-race')).toBe(2);
  });

  it('is idempotent: re-appending stored event ids changes nothing and reports success', async () => {
    const ids = ['0190f5c6-0000-7000-8000-000000000001', '0190f5c6-0000-7000-8000-000000000002'];
    const events = ids.map((eventId, i) => ({ ...inc(i + 1), eventId }));
    const first = await store.append('counter-idem', 'no_stream', events, meta);
    const head = await store.headPosition();
    // A retry carries the original expectation, which is now stale: still a success.
    const again = await store.append('counter-idem', 'no_stream', events, meta);
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await store.headPosition()).toBe(head);
    const mixed = [events[0]!, { ...inc(5), eventId: '0190f5c6-0000-7000-8000-000000000003' }];
    await expect(store.append('counter-idem', 'any', mixed, meta)).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await store.streamVersion('counter-idem')).toBe(2);
  });

  it('validates event data against its schema, naming the field, before writing', async () => {
    const head = await store.headPosition();
    const bad = { type: 'Incremented' as const, data: { by: 1.5, step: 's' } };
    await expect(store.append('counter-bad', 'any', [bad], meta)).rejects.toThrow(
      /event Incremented v2: data\.by: .*int/i,
    );
    await expect(
      store.append(
        'counter-bad',
        'any',
        [{ type: 'Nope', data: {} } as unknown as CounterEvent],
        meta,
      ),
    ).rejects.toBeInstanceOf(EventSchemaError);
    expect(await store.headPosition()).toBe(head);
  });

  it('carries metadata on every event and reads the log filtered by type, tenant, actor and time', async () => {
    const start = await store.headPosition();
    const t0 = new Date(Date.now() - 1000);
    await store.append('counter-m1', 'any', [inc(1)], {
      ...meta,
      causationId: 'cause-1',
      clientAddress: '10.0.0.1',
    });
    await store.append('counter-m2', 'any', [{ type: 'Reset', data: { reason: 'x' } }], {
      actor: 'bob',
      tenantId: 'team-b',
    });
    const events = await store.readAll({ after: start });
    expect(events.map((e) => e.type)).toEqual(['Incremented', 'Reset']);
    expect(events[0]!.metadata).toEqual({
      actor: 'alice',
      tenantId: 'team-a',
      requestId: 'req-1',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      clientAddress: '10.0.0.1',
    });
    // No correlation id given: the first event's id becomes the correlation id.
    expect(events[1]!.metadata.correlationId).toBe(events[1]!.eventId);
    expect(events[1]!.recordedAt.getTime()).toBeGreaterThanOrEqual(t0.getTime());
    const byType = await store.readAll({ after: start, types: ['Reset'] });
    expect(byType.map((e) => e.streamId)).toEqual(['counter-m2']);
    const byTenant = await store.readAll({ after: start, tenantId: 'team-a' });
    expect(byTenant.map((e) => e.streamId)).toEqual(['counter-m1']);
    const byActor = await store.readAll({ after: start, actor: 'bob' });
    expect(byActor.map((e) => e.streamId)).toEqual(['counter-m2']);
    const byStreams = await store.readAll({
      after: start,
      streamIds: ['counter-m2', 'counter-m1', 'counter-none'],
    });
    expect(byStreams.map((e) => e.streamId)).toEqual(['counter-m1', 'counter-m2']);
    const oneStream = await store.readAll({ after: start, streamIds: ['counter-m2'] });
    expect(oneStream.map((e) => e.streamId)).toEqual(['counter-m2']);
    const future = await store.readAll({
      after: start,
      recordedFrom: new Date(Date.now() + 60_000),
    });
    expect(future).toEqual([]);
    const backward = await store.readAll({ after: start, direction: 'backward', limit: 1 });
    expect(backward.map((e) => e.streamId)).toEqual(['counter-m2']);
  });

  it('upcasts a stored version-1 event to version 2 when read', async () => {
    // Write a v1 row as an older build would have (the store itself only writes v2 now).
    await pool.query(
      `SELECT * FROM append_events('counter-v1', 'no_stream', ARRAY[gen_random_uuid()],
        ARRAY['Incremented'], ARRAY[1]::smallint[], ARRAY['{"by": 7}'::jsonb],
        '{"actor": "old-build"}'::jsonb, NULL, 'old-build')`,
    );
    const [event] = await store.readStream('counter-v1');
    expect(event).toMatchObject({ schemaVersion: 2, data: { by: 7, step: 'legacy' } });
    const raw = await pool.query(
      `SELECT schema_version, data FROM events WHERE stream_id = 'counter-v1'`,
    );
    expect(raw.rows[0]).toEqual({ schema_version: 1, data: { by: 7 } });
  });

  it.each([
    ['UPDATE', `UPDATE events SET type = 'Tampered'`],
    ['DELETE', `DELETE FROM events`],
    ['TRUNCATE', `TRUNCATE events`],
  ])('refuses %s of stored events at the database level', async (_op, sql) => {
    await store.append('counter-ro', 'any', [inc(1)], meta);
    const count = await pool.query('SELECT count(*)::int AS n FROM events');
    await expect(pool.query(sql)).rejects.toThrow(/append-only/);
    const after = await pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(count.rows[0].n);
  });
});

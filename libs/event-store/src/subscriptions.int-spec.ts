import { createPool } from '@flotilla/database';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { counterProjection, counterRegistry, type CounterEvent } from './counter.fixture';
import { EventNotifier } from './event-notifier';
import { EventStore } from './event-store';
import { LogSubscription } from './log-subscription';
import { liveTarget } from './projection';
import { ProjectionRunner, type ProjectionFailure } from './projection-runner';

const meta = { actor: 'writer' };
const inc = (by: number) => ({ type: 'Incremented' as const, data: { by, step: 's' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('subscriptions and projections', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<CounterEvent>;
  let notifier: EventNotifier;

  beforeAll(async () => {
    db = await createTestDatabase('subscriptions');
    pool = createPool(db.url, { max: 20 });
    store = new EventStore<CounterEvent>(pool, counterRegistry);
    notifier = new EventNotifier(db.url);
    await notifier.start();
  });
  afterAll(async () => {
    await notifier.stop();
    await pool.end();
    await db.drop();
  });

  /**
   * Writers whose transactions do varying work before and after their append, so that they
   * start, append and commit in every interleaving.
   */
  async function concurrentWriters(writers: number, perWriter: number): Promise<string[]> {
    const written: string[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query('SELECT pg_sleep($1)', [((w * 7 + i * 3) % 5) / 1000]);
            const events = Array.from({ length: 1 + ((w + i) % 3) }, () => inc(1));
            await store.append(`counter-w${w}`, 'any', events, meta, { client });
            await client.query('SELECT pg_sleep($1)', [((w + i) % 4) / 1000]);
            if ((w + i) % 11 === 5) {
              await client.query('ROLLBACK'); // an aborted writer leaves a gap in positions
              continue;
            }
            await client.query('COMMIT');
            for (let k = 0; k < events.length; k++) written.push(`counter-w${w}`);
          } finally {
            client.release();
          }
        }
      }),
    );
    return written;
  }

  it('delivers every committed event once, in global order, while writers race', async () => {
    const start = await store.headPosition();
    const seen: bigint[] = [];
    const sub = new LogSubscription(store, notifier, {
      from: start,
      batchSize: 7,
      handle: async (events) => {
        for (const e of events) seen.push(e.globalPosition);
      },
    });
    sub.start();
    const written = await concurrentWriters(6, 40);
    const committed = (await store.readAll({ after: start, limit: 100_000 })).map(
      (e) => e.globalPosition,
    );
    expect(committed).toHaveLength(written.length);
    await eventually(() => expect(seen.length).toBeGreaterThanOrEqual(committed.length));
    await sub.stop();
    expect(seen).toEqual(committed); // every event, once, in order
    expect([...seen].sort((a, b) => (a < b ? -1 : 1))).toEqual(seen);
  });

  it('wakes a subscriber promptly through LISTEN/NOTIFY without polling', async () => {
    const start = await store.headPosition();
    const seen: number[] = [];
    // An idle poll of one minute: only a notification can deliver within the deadline.
    const sub = new LogSubscription(store, notifier, {
      from: start,
      idlePollMs: 60_000,
      handle: async (events) => {
        seen.push(...events.map(() => Date.now()));
      },
    });
    sub.start();
    await sleep(50);
    await store.append('counter-wake', 'any', [inc(1)], meta);
    await eventually(() => expect(seen).toHaveLength(1), 5_000);
    await sub.stop();
  });

  it('applies each event exactly once with two runners of one projection racing writers', async () => {
    const projection = counterProjection();
    const a = new ProjectionRunner(pool, store, projection, notifier, { batchSize: 13 });
    const b = new ProjectionRunner(pool, store, projection, notifier, { batchSize: 5 });
    await a.start();
    await b.start();
    await concurrentWriters(4, 30);
    const head = await store.headPosition();
    await eventually(async () => expect((await a.status()).position).toBe(head));
    await a.stop();
    await b.stop();
    const { rows } = await pool.query<{ stream_id: string; total: string; events: number }>(
      `SELECT stream_id, total, events FROM ${liveTarget(projection).table('counters')} ORDER BY stream_id`,
    );
    const expected = await pool.query<{ stream_id: string; total: string; events: number }>(
      `SELECT stream_id, sum((data->>'by')::int)::bigint AS total, count(*)::int AS events
       FROM events WHERE type = 'Incremented' GROUP BY stream_id ORDER BY stream_id`,
    );
    expect(rows).toEqual(expected.rows);
  });

  it('stops at a failing event, reports it, and resumes there after a fix', async () => {
    let broken = true;
    const failures: ProjectionFailure[] = [];
    const poison = await store.append(
      'counter-poison',
      'no_stream',
      [inc(1), inc(666), inc(2)],
      meta,
    );
    const poisonPosition = poison.lastPosition - 1n;
    const projection = counterProjection({
      name: 'counters_poison',
      fail: (e) => broken && (e.data as { by: number }).by === 666,
    });
    const runner = new ProjectionRunner(pool, store, projection, notifier, {
      onFailure: (f) => failures.push(f),
    });
    await runner.start();
    await eventually(async () => expect((await runner.status()).state).toBe('failed'));
    const status = await runner.status();
    expect(status.errorPosition).toBe(poisonPosition);
    expect(status.position).toBe(poisonPosition - 1n);
    expect(status.error).toMatch(/refusing event/);
    expect(failures[0]).toMatchObject({ projection: 'counters_poison', position: poisonPosition });
    const table = liveTarget(projection).table('counters_poison');
    const partial = await pool.query(
      `SELECT total FROM ${table} WHERE stream_id = 'counter-poison'`,
    );
    expect(partial.rows).toEqual([{ total: '1' }]); // the event before the culprit took effect
    broken = false; // the fix
    await eventually(async () => expect((await runner.status()).state).toBe('running'), 15_000);
    await runner.stop();
    const fixed = await pool.query(
      `SELECT total, events FROM ${table} WHERE stream_id = 'counter-poison'`,
    );
    expect(fixed.rows).toEqual([{ total: '669', events: 3 }]);
  });

  it('rebuilds from zero into new tables that equal the live ones, then swaps them in', async () => {
    const projection = counterProjection({ name: 'counters_rebuild' });
    const live = new ProjectionRunner(pool, store, projection, notifier, { batchSize: 50 });
    await live.start();
    const writing = concurrentWriters(3, 20);
    await sleep(30);
    let compared = 0;
    await new ProjectionRunner(pool, store, projection, null, { batchSize: 17 }).rebuild(
      async (tx, liveTables, rebuilt) => {
        const dump = (t: string) =>
          tx.query(`SELECT * FROM ${t} ORDER BY stream_id`).then((r) => r.rows);
        const [a, b] = [
          await dump(liveTables.table('counters_rebuild')),
          await dump(rebuilt.table('counters_rebuild')),
        ];
        expect(b).toEqual(a);
        compared = a.length;
      },
    );
    await writing;
    expect(compared).toBeGreaterThan(0);
    const head = await store.headPosition();
    await eventually(async () => expect((await live.status()).position).toBe(head));
    await live.stop();
    const tables = await pool.query(
      `SELECT tablename FROM pg_tables WHERE tablename LIKE 'counters_rebuild%'`,
    );
    expect(tables.rows).toEqual([{ tablename: 'counters_rebuild_v1' }]);
  });
});

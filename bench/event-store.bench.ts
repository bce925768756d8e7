// npm run bench -- event-store
// Append throughput (1 and 8 writers, batches of 100) beside a plain multi-row INSERT ceiling,
// subscriber lag while writers run, and projection rebuild speed over 200,000+ events.
import { createPool, runMigrations } from '@flotilla/database';
import {
  EventNotifier,
  EventStore,
  LogSubscription,
  ProjectionRunner,
} from '@flotilla/event-store';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  counterProjection,
  counterRegistry,
  type CounterEvent,
} from '../libs/event-store/src/counter.fixture';
import { median, percentile, writeBenchResults } from './lib/results';

const server = (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla').replace(
  /\/[^/]*$/,
  '',
);
const dbName = 'flotilla_bench_event_store';
const url = `${server}/${dbName}`;
const meta = { actor: 'bench', tenantId: 'bench' };
const inc = () => ({ type: 'Incremented' as const, data: { by: 1, step: 'bench' } });
const REPEATS = 3;

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${server}/postgres` });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

async function timed(work: () => Promise<number>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const count = await work();
  return count / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  console.log(`event-store bench: fresh database ${dbName}`);
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const pool = createPool(url, { max: 12 });
  const store = new EventStore<CounterEvent>(pool, counterRegistry);
  let streamSeq = 0;

  const single = async (writers: number, perWriter: number) =>
    timed(async () => {
      await Promise.all(
        Array.from({ length: writers }, async () => {
          const stream = `single-${streamSeq++}`;
          for (let i = 0; i < perWriter; i++) await store.append(stream, i, [inc()], meta);
        }),
      );
      return writers * perWriter;
    });
  const batched = async (batches: number) =>
    timed(async () => {
      const stream = `batched-${streamSeq++}`;
      const batch = Array.from({ length: 100 }, inc);
      for (let i = 0; i < batches; i++) await store.append(stream, i * 100, batch, meta);
      return batches * 100;
    });
  // The ceiling: the same rows, 100 per multi-row INSERT (the fastest form, unnest of arrays),
  // into a bare table (no keys, no checks, no lock, no validation).
  await pool.query(`CREATE TABLE bare_events (global_position bigint, event_id uuid, stream_id text,
    stream_version integer, type text, schema_version smallint, data jsonb, metadata jsonb,
    tenant_id text, actor text, recorded_at timestamptz DEFAULT clock_timestamp())`);
  const plain = async (batches: number) =>
    timed(async () => {
      const stream = `plain-${streamSeq++}`;
      let pos = 0;
      for (let i = 0; i < batches; i++) {
        // The same input the store sends (client ids, types, versions, data), minus its work.
        const events = Array.from({ length: 100 }, () => {
          const e = inc();
          return { id: uuidv7(), type: e.type, data: JSON.stringify(e.data) };
        });
        const positions = events.map(() => ++pos);
        await pool.query(
          `INSERT INTO bare_events (global_position, event_id, stream_id, stream_version, type,
             schema_version, data, metadata, tenant_id, actor)
           SELECT p, id, $2, p, t, sv, d, $6::jsonb, 'bench', 'bench'
           FROM unnest($1::bigint[], $3::uuid[], $4::text[], $5::smallint[], $7::jsonb[]) AS u(p, id, t, sv, d)`,
          [
            positions,
            stream,
            events.map((e) => e.id),
            events.map((e) => e.type),
            events.map(() => 2),
            JSON.stringify(meta),
            events.map((e) => e.data),
          ],
        );
      }
      return batches * 100;
    });

  const runs = {
    s1: [] as number[],
    s8: [] as number[],
    batched: [] as number[],
    plain: [] as number[],
  };
  for (let r = 1; r <= REPEATS; r++) {
    console.log(`run ${r}/${REPEATS}: single appends, 1 writer`);
    runs.s1.push(await single(1, 2_000));
    console.log(`run ${r}/${REPEATS}: single appends, 8 writers`);
    runs.s8.push(await single(8, 500));
    console.log(`run ${r}/${REPEATS}: batches of 100, and plain INSERT`);
    runs.batched.push(await batched(300));
    runs.plain.push(await plain(300));
  }

  console.log('lag: a subscriber while 8 writers append');
  const notifier = new EventNotifier(url);
  await notifier.start();
  const committedAt = new Map<string, bigint>();
  const seenAt = new Map<string, bigint>();
  const sub = new LogSubscription(store, notifier, {
    from: await store.headPosition(),
    handle: async (events) => {
      const now = process.hrtime.bigint();
      for (const e of events) seenAt.set(e.eventId, now);
    },
  });
  sub.start();
  let idSeq = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 400; i++) {
        const eventId = `0190f5c6-0000-7000-8000-${(++idSeq).toString(16).padStart(12, '0')}`;
        await store.append(`lag-${w}`, i, [{ ...inc(), eventId }], meta);
        committedAt.set(eventId, process.hrtime.bigint());
      }
    }),
  );
  const deadline = Date.now() + 10_000;
  while (seenAt.size < 3_200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Lag from the writer seeing its commit to the subscriber seeing the event (0 when the
  // subscriber was first: the notification can beat the writer's own round trip).
  const lags = [...committedAt].map(([id, at]) =>
    Math.max(0, Number((seenAt.get(id) ?? process.hrtime.bigint()) - at) / 1e6),
  );
  await sub.stop();
  await notifier.stop();

  console.log('rebuild: filling the log to 200,000+ events');
  let total = Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const filler = Array.from({ length: 500 }, inc);
  let fillStream = 0;
  while (total < 205_000) {
    await store.append(`fill-${fillStream++ % 2000}`, 'any', filler, meta);
    total += 500;
    if (total % 50_000 < 500) console.log(`  ${total} events`);
  }
  const rebuilds: number[] = [];
  for (let r = 1; r <= REPEATS; r++) {
    console.log(`rebuild ${r}/${REPEATS} of ${total} events`);
    const runner = new ProjectionRunner(pool, store, counterProjection(), null, {
      batchSize: 5_000,
    });
    rebuilds.push(await timed(async () => (await runner.rebuild(), total)));
  }
  await pool.end();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);

  const appendBatchedPerSec = Math.round(median(runs.batched));
  const plainInsertPerSec = Math.round(median(runs.plain));
  writeBenchResults('event-store', {
    appendSinglePerSec1: Math.round(median(runs.s1)),
    appendSinglePerSec8: Math.round(median(runs.s8)),
    appendBatchedPerSec,
    plainInsertPerSec,
    lagP50Ms: Number(percentile(lags, 50).toFixed(2)),
    lagP99Ms: Number(percentile(lags, 99).toFixed(2)),
    rebuildPerSec: Math.round(median(rebuilds)),
  });
  console.log(
    `  batched / plain ceiling:      ${((100 * appendBatchedPerSec) / plainInsertPerSec).toFixed(1)}%`,
  );
  console.log(`  lag samples:                  ${lags.length}`);
}

main().catch((error) => {
  console.error(
    `event-store bench failed: ${(error as Error).message}\nIs Postgres up at ${server}? (see README: services)`,
  );
  process.exit(1);
});

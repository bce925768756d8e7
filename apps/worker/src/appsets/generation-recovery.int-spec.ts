import { jobIds, QUEUES } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { flushDatabaseKeys, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import { AppsetFleet, manifest } from './appset.fixture';

const TENANT = 'team-r';
const CLUSTERS = 30;
const elements = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ app: `a${String(i).padStart(3, '0')}` }));
const fleetWide = (name: string, perCluster: number) =>
  manifest(name, [
    { matrix: { generators: [{ clusters: {} }, { list: { elements: elements(perCluster) } }] } },
  ]);

describe('ApplicationSet generation: chunked plans and lost queues', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  const start = (chunkSize?: number) =>
    createWorker(testWorkerConfig(db.url), chunkSize ? { generationChunkSize: chunkSize } : {});
  const summary = async (id: string) =>
    (await fleet.applications(id)).map((a) => `${a.name} ${a.cluster_id} ${a.digest}`);

  beforeAll(async () => {
    db = await createTestDatabase('appset_recovery');
    pool = createPool(db.url, { max: 4 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
    worker = await start();
    await fleet.tenant(TENANT);
    for (let i = 0; i < CLUSTERS; i++)
      await fleet.cluster(TENANT, `c${String(i).padStart(2, '0')}`, { env: 'prod' });
    await fleet.settled(worker);
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
  });

  it('a plan written in chunk jobs gives the same Applications and outcome as one written inline', async () => {
    const inline = await fleet.createSet(TENANT, fleetWide('inline', 3));
    await fleet.settled(worker);
    await worker.stop();
    worker = await start(7);
    const chunked = await fleet.createSet(TENANT, fleetWide('chunked', 3));
    await fleet.settled(worker);

    expect(await summary(chunked)).toEqual(await summary(inline));
    expect(await summary(chunked)).toHaveLength(90);
    const outcome = async (id: string) =>
      (await fleet.setEvents(id, 'ApplicationSetGenerated')).map((e) => e.data);
    expect(await outcome(chunked)).toEqual(await outcome(inline));
    const done = await worker.jobs.queue(QUEUES.appsetGeneration).getJobs(['completed']);
    const chunks = done.filter(
      (j) => j.data.type === 'write-applications' && j.data.applicationSetId === chunked,
    );
    expect(chunks).toHaveLength(Math.ceil(90 / 7));
    expect(done.filter((j) => j.name === 'finish-generation')).toHaveLength(1);

    // Unchanged: regenerating the chunked set appends nothing.
    const events = await fleet.eventCount();
    await worker.jobs.add({ type: 'appset-resync' }, 'recovery-resync');
    await fleet.settled(worker);
    expect(await fleet.eventCount()).toBe(events);
  });

  it('requests survive a Redis flush: the next worker re-queues them from Postgres', async () => {
    await worker.jobs.queue(QUEUES.appsetGeneration).pause();
    const id = await fleet.createSet(TENANT, fleetWide('flushed', 2));
    // The trigger is recorded (and queued, on the paused queue) ...
    for (let i = 0; i < 200 && (await fleet.requested(id)) === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await fleet.requested(id)).toBeGreaterThan(0);
    await worker.stop();
    // ... then Redis loses everything of this database.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    expect(await flushDatabaseKeys(redis, worker.identity)).toBeGreaterThan(0);
    redis.disconnect();

    worker = await start();
    await fleet.settled(worker);
    expect(await fleet.names(id)).toHaveLength(60);
  });

  it('a job numbered ahead of its row (its bump rolled back) does not hide later triggers', async () => {
    const id = await fleet.createSet(TENANT, fleetWide('ahead', 1));
    await fleet.settled(worker);
    const n = await fleet.requested(id);
    // As if the trigger projection queued n + 5 and then rolled its transaction back.
    await worker.jobs.add(
      { type: 'generate-appset', applicationSetId: id, requested: n + 5 },
      jobIds.generateAppset(id, n + 5),
    );
    await fleet.settled(worker);
    expect(await fleet.requested(id)).toBe(n + 5);
    await fleet.setEvent(id, TENANT, {
      type: 'ApplicationSetUpdated',
      data: { manifest: fleetWide('ahead', 2) },
    });
    await fleet.settled(worker);
    expect(await fleet.names(id)).toHaveLength(2 * CLUSTERS);
  });

  it('creates 3,000 Applications (30 clusters × 100) in chunks', async () => {
    const began = Date.now();
    const id = await fleet.createSet(TENANT, fleetWide('large', 100));
    await fleet.settled(worker, 120_000);
    const ms = Date.now() - began;
    expect(await fleet.names(id)).toHaveLength(3000);
    process.stdout.write(`appset generation: 3000 Applications created in ${ms} ms\n`);
  }, 150_000);
});

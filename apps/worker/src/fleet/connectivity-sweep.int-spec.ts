import { JOB_SCHEDULERS, jobIds, QUEUES, queuePrefix } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore, liveTarget } from '@flotilla/event-store';
import { ClusterInventory, HeartbeatStore } from '@flotilla/inventory';
import {
  clustersProjection,
  flotillaEventRegistry,
  type FlotillaEvent,
} from '@flotilla/projections';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { FACTS, flushDatabaseKeys, runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import type { ConnectivitySweepResult } from './connectivity-sweep.processor';

const INTERVAL = 30_000;
const T0 = new Date('2026-03-01T10:00:00Z').getTime();

describe('connectivity sweep on the worker (BullMQ, real Redis and Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let inventory: ClusterInventory;
  let heartbeats: HeartbeatStore;
  let now = new Date(T0);
  const clock = () => now;
  const workers: RunningWorker[] = [];
  // HEARTBEAT 30 s, Offline after 3 missed; the scheduled sweep runs once at start, then hourly,
  // so every other sweep here is one the test asks for.
  const config = () =>
    testWorkerConfig(db.url, {
      HEARTBEAT_INTERVAL_SECONDS: '30',
      OFFLINE_AFTER_MISSED_HEARTBEATS: '3',
      SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_CONCURRENCY: '1',
    });
  const startWorker = async (schedulerCheckMs = 60_000) => {
    const worker = await createWorker(config(), { now: clock, schedulerCheckMs });
    workers.push(worker);
    return worker;
  };
  const stopWorker = async (worker: RunningWorker) => {
    workers.splice(workers.indexOf(worker), 1);
    await worker.stop();
  };
  // One sweep per test instant (and tag): the id collapses a repeat at the same instant.
  const sweep = (worker: RunningWorker, tag = 0) =>
    runJob<ConnectivitySweepResult>(
      worker,
      { type: 'connectivity-sweep' },
      jobIds.connectivitySweep(now.getTime() * 10 + tag),
    );
  const at = (ms: number) => (now = new Date(T0 + ms));
  const register = async (name: string) =>
    (
      await inventory.register(
        { mode: 'kubeconfig', tenant: 'team-a', name, facts: FACTS },
        { actor: 'test' },
      )
    ).clusterId;
  const beat = (clusterId: string) =>
    heartbeats.record(clusterId, { state: 'Running', at: now.getTime() });
  const transitions = async (ids: string[]) =>
    (
      await pool.query<{ stream_id: string; data: { from: string; to: string } }>(
        `SELECT stream_id, data FROM events WHERE type = 'ClusterConnectivityChanged'
         AND stream_id = ANY($1) ORDER BY global_position`,
        [ids.map((id) => `cluster-${id}`)],
      )
    ).rows.map((r) => `${r.stream_id.slice('cluster-'.length)} ${r.data.from}->${r.data.to}`);
  const connectivity = async (ids: string[]) => {
    await inventory.catchUp();
    const table = liveTarget(clustersProjection).table('clusters');
    const { rows } = await pool.query<{ id: string; connectivity: string }>(
      `SELECT id, connectivity FROM ${table} WHERE id = ANY($1)`,
      [ids],
    );
    return ids.map((id) => rows.find((r) => r.id === id)?.connectivity);
  };

  beforeAll(async () => {
    db = await createTestDatabase('worker-sweep');
    pool = createPool(db.url, { max: 4 });
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    inventory = new ClusterInventory(
      pool,
      new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()),
      clock,
    );
    const first = await startWorker();
    heartbeats = new HeartbeatStore(redis, first.identity);
    // The scheduler's first sweep runs at once; let it finish before the fleet exists.
    await eventually(async () =>
      expect(await first.jobs.queue(QUEUES.fleetUpkeep).getCompletedCount()).toBeGreaterThan(0),
    );
  });
  afterAll(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    redis.disconnect();
    await pool.end();
    await db.drop();
  });

  it('moves a cluster Ready → Stale after one missed interval, Offline after the configured number, Ready on the next heartbeat', async () => {
    const [worker] = workers;
    at(0);
    const a = await register('sweep-a');
    const b = await register('sweep-b');
    await beat(a);
    await beat(b);

    at(INTERVAL); // due now, not missed yet
    expect((await sweep(worker!)).result.transitions).toEqual([]);
    at(INTERVAL + 1);
    const stale = (await sweep(worker!)).result;
    expect(stale.transitions).toEqual(
      expect.arrayContaining([
        { clusterId: a, from: 'Ready', to: 'Stale' },
        { clusterId: b, from: 'Ready', to: 'Stale' },
      ]),
    );
    expect(await connectivity([a, b])).toEqual(['Stale', 'Stale']);

    at(3 * INTERVAL); // two missed: still Stale
    expect((await sweep(worker!)).result.transitions).toEqual([]);
    at(3 * INTERVAL + 1); // three missed
    await sweep(worker!);
    expect(await connectivity([a, b])).toEqual(['Offline', 'Offline']);

    at(4 * INTERVAL); // a heartbeat from a: Ready again; b stays Offline
    await beat(a);
    await inventory.execute(
      a,
      { type: 'ReportHeartbeat', data: { facts: FACTS } },
      { actor: `cluster:${a}` },
    );
    expect((await sweep(worker!)).result.transitions).toEqual([]);
    expect(await connectivity([a, b])).toEqual(['Ready', 'Offline']);
    expect(await transitions([a])).toEqual([
      `${a} Ready->Stale`,
      `${a} Stale->Offline`,
      `${a} Offline->Ready`,
    ]);
    expect(await transitions([b])).toEqual([`${b} Ready->Stale`, `${b} Stale->Offline`]);
  });

  it('two workers sweeping the same fleet at the same moment append each transition once', async () => {
    const [first] = workers;
    const second = await startWorker();
    at(10 * INTERVAL);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await register(`pair-${i}`));
    for (const id of ids) await beat(id);

    at(11 * INTERVAL + 1);
    const [one, two] = await Promise.all([sweep(first!, 1), sweep(second, 2)]);
    expect(one.processedBy).not.toEqual(two.processedBy);
    // Between them the two sweeps moved every cluster once.
    const moved = [...one.result.transitions, ...two.result.transitions].filter((t) =>
      ids.includes(t.clusterId),
    );
    expect(moved.map((t) => t.clusterId).sort()).toEqual([...ids].sort());
    const events = await transitions(ids);
    expect(events).toHaveLength(ids.length);
    expect(new Set(events)).toEqual(new Set(ids.map((id) => `${id} Ready->Stale`)));
    await stopWorker(second);
  });

  it('after Redis is flushed, no cluster goes Stale on the next sweep and the scheduler comes back', async () => {
    const [first] = workers;
    await stopWorker(first!);
    const worker = await startWorker(100);
    at(20 * INTERVAL);
    const ids = [await register('flush-a'), await register('flush-b')];
    for (const id of ids) await beat(id);

    at(25 * INTERVAL); // long past Offline, but every heartbeat on record is gone
    expect(await flushDatabaseKeys(redis, worker.identity)).toBeGreaterThan(0);
    const { result } = await sweep(worker);
    expect(result.transitions).toEqual([]);
    expect(await transitions(ids)).toEqual([]);
    expect(await heartbeats.lastSeen(ids)).toEqual([now.getTime(), now.getTime()]);
    // The periodic check re-creates the scheduler (whose first run sweeps at once, harmlessly).
    await eventually(async () =>
      expect(
        await worker.jobs
          .queue(QUEUES.fleetUpkeep)
          .getJobScheduler(JOB_SCHEDULERS.connectivitySweep),
      ).toMatchObject({ every: 3600_000 }),
    );

    // A worker starting against an empty Redis creates it too.
    await stopWorker(worker);
    await flushDatabaseKeys(redis, worker.identity);
    const restarted = await startWorker();
    expect(
      await restarted.jobs
        .queue(QUEUES.fleetUpkeep)
        .getJobScheduler(JOB_SCHEDULERS.connectivitySweep),
    ).toMatchObject({ every: 3600_000 });
    at(26 * INTERVAL);
    await sweep(restarted);
    expect(await transitions(ids)).toEqual([]);
    expect(await connectivity(ids)).toEqual(['Ready', 'Ready']);
  });

  it('stop() lets the running sweep finish before it closes', async () => {
    const [worker] = workers;
    at(30 * INTERVAL);
    const id = await register('graceful');
    await beat(id);
    at(31 * INTERVAL + 1);
    await inventory.catchUp();
    // Hold the sweep inside its first query until the test lets go.
    const table = liveTarget(clustersProjection).table('clusters');
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const jobId = jobIds.connectivitySweep(now.getTime() * 10);
    const job = await worker!.jobs.add({ type: 'connectivity-sweep' }, jobId);
    await eventually(async () => expect(await job.getState()).toBe('active'));
    let stopped = false;
    const stopping = stopWorker(worker!).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false);
    await blocker.query('COMMIT');
    blocker.release();
    await stopping;
    const queue = new Queue(QUEUES.fleetUpkeep, {
      connection: redis,
      prefix: queuePrefix(worker!.identity),
    });
    expect(await queue.getJobState(jobId)).toBe('completed');
    await queue.close();
    expect(await transitions([id])).toEqual([`${id} Ready->Stale`]);
  });
});

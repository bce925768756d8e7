import {
  jobIds,
  probeError,
  probeErrorKey,
  QUEUES,
  timeSlot,
  type ProbeError,
} from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { ClusterInventory, HeartbeatStore } from '@flotilla/inventory';
import { startKubeSim, type KubeSim, type SimNode } from '@flotilla/kube-sim';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { SecretBox, type SecretKey } from '@flotilla/secrets';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { FACTS, finishedJob, runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import type { KubeconfigProbeResult } from './kubeconfig-probe.processor';
import type { ProbeRoundResult } from './probe-round.processor';
import type { SecretsResealResult } from './secrets-reseal.processor';

const T0 = new Date('2026-03-01T10:00:00Z').getTime();
const INTERVAL = 30_000;
const version = (gitVersion: string) => {
  const [major, minor] = gitVersion.slice(1).split('.');
  return { major: major!, minor: minor!, gitVersion };
};
// Three nodes of 4 CPUs and 16 GiB: exactly the FACTS the clusters register with.
const NODES: SimNode[] = ['n1', 'n2', 'n3'].map((name) => ({
  name,
  allocatable: { cpu: '4', memory: '16Gi' },
}));
const newKey = (id: string): SecretKey => ({ id, key: randomBytes(32) });
const keysEnv = (keys: SecretKey[]) =>
  keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
const context = (clusterId: string) => `cluster/${clusterId}/kubeconfig`;

describe('kubeconfig probes and secret re-sealing on the worker (kube-sim, real Redis and Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let sim: KubeSim;
  let inventory: ClusterInventory;
  let heartbeats: HeartbeatStore;
  let worker: RunningWorker;
  let now = new Date(T0);
  const clock = () => now;
  const at = (ms: number) => (now = new Date(T0 + ms));
  const k1 = newKey('k1');
  const k2 = newKey('k2');
  const startWorker = (keys: SecretKey[]) =>
    createWorker(
      testWorkerConfig(db.url, {
        SECRETS_KEYS: keysEnv(keys),
        HEARTBEAT_INTERVAL_SECONDS: '30',
        // Scheduled runs happen once at start; every other run here is one the test asks for.
        SWEEP_INTERVAL_SECONDS: '3600',
        PROBE_INTERVAL_SECONDS: '3600',
      }),
      { now: clock, probeTimeoutMs: 1_000 },
    );
  const ids = new Map<string, string>();
  const register = async (name: string) => {
    const { clusterId } = await inventory.register(
      { mode: 'kubeconfig', tenant: 'team-a', name, facts: FACTS, labels: { env: 'test' } },
      { actor: 'test' },
    );
    ids.set(name, clusterId);
    return clusterId;
  };
  /** Stores a kubeconfig as the hub does: sealed for its cluster, with its key id. */
  const storeKubeconfig = async (clusterId: string, yaml: string, box = new SecretBox([k1])) => {
    await pool.query(
      `INSERT INTO cluster_kubeconfigs (cluster_id, sealed, fingerprint, key_id)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (cluster_id) DO UPDATE SET sealed = $2, fingerprint = $3, key_id = $4`,
      [
        clusterId,
        box.seal(yaml, context(clusterId)),
        createHash('sha256').update(yaml).digest('hex'),
        box.activeKeyId,
      ],
    );
  };
  const probe = async (clusterId: string) =>
    (
      await runJob<KubeconfigProbeResult>(
        worker,
        { type: 'kubeconfig-probe', clusterId, slot: now.getTime() },
        jobIds.kubeconfigProbe(clusterId, now.getTime()),
      )
    ).result;
  const sweep = () =>
    runJob(worker, { type: 'connectivity-sweep' }, jobIds.connectivitySweep(now.getTime()));
  const lastError = async (clusterId: string): Promise<ProbeError | undefined> => {
    const raw = await redis.hget(probeErrorKey(worker.identity), clusterId);
    return raw ? probeError.parse(JSON.parse(raw)) : undefined;
  };
  const events = async (clusterId: string) =>
    (
      await pool.query<{ type: string; data: Record<string, unknown>; actor: string }>(
        `SELECT type, data, metadata->>'actor' AS actor FROM events
         WHERE stream_id = $1 AND type <> 'ClusterRegistered' ORDER BY stream_version`,
        [`cluster-${clusterId}`],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase('worker-probe');
    pool = createPool(db.url, { max: 4 });
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    sim = await startKubeSim();
    inventory = new ClusterInventory(
      pool,
      new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()),
      clock,
    );
    worker = await startWorker([k1]);
    heartbeats = new HeartbeatStore(redis, worker.identity);
    // The schedulers' first runs (sweep, probe round, re-seal) and the start-up re-seal happen at
    // once; let them finish before the fleet exists.
    await eventually(async () =>
      expect(
        await worker.jobs.queue(QUEUES.fleetUpkeep).getCompletedCount(),
      ).toBeGreaterThanOrEqual(4),
    );
  });
  afterAll(async () => {
    await worker.stop();
    await sim.close();
    redis.disconnect();
    await pool.end();
    await db.drop();
  });

  it('reads the facts through the sealed kubeconfig: a heartbeat, and an event only when they change', async () => {
    const east = sim.addCluster('east', { version: version('v1.29.3'), nodes: NODES });
    const id = await register('east');
    await storeKubeconfig(id, east.kubeconfigYaml());

    at(0);
    expect(await probe(id)).toEqual({ clusterId: id, outcome: 'ok', changed: false });
    expect(await heartbeats.lastSeen([id])).toEqual([T0]);
    expect(await events(id)).toEqual([]);

    east.setVersion(version('v1.30.1'));
    at(10_000);
    expect(await probe(id)).toEqual({ clusterId: id, outcome: 'ok', changed: true });
    expect(await heartbeats.lastSeen([id])).toEqual([T0 + 10_000]);
    expect(await events(id)).toEqual([
      {
        type: 'ClusterFactsChanged',
        data: { kubernetesVersion: 'v1.30.1' },
        actor: 'system:kubeconfig-probe',
      },
    ]);
  });

  it('a round probes every live kubeconfig cluster as children of one parent job', async () => {
    const west = sim.addCluster('west', { version: version('v1.29.3'), nodes: NODES });
    const westId = await register('west');
    await storeKubeconfig(westId, west.kubeconfigYaml());
    const goneId = await register('gone');
    await inventory.execute(
      goneId,
      { type: 'DeregisterCluster', data: { reason: 'test' } },
      { actor: 'test' },
    );

    at(20_000);
    const slot = timeSlot(now, 3600);
    const planned = await runJob<{ slot: number; clusters: number }>(
      worker,
      { type: 'plan-probe-round' },
      jobIds.planProbeRound(slot),
    );
    expect(planned.result).toEqual({ slot, clusters: 2 }); // east and west, not the gone one
    const round = await finishedJob<ProbeRoundResult>(
      worker,
      QUEUES.fleetUpkeep,
      jobIds.probeRound(slot),
    );
    expect(round.result).toEqual({
      slot,
      clusters: 2,
      ok: 2,
      failed: 0,
      skipped: 0,
      errored: 0,
    });
    const probes = worker.jobs.queue(QUEUES.clusterProbes);
    expect(await probes.getJobState(jobIds.kubeconfigProbe(westId, slot))).toBe('completed');
    expect(await heartbeats.lastSeen([westId])).toEqual([T0 + 20_000]);
  });

  it('an unreachable cluster records no heartbeat but its error, goes Stale then Offline, and is Ready after a good probe', async () => {
    const farSim = await startKubeSim();
    const far = farSim.addCluster('far', { version: version('v1.29.3'), nodes: NODES });
    const id = await register('far');
    await storeKubeconfig(id, far.kubeconfigYaml());
    at(100_000);
    expect(await probe(id)).toMatchObject({ outcome: 'ok' });
    await farSim.close();

    at(100_000 + INTERVAL + 1);
    expect(await probe(id)).toEqual({
      clusterId: id,
      outcome: 'failed',
      reason: 'ClusterUnreachable',
    });
    expect(await heartbeats.lastSeen([id])).toEqual([T0 + 100_000]);
    expect(await lastError(id)).toEqual({
      reason: 'ClusterUnreachable',
      message: expect.stringMatching(/\S/),
      at: now.toISOString(),
    });
    await sweep();
    at(100_000 + 5 * INTERVAL + 1);
    expect(await probe(id)).toMatchObject({ outcome: 'failed' });
    await sweep();
    expect((await events(id)).map((e) => `${e.type} ${String(e.data['to'] ?? '')}`)).toEqual([
      'ClusterConnectivityChanged Stale',
      'ClusterConnectivityChanged Offline',
    ]);

    // Its kubeconfig now points at a server that answers: Ready again, and the error is gone.
    const back = sim.addCluster('far-again', { version: version('v1.29.3'), nodes: NODES });
    await storeKubeconfig(id, back.kubeconfigYaml());
    at(300_000);
    expect(await probe(id)).toEqual({ clusterId: id, outcome: 'ok', changed: true });
    expect(await lastError(id)).toBeUndefined();
    expect((await events(id)).at(-1)).toMatchObject({
      type: 'ClusterConnectivityChanged',
      data: { from: 'Offline', to: 'Ready' },
      actor: 'system:kubeconfig-probe',
    });
  });

  it('a server that accepts and never answers fails the probe after the timeout', async () => {
    const silent = createServer(() => undefined); // holds every request open
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const east = sim.cluster('east')!.kubeconfigYaml();
    const id = await register('silent');
    await storeKubeconfig(
      id,
      east.replace(/http:\/\/127\.0\.0\.1:\d+/, `http://127.0.0.1:${port}`),
    );
    at(350_000);
    const started = Date.now();
    expect(await probe(id)).toEqual({
      clusterId: id,
      outcome: 'failed',
      reason: 'ClusterUnreachable',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await lastError(id)).toMatchObject({ message: 'no answer within 1000 ms' });
    expect(await heartbeats.lastSeen([id])).toEqual([null]);
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ['no kubeconfig stored', 'KubeconfigMissing', async () => undefined],
    [
      'a kubeconfig sealed for another cluster',
      'KubeconfigUnreadable',
      async (id: string) => {
        const box = new SecretBox([k1]);
        const stolen = box.seal(sim.cluster('east')!.kubeconfigYaml(), context('other'));
        await pool.query(
          `INSERT INTO cluster_kubeconfigs (cluster_id, sealed, fingerprint, key_id)
           VALUES ($1, $2, 'x', 'k1')`,
          [id, stolen],
        );
      },
    ],
    [
      'something that is not a kubeconfig',
      'KubeconfigInvalid',
      async (id: string) => storeKubeconfig(id, 'clusters: [this is not: a kubeconfig'),
    ],
  ] as const)('%s fails the probe with %s', async (_, reason, prepare) => {
    const id = await register(`bad-${reason.toLowerCase()}`);
    await prepare(id);
    at(400_000);
    expect(await probe(id)).toEqual({ clusterId: id, outcome: 'failed', reason });
    expect(await heartbeats.lastSeen([id])).toEqual([null]);
    expect(await lastError(id)).toMatchObject({ reason, at: now.toISOString() });
  });

  it('re-seals every kubeconfig under the new key when a worker starts with rotated keys', async () => {
    const lostId = await register('sealed-with-a-lost-key');
    await storeKubeconfig(lostId, 'apiVersion: v1', new SecretBox([newKey('k0')]));
    const { rows: before } = await pool.query<{ cluster_id: string }>(
      `SELECT cluster_id FROM cluster_kubeconfigs WHERE key_id = 'k1'`,
    );
    expect(before.length).toBeGreaterThan(2);

    await worker.stop();
    at(500_000);
    worker = await startWorker([k2, k1]);
    // A worker still on the old keys asking for a pass under k1 changes nothing here.
    const stale = await runJob<SecretsResealResult>(
      worker,
      { type: 'secrets-reseal', keyId: 'k1' },
      jobIds.secretsReseal('k1', 1),
    );
    expect(stale.result).toEqual({ outcome: 'skipped', reason: 'this worker seals with k2' });
    // The pass the new worker queued at start.
    const pass = await finishedJob<SecretsResealResult>(
      worker,
      QUEUES.fleetUpkeep,
      jobIds.secretsReseal('k2', timeSlot(now, 86_400)),
    );
    // Sealed for another record, so no key opens it as this cluster's; and the lost key's.
    const unopenable = [ids.get('bad-kubeconfigunreadable')!, lostId];
    expect(pass.result).toEqual({
      outcome: 'done',
      keyId: 'k2',
      resealed: before.length - 1,
      failed: unopenable,
    });
    const { rows } = await pool.query<{ cluster_id: string; sealed: string; key_id: string }>(
      'SELECT cluster_id, sealed, key_id FROM cluster_kubeconfigs WHERE cluster_id = ANY($1)',
      [before.map((r) => r.cluster_id).filter((id) => !unopenable.includes(id))],
    );
    expect(rows).toHaveLength(before.length - 1);
    const onlyNewKey = new SecretBox([k2]);
    for (const row of rows) {
      expect(row.key_id).toBe('k2');
      expect(() => onlyNewKey.open(row.sealed, context(row.cluster_id))).not.toThrow();
    }

    // The old key can go: a worker with only k2 still probes.
    await worker.stop();
    worker = await startWorker([k2]);
    at(510_000);
    expect(await probe(ids.get('east')!)).toMatchObject({ outcome: 'ok' });
  });
});

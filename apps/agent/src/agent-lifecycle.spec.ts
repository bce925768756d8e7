import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { eventually } from '@flotilla/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentOptions, RunningAgent, Sleep } from './agent.types';
import { memoryCredentialStore, type CredentialStore } from './credential.store';
import { fileCredentialStore } from './file-credential.store';
import { startAgent } from './start-agent';
import { startContractHub, type ContractHub } from './testing/contract-hub';

const MIN = 60_000;
const CAP_MS = 5 * MIN;

/**
 * Virtual time: a sleep moves the clock forward at once (then yields for a real millisecond), so
 * days of heartbeats pass in well under a second, and every wait the agent asks for is recorded.
 */
function virtualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  const sleeps: number[] = [];
  const sleep: Sleep = (ms, signal) => {
    if (signal.aborted) return Promise.resolve();
    sleeps.push(ms);
    t += ms;
    return new Promise((resolve) => setTimeout(resolve, 1));
  };
  return { now: () => t, sleep, sleeps };
}

describe('the agent against a hub that follows the protocol contract', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  let clock: ReturnType<typeof virtualClock>;
  let hub: ContractHub;
  let dir: string;
  const running: RunningAgent[] = [];

  beforeAll(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('east-1', {
      version: { major: '1', minor: '29', gitVersion: 'v1.29.3' },
      nodes: [
        { name: 'n1', allocatable: { cpu: '4', memory: '16Gi' } },
        { name: 'n2', allocatable: { cpu: '3500m', memory: '8Gi' } },
      ],
    });
  });
  afterAll(() => sim.close());

  const setUp = async (hubOptions: { credentialLifetimeMs?: number } = {}) => {
    clock = virtualClock();
    hub = await startContractHub({ now: clock.now, heartbeatIntervalSeconds: 30, ...hubOptions });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await hub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const agent = (store: CredentialStore, extra: Partial<AgentOptions> = {}) => {
    const a = startAgent({
      hubUrl: hub.url,
      clusterName: 'east-1',
      labels: { region: 'eu-west' },
      registrationToken: () => Promise.resolve(token),
      kubeConfig: loadKubeConfig(cluster.kubeconfigYaml()),
      store,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      // Heartbeats, registration and rotation only: delivery-loop.spec.ts covers delivery.
      delivery: false,
      ...extra,
    });
    running.push(a);
    return a;
  };
  let token: string;
  const calls = (path: 'register' | 'heartbeat' | 'rotate') =>
    hub.requests.filter((r) => r.path === path);

  it('registers once, stores the credential before using it, and a restart reuses it', async () => {
    await setUp();
    token = hub.issueToken(5);
    const path = join(dir, 'credential.json');
    const order: string[] = [];
    const file = fileCredentialStore(path);
    const recording: CredentialStore = {
      location: file.location,
      load: () => file.load(),
      save: async (c) => {
        await file.save(c);
        order.push(`saved after ${hub.requests.length} requests`);
      },
    };
    const first = agent(recording);
    await eventually(() => expect(first.snapshot().heartbeats).toBeGreaterThanOrEqual(2));
    await first.stop();
    // Saved right after the register answer, before the first heartbeat.
    expect(order[0]).toBe('saved after 1 requests');
    const stored = await file.load();
    expect(stored).toMatchObject({ clusterId: first.snapshot().clusterId, hubUrl: hub.url });
    expect(calls('heartbeat').every((r) => r.credential === stored?.credential)).toBe(true);

    const restarted = agent(fileCredentialStore(path));
    await eventually(() => expect(restarted.snapshot().heartbeats).toBeGreaterThanOrEqual(2));
    expect(restarted.snapshot()).toMatchObject({
      clusterId: stored?.clusterId,
      registered: false,
      failures: 0,
    });
    expect(calls('register')).toHaveLength(1);
    // Heartbeats follow the interval: inside it (27 s - jitter), never past it.
    const beats = clock.sleeps.filter((ms) => ms > 20_000);
    expect(beats.every((ms) => ms >= 24_000 && ms <= 27_000)).toBe(true);
  });

  it('heartbeats carry the facts read from the cluster; a failing API reports Degraded with the last ones', async () => {
    await setUp();
    token = hub.issueToken();
    const store = memoryCredentialStore();
    const a = agent(store);
    await eventually(() => expect(a.snapshot().heartbeats).toBeGreaterThanOrEqual(1));
    const id = a.snapshot().clusterId ?? '';
    expect(hub.clusters.get(id)?.facts).toEqual({
      kubernetesVersion: 'v1.29.3',
      nodeCount: 2,
      allocatableCpuMillicores: 7500,
      allocatableMemoryBytes: 24 * 2 ** 30,
      agentVersion: '0.1.0',
    });
    cluster.setVersion({ major: '1', minor: '30', gitVersion: 'v1.30.2' });
    await eventually(() => expect(hub.clusters.get(id)?.facts.kubernetesVersion).toBe('v1.30.2'));
    await a.stop();

    // The same cluster behind a kubeconfig whose token the API server refuses.
    const broken = sim.addCluster('east-1-locked', { token: 'right' });
    const b = agent(store, {
      kubeConfig: loadKubeConfig(broken.kubeconfigYaml().replace('token: right', 'token: no')),
    });
    // No facts ever read in this run: it cannot heartbeat yet, and waits (never spins).
    await eventually(() => expect(b.snapshot().failures).toBeGreaterThanOrEqual(2));
    expect(b.snapshot().lastError).toMatch(/reading cluster facts: GET \/version .* HTTP 401/);
    await b.stop();
    sim.removeCluster('east-1-locked');

    // With facts read once, a failing API gives Degraded heartbeats with the last known facts.
    const c = agent(store);
    await eventually(() => expect(c.snapshot().heartbeats).toBeGreaterThanOrEqual(1));
    const beatsBefore = hub.clusters.get(id)?.heartbeats.length ?? 0;
    cluster.setVersion({ major: '1', minor: '30', gitVersion: 'v1.30.3' });
    sim.removeCluster('east-1');
    try {
      await eventually(() =>
        expect(hub.clusters.get(id)?.heartbeats.at(-1)?.status.state).toBe('Degraded'),
      );
      const last = hub.clusters.get(id)?.heartbeats.at(-1);
      // Version and nodes are read in parallel: whichever answers first names the failure.
      expect(last?.status.message).toMatch(
        /reading cluster facts: (GET \/version|list nodes) on .*HTTP 404/,
      );
      expect(last?.facts.kubernetesVersion).toBe('v1.30.2');
      expect(hub.clusters.get(id)?.heartbeats.length).toBeGreaterThan(beatsBefore);
      // The hub records a heartbeat before its answer reaches the agent.
      await eventually(() =>
        expect(c.snapshot()).toMatchObject({ phase: 'running', status: 'Degraded' }),
      );
    } finally {
      await c.stop();
      cluster = sim.addCluster('east-1', {
        version: { major: '1', minor: '29', gitVersion: 'v1.29.3' },
        nodes: [
          { name: 'n1', allocatable: { cpu: '4', memory: '16Gi' } },
          { name: 'n2', allocatable: { cpu: '3500m', memory: '8Gi' } },
        ],
      });
    }
  });

  it('rotates before expiry, stores the new credential first, then uses only it', async () => {
    // One hour of life: rotate when less than max(12 min, min(24 h, 30 min)) = 30 min is left.
    await setUp({ credentialLifetimeMs: 60 * MIN });
    token = hub.issueToken();
    const store = memoryCredentialStore();
    const a = agent(store);
    await eventually(() => expect(a.snapshot().rotations).toBe(1));
    const [rotation] = calls('rotate');
    const registeredAt = calls('register')[0]?.at ?? 0;
    const age = (rotation?.at ?? 0) - registeredAt;
    expect(age).toBeGreaterThan(30 * MIN);
    expect(age).toBeLessThanOrEqual(30 * MIN + 27_000);
    expect(store.current?.credential).not.toBe(rotation?.credential);
    await eventually(() =>
      expect(calls('heartbeat').at(-1)?.credential).toBe(store.current?.credential),
    );
    const afterRotation = calls('heartbeat').filter((r) => r.at > (rotation?.at ?? 0));
    expect(afterRotation.every((r) => r.credential === store.current?.credential)).toBe(true);
    expect(afterRotation.every((r) => r.status === 200)).toBe(true);
  });

  it('keeps heartbeating with the old credential while rotation or storing it fails', async () => {
    await setUp({ credentialLifetimeMs: 60 * MIN });
    token = hub.issueToken();
    const memory = memoryCredentialStore();
    let saves = 0;
    const flaky: CredentialStore = {
      location: 'flaky',
      load: () => memory.load(),
      // The first save (registration) works; the next one (the first rotation) fails.
      save: (c) => (++saves === 2 ? Promise.reject(new Error('disk full')) : memory.save(c)),
    };
    hub.failNext('rotate', 503, 2);
    const a = agent(flaky);
    await eventually(() => expect(a.snapshot().rotations).toBe(1), 20_000);
    const rotations = calls('rotate');
    // 503, 503, rotated but not stored (dropped), rotated and stored.
    expect(rotations.map((r) => r.status)).toEqual([503, 503, 200, 200]);
    const registered = calls('register')[0];
    expect(registered).toBeDefined();
    const original = calls('heartbeat')[0]?.credential;
    // Until the rotated credential was stored, heartbeats went on with the original one (the
    // heartbeat that follows a rotation is sent at the same virtual instant, with the new one).
    const before = calls('heartbeat').filter((r) => r.at < (rotations[3]?.at ?? 0));
    expect(before.length).toBeGreaterThan(3);
    expect(before.every((r) => r.credential === original && r.status === 200)).toBe(true);
    // The second rotation was made with the original credential, which was still valid.
    expect(rotations[3]?.credential).toBe(original);
    expect(a.snapshot().lastError).toMatch(/storing the rotated credential in flaky: disk full/);
    await eventually(() =>
      expect(calls('heartbeat').at(-1)?.credential).toBe(memory.current?.credential),
    );
  });

  it('backs off with full jitter while the hub answers 503, honours Retry-After, and recovers', async () => {
    await setUp();
    token = hub.issueToken();
    hub.failNext('register', 429, 1, { 'retry-after': '7' });
    hub.failNext('register', 503, 2);
    hub.failNext('heartbeat', 503, 3);
    const a = agent(memoryCredentialStore());
    await eventually(() => expect(a.snapshot().heartbeats).toBeGreaterThanOrEqual(2));
    await a.stop();
    // random() = 0.5: Retry-After 7 s, then half of 2 s and 4 s; registered, so the heartbeat
    // failures start again from the base (half of 1, 2 and 4 s); then every 27 s - 1.5 s jitter.
    expect(clock.sleeps.slice(0, 7)).toEqual([7_000, 1_000, 2_000, 500, 1_000, 2_000, 25_500]);
    expect(a.snapshot()).toMatchObject({ heartbeatsFailed: 3, failures: 6, phase: 'stopped' });
  });

  it('on 401 says what to do, waits at the cap, and never registers again', async () => {
    await setUp();
    token = hub.issueToken(5);
    const a = agent(memoryCredentialStore());
    await eventually(() => expect(a.snapshot().phase).toBe('running'));
    hub.deregister(a.snapshot().clusterId ?? '');
    await eventually(() => expect(a.snapshot().heartbeatsFailed).toBeGreaterThanOrEqual(3));
    expect(a.snapshot().phase).toBe('unauthenticated');
    expect(a.snapshot().lastError).toMatch(
      /401 UNAUTHENTICATED.*will not register again by itself, even with a registration token configured.*delete memory/,
    );
    expect(clock.sleeps.slice(-2)).toEqual([CAP_MS, CAP_MS]);
    expect(calls('register')).toHaveLength(1);
  });

  it('reports a refused registration with what to do', async () => {
    await setUp();
    token = hub.issueToken(2);
    const a = agent(memoryCredentialStore());
    await eventually(() => expect(a.snapshot().phase).toBe('running'));
    await a.stop();
    const b = agent(memoryCredentialStore());
    await eventually(() => expect(b.snapshot().failures).toBeGreaterThanOrEqual(1));
    expect(b.snapshot().lastError).toMatch(
      /409 CONFLICT.*choose another FLOTILLA_CLUSTER_NAME, or re-install with a token created with mayReplace/,
    );
    await b.stop();
    token = 'flt_reg_unknown';
    const c = agent(memoryCredentialStore(), { clusterName: 'west-1' });
    await eventually(() => expect(c.snapshot().failures).toBeGreaterThanOrEqual(1));
    expect(c.snapshot().lastError).toMatch(/401 UNAUTHENTICATED.*create a new one/);
    expect(clock.sleeps.at(-1)).toBe(CAP_MS);
  });
});

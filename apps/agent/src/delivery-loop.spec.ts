import type { ApplicationStatusWire, DesiredApplicationWire } from '@flotilla/contracts';
import { ClusterSync, loadKubeConfig, type ClusterApplier, type Manifest } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { eventually } from '@flotilla/testing';
import { createHash } from 'node:crypto';
import { timerSleep, type AgentOptions, type RunningAgent } from './agent.types';
import { memoryCredentialStore } from './credential.store';
import { startAgent } from './start-agent';
import { startContractHub, type ContractHub } from './testing/contract-hub';

const A = '3f6c1b8e-0d2a-4c55-9a57-1b2c3d4e5f60';
const B = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const COMMIT = 'c'.repeat(40);
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const DAY_MS = 86_400_000;

const configMap = (name: string, value = name): Manifest => ({
  ...CM,
  metadata: { name },
  data: { key: value },
});

const application = (
  id: string,
  bundleId: string,
  over: Partial<DesiredApplicationWire> = {},
): DesiredApplicationWire => ({
  id,
  name: id === A ? 'shop' : 'blog',
  namespace: 'default',
  bundleId,
  commit: COMMIT,
  prune: true,
  selfHeal: false,
  ...over,
});

/** The real applier, with every call counted. */
/** Applies that fail (as against an API server resetting connections) before the real ones. */
let failingApplies = 0;

function countingApplier(inner: ClusterApplier) {
  const calls = {
    apply: [] as string[],
    assess: [] as string[],
    remove: [] as string[],
    watching: 0,
  };
  const applier: ClusterApplier = {
    apply: (app) => {
      calls.apply.push(app.id);
      if (failingApplies > 0) {
        failingApplies--;
        return Promise.resolve({
          id: app.id,
          commit: null,
          bundleId: null,
          sync: 'Unknown' as const,
          health: 'Unknown' as const,
          message: 'request failed, reason: read ECONNRESET',
          resourceCount: 0,
          problems: [],
          drift: [],
          driftCorrected: false,
          observedAt: new Date().toISOString(),
        });
      }
      return inner.apply(app);
    },
    assess: (app) => (calls.assess.push(app.id), inner.assess(app)),
    remove: (removal) => (calls.remove.push(removal.id), inner.remove(removal)),
    watch: async (onChange) => {
      const stop = await inner.watch(onChange);
      calls.watching++;
      return () => {
        calls.watching--;
        stop();
      };
    },
  };
  return { applier, calls };
}

// Waits are real but never longer than 20 ms: heartbeats, backoffs and the drift timer come
// around quickly, while the loop still decides by its own clock when a drift pass is due.
const fastSleep = timerSleep();
const sleep: AgentOptions['sleep'] = (ms, signal) => fastSleep(Math.min(ms, 20), signal);

describe('the delivery loop against the contract hub and a simulated cluster', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  let hub: ContractHub;
  let offset: number;
  const now = () => Date.now() + offset;
  const running: RunningAgent[] = [];

  beforeEach(async () => {
    offset = 0;
    failingApplies = 0;
    sim = await startKubeSim();
    cluster = sim.addCluster('east-1', { controllers: {} });
    hub = await startContractHub({ now, heartbeatIntervalSeconds: 1, maxHoldMs: 50 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await hub.close();
    await sim.close();
  });

  const start = async (extra: Partial<AgentOptions> = {}, blind = false) => {
    const kubeConfig = loadKubeConfig(cluster.kubeconfigYaml());
    const sync = new ClusterSync(kubeConfig, {
      fieldManager: 'flotilla',
      sleep: () => Promise.resolve(),
      watchDebounceMs: 20,
    });
    const { applier, calls } = countingApplier(sync);
    // A blind applier sees no watch events: only the loop's own timing looks again.
    if (blind) applier.watch = () => Promise.resolve(() => undefined);
    const store = memoryCredentialStore();
    const agent = startAgent({
      hubUrl: hub.url,
      clusterName: 'east-1',
      registrationToken: () => Promise.resolve(token),
      kubeConfig,
      store,
      now,
      sleep,
      random: () => 0.5,
      backoff: { baseMs: 10, capMs: 40 },
      applier,
      driftIntervalSeconds: 3600,
      ...extra,
    });
    const token = hub.issueToken();
    running.push(agent);
    await eventually(() => expect(agent.snapshot().clusterId).toBeDefined());
    const clusterId = agent.snapshot().clusterId ?? '';
    const hubCluster = hub.clusters.get(clusterId);
    if (!hubCluster) throw new Error('the agent did not register');
    /** Every Application report the hub accepted, oldest first. */
    const reports = (id?: string): ApplicationStatusWire[] =>
      hubCluster.statuses.flatMap((s) => s.applications).filter((r) => !id || r.id === id);
    const latest = (id: string) => reports(id).at(-1);
    return { agent, calls, store, clusterId, hubCluster, reports, latest };
  };

  const liveData = (name: string, namespace = 'default') =>
    (cluster.get(CM, namespace, name) as { data?: Record<string, string> } | undefined)?.data;

  it('applies the desired state, reports it, and heartbeats the applied revision', async () => {
    const { clusterId, latest, agent, hubCluster } = await start();
    const bundle = hub.putBundle([configMap('a', 'one'), configMap('b')]);
    const { revision } = hub.setDesired(clusterId, {
      applications: [application(A, bundle)],
      removals: [],
    });
    await eventually(() =>
      expect(latest(A)).toMatchObject({
        bundleId: bundle,
        commit: COMMIT,
        sync: 'Synced',
        health: 'Healthy',
        resourceCount: 2,
      }),
    );
    expect(liveData('a')).toEqual({ key: 'one' });
    expect(liveData('b')).toEqual({ key: 'b' });
    expect(hubCluster.statuses.at(-1)?.revision).toBe(revision);
    await eventually(() => expect(hubCluster.heartbeats.at(-1)?.appliedRevision).toBe(revision));
    expect(agent.snapshot()).toMatchObject({
      desiredRevision: revision,
      appliedRevision: revision,
      applications: 1,
    });
    // The hub records a report before its answer reaches the agent.
    await eventually(() => expect(agent.snapshot().statusReports).toBeGreaterThanOrEqual(1));
  });

  it('looks again soon at an Application still rolling out, with no watch event and no drift pass due', async () => {
    cluster.disableControllers();
    cluster.enableControllers({ readyAfterMs: 400 });
    const { clusterId, reports, latest } = await start({}, true);
    const bundle = hub.putBundle([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    ]);
    hub.setDesired(clusterId, { applications: [application(A, bundle)], removals: [] });
    await eventually(() => expect(reports(A)[0]?.health).toBe('Progressing'));
    await eventually(() => expect(latest(A)?.health).toBe('Healthy'), 10_000);
    expect(reports(A).map((r) => r.health)).toEqual(['Progressing', 'Healthy']);
  });

  it('applies a new bundle and prunes the object that left it', async () => {
    const { clusterId, latest } = await start();
    const first = hub.putBundle([configMap('a', 'one'), configMap('b')]);
    hub.setDesired(clusterId, { applications: [application(A, first)], removals: [] });
    await eventually(() => expect(latest(A)?.bundleId).toBe(first));
    expect(liveData('b')).toBeDefined();

    const second = hub.putBundle([configMap('a', 'two')]);
    hub.setDesired(clusterId, { applications: [application(A, second)], removals: [] });
    await eventually(() => expect(latest(A)).toMatchObject({ bundleId: second, sync: 'Synced' }));
    expect(liveData('a')).toEqual({ key: 'two' });
    expect(liveData('b')).toBeUndefined();
  });

  it('removes a deleted Application once, and keeps what a preserving removal leaves', async () => {
    const { clusterId, calls, hubCluster, latest } = await start();
    const shop = hub.putBundle([configMap('shop')]);
    const blog = hub.putBundle([configMap('blog')]);
    hub.setDesired(clusterId, {
      applications: [application(A, shop), application(B, blog)],
      removals: [],
    });
    await eventually(() => expect(latest(B)?.sync).toBe('Synced'));
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));

    const removals = [
      { id: A, preserveResources: false },
      { id: B, preserveResources: true },
    ];
    hub.setDesired(clusterId, { applications: [], removals });
    const removed = () => hubCluster.statuses.flatMap((s) => s.removed);
    await eventually(() => expect(removed()).toHaveLength(2));
    expect(removed()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: A, removed: 1, preserved: false }),
        expect.objectContaining({ id: B, removed: 0, preserved: true }),
      ]),
    );
    expect(liveData('shop')).toBeUndefined();
    expect(liveData('blog')).toEqual({ key: 'blog' });

    // The hub keeps listing removals; the agent does them once per process.
    const { revision } = hub.setDesired(clusterId, { applications: [], removals });
    await eventually(() => expect(hubCluster.heartbeats.at(-1)?.appliedRevision).toBe(revision));
    expect(calls.remove.sort()).toEqual([A, B].sort());
    expect(removed()).toHaveLength(2);
  });

  it('sends only reports that changed: assessing an unchanged cluster posts nothing', async () => {
    const { clusterId, calls, hubCluster, latest } = await start({ driftIntervalSeconds: 0.02 });
    const bundle = hub.putBundle([configMap('a')]);
    hub.setDesired(clusterId, { applications: [application(A, bundle)], removals: [] });
    await eventually(() => expect(latest(A)?.health).toBe('Healthy'));
    const posted = hubCluster.statuses.length;
    const assessed = calls.assess.length;
    await eventually(() => expect(calls.assess.length).toBeGreaterThanOrEqual(assessed + 3));
    expect(hubCluster.statuses).toHaveLength(posted);
    expect(hub.requests.filter((r) => r.path === 'status')).toHaveLength(posted);
  });

  it('reports drift made behind its back, and self-heal puts the object back', async () => {
    const { clusterId, latest } = await start();
    const shop = hub.putBundle([configMap('shop')]);
    const blog = hub.putBundle([configMap('blog')]);
    hub.setDesired(clusterId, {
      applications: [application(A, shop), application(B, blog, { selfHeal: true })],
      removals: [],
    });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
    await eventually(() => expect(latest(B)?.sync).toBe('Synced'));

    // The drift timer is an hour away: the watch brings these to the agent.
    cluster.mutate(CM, 'default', 'shop', (c) => {
      c['data'] = { key: 'edited by hand' };
    });
    await eventually(() =>
      expect(latest(A)).toMatchObject({
        sync: 'OutOfSync',
        driftCorrected: false,
        drift: [expect.objectContaining({ kind: 'ConfigMap', name: 'shop' })],
      }),
    );
    expect(liveData('shop')).toEqual({ key: 'edited by hand' });

    cluster.mutate(CM, 'default', 'blog', (c) => {
      c['data'] = { key: 'edited by hand' };
    });
    await eventually(() =>
      expect(latest(B)).toMatchObject({
        sync: 'Synced',
        driftCorrected: true,
        drift: [expect.objectContaining({ name: 'blog' })],
      }),
    );
    expect(liveData('blog')).toEqual({ key: 'blog' });
  });

  it('does not apply again while the revision is unchanged (304)', async () => {
    const { clusterId, calls, latest } = await start();
    const bundle = hub.putBundle([configMap('a')]);
    hub.setDesired(clusterId, { applications: [application(A, bundle)], removals: [] });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
    const polls = () => hub.requests.filter((r) => r.path === 'desired' && r.status === 304);
    const before = polls().length;
    await eventually(() => expect(polls().length).toBeGreaterThanOrEqual(before + 3));
    expect(calls.apply).toEqual([A]);
    expect(hub.requests.filter((r) => r.path === 'bundle')).toHaveLength(1);
  });

  it('reports a new commit of the same bundle without applying again', async () => {
    const { clusterId, calls, latest } = await start();
    const bundle = hub.putBundle([configMap('a')]);
    hub.setDesired(clusterId, { applications: [application(A, bundle)], removals: [] });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
    const next = 'd'.repeat(40);
    hub.setDesired(clusterId, {
      applications: [application(A, bundle, { commit: next })],
      removals: [],
    });
    await eventually(() => expect(latest(A)).toMatchObject({ commit: next, sync: 'Synced' }));
    expect(calls.apply).toEqual([A]);
    expect(calls.assess).toEqual([A]);
  });

  it('fetches a bundle shared by two Applications once', async () => {
    const { clusterId, latest } = await start();
    cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const bundle = hub.putBundle([configMap('shared')]);
    hub.setDesired(clusterId, {
      applications: [application(A, bundle), application(B, bundle, { namespace: 'other' })],
      removals: [],
    });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
    await eventually(() => expect(latest(B)?.sync).toBe('Synced'));
    expect(liveData('shared', 'default')).toBeDefined();
    expect(liveData('shared', 'other')).toBeDefined();
    expect(hub.requests.filter((r) => r.path === 'bundle')).toEqual([
      expect.objectContaining({ body: { bundleId: bundle }, status: 200 }),
    ]);
  });

  it('reports an Application whose bundle is missing as Unknown, applies the others, and retries', async () => {
    const { clusterId, latest, agent } = await start();
    const missing = [configMap('late')];
    const missingId = createHash('sha256').update(JSON.stringify(missing)).digest('hex');
    const present = hub.putBundle([configMap('present')]);
    hub.setDesired(clusterId, {
      applications: [application(A, missingId), application(B, present)],
      removals: [],
    });
    await eventually(() =>
      expect(latest(A)).toMatchObject({
        sync: 'Unknown',
        health: 'Unknown',
        commit: null,
        message: expect.stringMatching(/bundle .* is missing/) as string,
      }),
    );
    await eventually(() => expect(latest(B)?.sync).toBe('Synced'));
    expect(liveData('present')).toBeDefined();
    expect(agent.snapshot().lastDeliveryError).toMatch(/404/);

    expect(hub.putBundle(missing)).toBe(missingId);
    await eventually(() =>
      expect(latest(A)).toMatchObject({ sync: 'Synced', bundleId: missingId }),
    );
    expect(liveData('late')).toBeDefined();
  });

  it('applies again, backing off, when an apply did not take (the API server reset connections)', async () => {
    const { clusterId, latest, calls, agent } = await start();
    const bundle = hub.putBundle([configMap('a', 'one')]);
    failingApplies = 2;
    const { revision } = hub.setDesired(clusterId, {
      applications: [application(A, bundle)],
      removals: [],
    });
    await eventually(() => expect(latest(A)).toMatchObject({ sync: 'Synced', health: 'Healthy' }));
    expect(calls.apply.filter((id) => id === A)).toHaveLength(3);
    expect(liveData('a')).toEqual({ key: 'one' });
    await eventually(() => expect(agent.snapshot().appliedRevision).toBe(revision));
  });

  it('retries a report the hub failed to take, losing nothing', async () => {
    const { clusterId, latest, hubCluster, agent } = await start();
    hub.failNext('status', 500, 3);
    const bundle = hub.putBundle([configMap('a')]);
    const { revision } = hub.setDesired(clusterId, {
      applications: [application(A, bundle)],
      removals: [{ id: B, preserveResources: false }],
    });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
    expect(hub.requests.filter((r) => r.path === 'status' && r.status === 500)).toHaveLength(3);
    expect(hubCluster.statuses).toEqual([
      expect.objectContaining({
        revision,
        applications: [expect.objectContaining({ id: A })],
        removed: [expect.objectContaining({ id: B, removed: 0 })],
      }),
    ]);
    expect(agent.snapshot().deliveryErrors).toBeGreaterThanOrEqual(3);
  });

  it('drops a report the hub refuses (400) and reports again once something changes', async () => {
    const { clusterId, latest, agent } = await start();
    hub.failNext('status', 400);
    const first = hub.putBundle([configMap('a', 'one')]);
    hub.setDesired(clusterId, { applications: [application(A, first)], removals: [] });
    await eventually(() =>
      expect(hub.requests.filter((r) => r.path === 'status' && r.status === 400)).toHaveLength(1),
    );
    await eventually(() => expect(agent.snapshot().lastDeliveryError).toMatch(/400/));
    const second = hub.putBundle([configMap('a', 'two')]);
    hub.setDesired(clusterId, { applications: [application(A, second)], removals: [] });
    await eventually(() => expect(latest(A)?.bundleId).toBe(second));
    expect(hub.requests.filter((r) => r.path === 'status' && r.status === 400)).toHaveLength(1);
  });

  it('uses the rotated credential for delivery once the old one is gone', async () => {
    const { clusterId, latest, agent, store } = await start();
    offset = 25 * DAY_MS; // past the rotation point of a 30-day credential
    await eventually(() => expect(agent.snapshot().rotations).toBe(1));
    offset += 2 * 3600_000; // past the old credential's hour of grace
    const current = store.current?.credential;
    const bundle = hub.putBundle([configMap('a')]);
    hub.setDesired(clusterId, { applications: [application(A, bundle)], removals: [] });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
    const calls = hub.requests.filter((r) => r.path === 'bundle' || r.path === 'status');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((r) => r.credential === current && r.status === 200)).toBe(true);
  });

  it('wakes from a long backoff when a heartbeat names a new desired revision', async () => {
    // Waits of a minute or more last until stopped (or woken): only a wake can end this one.
    const longSleep: AgentOptions['sleep'] = (ms, signal) =>
      ms >= 60_000
        ? new Promise((resolve) => signal.addEventListener('abort', () => resolve()))
        : fastSleep(Math.min(ms, 20), signal);
    hub.failNext('desired', 500);
    const { clusterId, latest, agent } = await start({
      sleep: longSleep,
      backoff: { baseMs: 20 * 60_000, capMs: 20 * 60_000 },
    });
    await eventually(() => expect(agent.snapshot().lastDeliveryError).toMatch(/500/));
    const bundle = hub.putBundle([configMap('a')]);
    hub.setDesired(clusterId, { applications: [application(A, bundle)], removals: [] });
    await eventually(() => expect(latest(A)?.sync).toBe('Synced'));
  });

  it('stops at once during a long-poll, abandoning the held request', async () => {
    const desired = { started: 0, settled: 0, aborted: 0 };
    const countingFetch: typeof fetch = async (input, init) => {
      const poll = new URL(String(input)).pathname.endsWith('/desired');
      if (poll) desired.started++;
      try {
        return await fetch(input, init);
      } catch (error) {
        if (poll) desired.aborted++;
        throw error;
      } finally {
        if (poll) desired.settled++;
      }
    };
    await hub.close();
    hub = await startContractHub({ now, heartbeatIntervalSeconds: 1 }); // holds the full wait
    const { agent, calls } = await start({ fetch: countingFetch, desiredWaitSeconds: 60 });
    // The first poll answers at once (no revision held); the second is held.
    await eventually(() => expect(desired).toMatchObject({ started: 2, settled: 1 }));
    await eventually(() => expect(calls.watching).toBe(1));
    const answered = hub.requests.filter((r) => r.path === 'desired').length;
    await agent.stop();
    expect(desired).toEqual({ started: 2, settled: 2, aborted: 1 });
    expect(calls.watching).toBe(0);
    expect(hub.requests.filter((r) => r.path === 'desired')).toHaveLength(answered);
    expect(agent.snapshot().phase).toBe('stopped');
  }, 20_000);
});

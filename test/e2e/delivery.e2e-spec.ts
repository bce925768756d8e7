// Delivery end to end: a hub and a worker as their own processes, 20 kube-sim clusters with
// simulated controllers, one real agent each. Manifests come from a real local Git repository;
// everything is observed through GraphQL and the simulated clusters themselves.
import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import {
  announcePush,
  createTestDatabase,
  createTestRepository,
  eventually,
  startHubProcess,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubProcess,
  type TestDatabase,
  type TestRepository,
} from '@flotilla/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { memoryCredentialStore } from '../../apps/agent/src/credential.store';
import type { RunningAgent } from '../../apps/agent/src/agent.types';
import { startAgent } from '../../apps/agent/src/start-agent';

const CLUSTERS = 20;
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
// A Redis database of its own: the test flushes it, and other test files share the server.
const REDIS_URL = `${(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/9`;
const ENV = {
  GIT_ALLOW_FILE_URLS: 'true',
  GIT_WEBHOOK_SECRET: WEBHOOK_SECRET,
  HEARTBEAT_INTERVAL_SECONDS: '5',
  REDIS_URL,
  MAX_BUNDLE_BYTES: String(64 * 1024),
  RENDER_RESYNC_SECONDS: '5',
  SECRETS_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
  PUSH_RESYNC_SECONDS: '5',
};
/** The agent clusters plus one kubeconfig cluster that the worker pushes to. */
const TOTAL = CLUSTERS + 1;
const PUSHED = 'k00';
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const SERVICE = { apiVersion: 'v1', kind: 'Service' };

const configMap = (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${value}"
`;
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    argocd.argoproj.io/sync-wave: "1"
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;
const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
    - port: 80
`;
const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
apiVersion: v1
kind: ConfigMap
metadata: { name: bomb }
data: { g: *g }
`;

const appSet = (name: string, repoURL: string, path: string, selfHeal: boolean, selector = '{}') =>
  `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
    - clusters: ${selector}
  template:
    metadata:
      name: '${name}-{{.name}}'
    spec:
      project: default
      source:
        repoURL: ${repoURL}
        targetRevision: main
        path: ${path}
      destination:
        server: '{{.server}}'
        namespace: ${name}
      syncPolicy:
        automated: { prune: true, selfHeal: ${selfHeal} }
`;

interface Delivery {
  commit: string | null;
  renderFailure: { code: string; message: string } | null;
  status: {
    commit: string | null;
    sync: string;
    health: string;
    problems: { kind: string; name: string; message: string }[];
  } | null;
  lastDrift: {
    corrected: boolean;
    resources: { kind: string; name: string; diff: string }[];
  } | null;
}
const APPS = `query($id: ID!) { applications(filter: { applicationSetId: $id }, first: 100) {
  edges { node { name cluster { name } delivery { commit renderFailure { code message }
    status { commit sync health problems { kind name message } }
    lastDrift { corrected resources { kind name diff } } } } } } }`;

describe('delivery end to end (hub and worker processes, 20 agents on kube-sim)', () => {
  let db: TestDatabase;
  let hub: HubProcess;
  let worker: AppProcess;
  let sim: KubeSim;
  let repo: TestRepository;
  let alice: string;
  const clusters = new Map<string, SimCluster>();
  const agents: RunningAgent[] = [];
  const setIds = new Map<string, string>();

  const deliveries = async (set: string): Promise<Map<string, Delivery>> => {
    const res = await hub.graphql<{
      applications: { edges: { node: { cluster: { name: string }; delivery: Delivery } }[] };
    }>(alice, APPS, { id: setIds.get(set) });
    return new Map(res.applications.edges.map((e) => [e.node.cluster.name, e.node.delivery]));
  };
  const allAt = async (set: string, commit: string, count: number, health = 'Healthy') => {
    const all = await deliveries(set);
    expect(all.size).toBe(count);
    for (const [name, d] of all) {
      expect({
        name,
        commit: d.status?.commit,
        sync: d.status?.sync,
        health: d.status?.health,
      }).toEqual({ name, commit, sync: 'Synced', health });
    }
  };
  const createSet = async (name: string, manifest: string) => {
    const created = await hub.graphql<{ createApplicationSet: { id: string } }>(
      alice,
      'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
      { tenant: 'team-a', manifest },
    );
    setIds.set(name, created.createApplicationSet.id);
  };
  const push = async (files: Record<string, string | null>) => {
    const commit = repo.commit(files);
    await announcePush(hub.url, WEBHOOK_SECRET, repo.url, commit);
    return commit;
  };
  const cluster = (name: string) => clusters.get(name)!;

  beforeAll(async () => {
    db = await createTestDatabase('e2e-delivery');
    [hub, worker] = await Promise.all([
      startHubProcess(db.url, ENV),
      startWorkerProcess(db.url, ENV),
    ]);
    sim = await startKubeSim();
    repo = createTestRepository('manifests');
    repo.commit({
      'web/config.yaml': configMap('web-config', '1'),
      'web/deployment.yaml': deployment,
      'web/service.yaml': service,
      'heal/config.yaml': configMap('heal-config', '1'),
    });
    const root = await userToken('root', ['flotilla:platform-admins']);
    alice = await userToken('alice', ['team-a-admins']);
    await hub.graphql(
      root,
      'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
      {
        spec: {
          name: 'team-a',
          sourceRepos: ['*'],
          destinations: [
            { clusterSelector: {}, namespaces: ['web', 'heal', 'bomb', 'big', 'roll'] },
          ],
          clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
          roles: [{ name: 'admin', groups: ['team-a-admins'] }],
        },
      },
    );
    const issued = await hub.graphql<{ createRegistrationToken: { value: string } }>(
      alice,
      'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
      { input: { tenant: 'team-a', maxUses: CLUSTERS, ttlSeconds: 600 } },
    );
    const withNamespaces = (name: string) => {
      const sim1 = sim.addCluster(name, { controllers: {} });
      // Every cluster has the destination namespaces (the agent does not create namespaces).
      for (const ns of ['web', 'heal', 'bomb', 'big', 'roll'])
        sim1.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      clusters.set(name, sim1);
      return sim1;
    };
    // Push mode: a kubeconfig cluster the worker applies to from outside.
    const pushed = withNamespaces(PUSHED);
    await hub.graphql(
      alice,
      `mutation($input: RegisterKubeconfigClusterInput!) { registerKubeconfigCluster(input: $input) { id } }`,
      { input: { tenant: 'team-a', name: PUSHED, kubeconfig: pushed.kubeconfigYaml() } },
    );
    for (let i = 0; i < CLUSTERS; i++) {
      const name = `c${String(i).padStart(2, '0')}`;
      const sim1 = withNamespaces(name);
      agents.push(
        startAgent({
          hubUrl: hub.url,
          clusterName: name,
          labels: i < 2 ? { heal: 'yes' } : {},
          registrationToken: () => Promise.resolve(issued.createRegistrationToken.value),
          kubeConfig: loadKubeConfig(sim1.kubeconfigYaml()),
          store: memoryCredentialStore(),
          driftIntervalSeconds: 5,
        }),
      );
    }
    // An object the agent did not create, beside ours: it must never be touched.
    cluster('c06').put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'keep-me', namespace: 'web' },
      data: { owner: 'someone else' },
    });
    await eventually(async () => {
      for (const a of agents) expect(a.snapshot().clusterId).toBeDefined();
    }, 60_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all([hub?.stop(), worker?.stop()]);
    await sim?.close();
    await db?.drop();
    repo?.remove();
  });

  it('an ApplicationSet over 20 clusters reaches Synced and Healthy everywhere', async () => {
    await createSet('web', appSet('web', repo.url, 'web', false));
    await eventually(() => allAt('web', repo.head(), TOTAL), 60_000);
    for (const name of ['c07', PUSHED]) {
      const live = cluster(name).get(DEPLOYMENT, 'web', 'web');
      expect(live?.metadata.labels?.['flotilla.dev/application']).toMatch(/^[0-9a-f-]{36}$/);
      const managers = (live?.metadata.managedFields ?? []) as { manager?: string }[];
      expect(managers.map((f) => f.manager)).toContain('flotilla');
    }
  }, 90_000);

  it('a Deployment made to fail turns its Application Degraded on exactly that cluster', async () => {
    cluster('c03').failWorkload(DEPLOYMENT, 'web', 'web', 'ProgressDeadlineExceeded');
    await eventually(async () => {
      const all = await deliveries('web');
      expect(all.get('c03')?.status?.health).toBe('Degraded');
      expect(all.get('c03')?.status?.problems).toContainEqual(
        expect.objectContaining({ kind: 'Deployment', name: 'web' }),
      );
      const others = [...all].filter(([name]) => name !== 'c03');
      expect(others.every(([, d]) => d.status?.health === 'Healthy')).toBe(true);
    }, 30_000);
    cluster('c03').clearFault(DEPLOYMENT, 'web', 'web');
    await eventually(async () => {
      expect((await deliveries('web')).get('c03')?.status?.health).toBe('Healthy');
    }, 30_000);
  }, 90_000);

  it('an object edited behind our back is reported as drift, and put back where self-heal is on', async () => {
    for (const name of ['c05', PUSHED])
      cluster(name).mutate(CONFIG_MAP, 'web', 'web-config', (o) => {
        (o as unknown as { data: Record<string, string> }).data.value = 'edited';
      });
    await eventually(async () => {
      for (const name of ['c05', PUSHED]) {
        const d = (await deliveries('web')).get(name);
        expect(d?.lastDrift).toMatchObject({ corrected: false });
        expect(d?.lastDrift?.resources[0]).toMatchObject({ kind: 'ConfigMap', name: 'web-config' });
        expect(d?.lastDrift?.resources[0]?.diff).toContain('edited');
        expect(d?.status?.sync).toBe('OutOfSync');
      }
    }, 30_000);
    // Self-heal off: left alone.
    for (const name of ['c05', PUSHED])
      expect(cluster(name).get(CONFIG_MAP, 'web', 'web-config')?.['data']).toEqual({
        value: 'edited',
      });

    await createSet(
      'heal',
      appSet('heal', repo.url, 'heal', true, '{ selector: { matchLabels: { heal: "yes" } } }'),
    );
    await eventually(() => allAt('heal', repo.head(), 2), 60_000);
    cluster('c01').mutate(CONFIG_MAP, 'heal', 'heal-config', (o) => {
      (o as unknown as { data: Record<string, string> }).data.value = 'edited';
    });
    await eventually(async () => {
      const d = (await deliveries('heal')).get('c01');
      expect(d?.lastDrift).toMatchObject({ corrected: true });
      expect(cluster('c01').get(CONFIG_MAP, 'heal', 'heal-config')?.['data']).toEqual({
        value: '1',
      });
    }, 30_000);
  }, 120_000);

  it('a removed manifest is pruned, and an object we did not create is never touched', async () => {
    const before = cluster('c06').get(CONFIG_MAP, 'web', 'keep-me');
    const commit = await push({ 'web/service.yaml': null });
    await eventually(() => allAt('web', commit, TOTAL), 60_000);
    for (const c of clusters.values()) expect(c.get(SERVICE, 'web', 'web')).toBeUndefined();
    expect(cluster('c06').get(CONFIG_MAP, 'web', 'keep-me')).toEqual(before);
  }, 90_000);

  it('Redis flushed in the middle of a sync loses nothing', async () => {
    const redis = new Redis(REDIS_URL);
    const commit = await push({ 'web/config.yaml': configMap('web-config', '3') });
    await redis.flushdb();
    redis.disconnect();
    await eventually(() => allAt('web', commit, TOTAL), 120_000);
    for (const c of clusters.values())
      expect(c.get(CONFIG_MAP, 'web', 'web-config')?.['data']).toEqual({ value: '3' });
  }, 150_000);

  it('a YAML bomb and an oversized bundle are refused with a clear status', async () => {
    repo.commit({
      'bomb/bomb.yaml': bomb,
      'big/big.yaml': configMap('big', 'x'.repeat(100 * 1024)),
    });
    await createSet(
      'bomb',
      appSet('bomb', repo.url, 'bomb', false, '{ selector: { matchLabels: { heal: "yes" } } }'),
    );
    await createSet(
      'big',
      appSet('big', repo.url, 'big', false, '{ selector: { matchLabels: { heal: "yes" } } }'),
    );
    await eventually(async () => {
      for (const d of (await deliveries('bomb')).values())
        expect(d.renderFailure?.message).toMatch(/alias/i);
      for (const d of (await deliveries('big')).values())
        expect(d.renderFailure).toMatchObject({
          code: 'SourceTooLarge',
          message: expect.stringContaining(`exceed ${64 * 1024} bytes`),
        });
      expect((await deliveries('bomb')).size).toBe(2);
    }, 60_000);
    expect(cluster('c00').get(CONFIG_MAP, 'bomb', 'bomb')).toBeUndefined();
    expect(cluster('c00').get(CONFIG_MAP, 'big', 'big')).toBeUndefined();
  }, 90_000);

  it('rolls a new commit out across the simulated fleet in three steps, within maxUnavailable', async () => {
    repo.commit({ 'roll/config.yaml': configMap('roll-config', '1') });
    const strategy = `
  strategy:
    type: Progressive
    progressive:
      steps:
        - { name: canary, percent: 10, maxUnavailable: 1 }
        - { name: half, percent: 50, maxUnavailable: 3 }
        - { name: rest, maxUnavailable: 4 }
`;
    await createSet(
      'roll',
      appSet('roll', repo.url, 'roll', false).replace('\n  template:', `${strategy}  template:`),
    );
    const rolloutOf = async () =>
      (
        await hub.graphql<{ rollouts: { edges: { node: { id: string; status: string } }[] } }>(
          alice,
          'query($id: ID!) { rollouts(filter: { applicationSetId: $id }, first: 5) { edges { node { id status } } } }',
          { id: setIds.get('roll') },
        )
      ).rollouts.edges.map((e) => e.node);
    await eventually(async () => {
      expect((await rolloutOf())[0]?.status).toBe('Completed');
    }, 120_000);
    const second = await push({ 'roll/config.yaml': configMap('roll-config', '2') });
    await eventually(async () => {
      const [latest] = await rolloutOf();
      expect(latest?.status).toBe('Completed');
      await allAt('roll', second, TOTAL);
    }, 150_000);
    // From the log: one rollout per revision, steps in order, never past maxUnavailable.
    const [latest] = await rolloutOf();
    expect(await rolloutOf()).toHaveLength(2);
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const { rows } = await pg
      .query<{ type: string; data: { step: number; targets: { applicationId: string }[] } }>(
        'SELECT type, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
        [`rollout-${latest!.id}`],
      )
      .finally(() => pg.end());
    const inFlight = new Map<string, number>();
    const peak = [0, 0, 0];
    const order: number[] = [];
    for (const { type, data } of rows) {
      if (type === 'RolloutTargetsUpdated')
        for (const t of data.targets) {
          inFlight.set(t.applicationId, data.step);
          order.push(data.step);
        }
      if (type === 'RolloutTargetsHealthy' || type === 'RolloutTargetsFailed')
        for (const t of data.targets) inFlight.delete(t.applicationId);
      for (const step of [0, 1, 2])
        peak[step] = Math.max(peak[step]!, [...inFlight.values()].filter((x) => x === step).length);
    }
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order).toHaveLength(TOTAL);
    expect(peak[0]).toBeLessThanOrEqual(1);
    expect(peak[1]).toBeLessThanOrEqual(3);
    expect(peak[2]).toBeLessThanOrEqual(4);
    for (const name of ['c00', 'c10', 'c19'])
      expect(cluster(name).get(CONFIG_MAP, 'roll', 'roll-config')?.['data']).toEqual({
        value: '2',
      });
  }, 300_000);
});

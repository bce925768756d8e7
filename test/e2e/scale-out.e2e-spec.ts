// Scale-out end to end: two hub processes and two worker processes on one Postgres database and
// one Redis, behind a round-robin balancer (as a Service spreads requests over replicas). 150
// clusters register through it and then fall silent; 8 real agents on kube-sim keep heartbeating.
// The four processes must behave as one: requests land on either hub, an ApplicationSet over the
// 150 clusters creates each Application once, silent clusters go Offline once, a progressive
// rollout runs once per revision, and the read models equal a rebuild from the log. Then one
// worker and one hub are killed with SIGKILL in the middle of a generation and a rollout, and the
// survivors finish both with nothing lost or duplicated. Everything is judged from the log.
import { createPool } from '@flotilla/database';
import { EventStore, liveTarget, ProjectionRunner, type Projection } from '@flotilla/event-store';
import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import {
  applicationsProjection,
  clustersProjection,
  flotillaEventRegistry,
  rolloutsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import {
  announcePush,
  createTestDatabase,
  createTestRepository,
  eventually,
  startHubBalancer,
  startHubProcess,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubBalancer,
  type HubProcess,
  type TestDatabase,
  type TestRepository,
} from '@flotilla/testing';
import type { Pool, PoolClient } from 'pg';
import { memoryCredentialStore } from '../../apps/agent/src/credential.store';
import type { RunningAgent } from '../../apps/agent/src/agent.types';
import { startAgent } from '../../apps/agent/src/start-agent';

/** Clusters that register and then never call again (they must go Offline, once each). */
const SILENT = 150;
/** The generated ApplicationSet's list elements: SILENT × ELEMENTS Applications. */
const ELEMENTS = 16;
const AGENTS = 8;
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
const ENV = {
  GIT_ALLOW_FILE_URLS: 'true',
  GIT_WEBHOOK_SECRET: WEBHOOK_SECRET,
  HEARTBEAT_INTERVAL_SECONDS: '3',
  OFFLINE_AFTER_MISSED_HEARTBEATS: '3',
  SWEEP_INTERVAL_SECONDS: '1',
  // A killed worker's jobs go back to the queue after this long (BullMQ's stalled-job check).
  JOB_LOCK_SECONDS: '5',
  ROLLOUT_SWEEP_SECONDS: '2',
  RENDER_RESYNC_SECONDS: '5',
  APPSET_RESYNC_SECONDS: '5',
  REGISTER_FAILURES_PER_MINUTE: '100000',
};
const FACTS = {
  kubernetesVersion: 'v1.30.1',
  nodeCount: 1,
  allocatableCpuMillicores: 2_000,
  allocatableMemoryBytes: 4 * 1024 ** 3,
  agentVersion: '0.1.0',
};
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  value: "${value}"
`;

const appSet = (
  name: string,
  repoURL: string,
  label: string,
  elements: number,
  strategy = '',
) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchLabels: { ${label}: "yes" }
          - list:
              elements:
${Array.from({ length: elements }, (_, i) => `                - part: p${i}`).join('\n')}
${strategy}  template:
    metadata:
      name: '${name}-{{.name}}-{{.part}}'
    spec:
      project: default
      source:
        repoURL: ${repoURL}
        targetRevision: main
        path: app
      destination:
        server: '{{.server}}'
        namespace: ${name}-{{.part}}
      syncPolicy:
        automated: { prune: true, selfHeal: false }
`;
const PROGRESSIVE = `  strategy:
    type: Progressive
    progressive:
      steps:
        - { name: canary, percent: 25, maxUnavailable: 1 }
        - { name: rest, maxUnavailable: 3 }
`;

describe('scale-out: two hubs and two workers behave as one (processes, agents on kube-sim)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let hubs: HubProcess[] = [];
  let workers: AppProcess[] = [];
  let lb: HubBalancer;
  let sim: KubeSim;
  let repo: TestRepository;
  /** The generated ApplicationSet's source: not pushed to, so the push re-renders only `roll`. */
  let genRepo: TestRepository;
  let alice: string;
  let registration: string;
  const sims = new Map<string, SimCluster>();
  const agents: RunningAgent[] = [];
  const silentIds: string[] = [];
  const setIds = new Map<string, string>();

  /** GraphQL through the balancer (lands on either hub). */
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token = alice) => {
    const res = await fetch(`${lb.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(`${query}\n${JSON.stringify(body)}`);
    return body.data;
  };
  const sql = async <R extends object>(text: string, params: unknown[] = []) =>
    (await pool.query<R>(text, params)).rows;
  const createSet = async (name: string, manifest: string, via?: HubProcess) => {
    const mutation =
      'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }';
    const variables = { tenant: 'team-a', manifest };
    const res = via
      ? await via.graphql<{ createApplicationSet: { id: string } }>(alice, mutation, variables)
      : await gql<{ createApplicationSet: { id: string } }>(mutation, variables);
    setIds.set(name, res.createApplicationSet.id);
    return res.createApplicationSet.id;
  };
  const rollouts = async () =>
    (
      await gql<{ rollouts: { edges: { node: { id: string; status: string } }[] } }>(
        'query($id: ID!) { rollouts(filter: { applicationSetId: $id }, first: 10) { edges { node { id status } } } }',
        { id: setIds.get('roll') },
      )
    ).rollouts.edges.map((e) => e.node);
  /** Every agent cluster holds `value` and reported it Synced and Healthy at `commit`. */
  const rolledOutTo = async (commit: string, value: string) => {
    const res = await gql<{
      applications: {
        edges: { node: { delivery: { status: { commit: string; sync: string } | null } } }[];
      };
    }>(
      `query($id: ID!) { applications(filter: { applicationSetId: $id }, first: 100) {
        edges { node { delivery { status { commit sync } } } } } }`,
      { id: setIds.get('roll') },
    );
    expect(res.applications.edges).toHaveLength(AGENTS);
    for (const e of res.applications.edges)
      expect(e.node.delivery.status).toEqual({ commit, sync: 'Synced' });
    for (const c of sims.values())
      expect(c.get(CONFIG_MAP, 'roll-p0', 'app-config')?.['data']).toEqual({ value });
  };
  const push = async (value: string) => {
    const commit = repo.commit({ 'app/config.yaml': configMap(value) });
    await announcePush(lb.url, WEBHOOK_SECRET, repo.url, commit);
    return commit;
  };
  /** Runs `work`; a failure carries the end of every process's output. */
  const withOutputs = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      const tails = [...hubs, ...workers].map(
        (p, i) => `--- ${p.name} ${i % 2} ---\n${p.output().slice(-4_000)}`,
      );
      throw new Error(`${(error as Error).message}\n${tails.join('\n')}`);
    }
  };
  const agentCall = async (path: string, body: unknown, credential?: string) => {
    const res = await fetch(`${lb.url}/api/agent/v1/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e-scale-out');
    pool = createPool(db.url, { max: 4 });
    hubs = await Promise.all([startHubProcess(db.url, ENV), startHubProcess(db.url, ENV)]);
    workers = await Promise.all([startWorkerProcess(db.url, ENV), startWorkerProcess(db.url, ENV)]);
    lb = await startHubBalancer(hubs.map((h) => h.url));
    sim = await startKubeSim();
    repo = createTestRepository('scale-manifests');
    repo.commit({ 'app/config.yaml': configMap('1') });
    genRepo = createTestRepository('scale-generated');
    genRepo.commit({ 'app/config.yaml': configMap('1') });
    const root = await userToken('root', ['flotilla:platform-admins']);
    alice = await userToken('alice', ['team-a-admins']);
    await gql(
      'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
      {
        spec: {
          name: 'team-a',
          sourceRepos: ['*'],
          destinations: [{ clusterSelector: {}, namespaces: ['gen-*', 'roll-*'] }],
          roles: [{ name: 'admin', groups: ['team-a-admins'] }],
        },
      },
      root,
    );
    const issued = await gql<{ createRegistrationToken: { value: string } }>(
      'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
      { input: { tenant: 'team-a', maxUses: SILENT + AGENTS, ttlSeconds: 3600 } },
    );
    registration = issued.createRegistrationToken.value;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await lb?.close();
    await Promise.all([...hubs, ...workers].map((p) => p.stop()));
    await sim?.close();
    await pool?.end();
    await db?.drop();
    repo?.remove();
    genRepo?.remove();
  });

  it('takes registrations, heartbeats and GraphQL on either hub, and both answer the same', async () => {
    // Each silent cluster registers and at once heartbeats: the balancer sends the two calls to
    // different hubs, so the credential must open the cluster on the hub that did not issue it.
    let next = 0;
    const refused: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < SILENT; i = next++) {
          const name = `s${String(i).padStart(3, '0')}`;
          const reg = await agentCall('register', {
            token: registration,
            name,
            labels: { gen: 'yes' },
            facts: FACTS,
          });
          expect(reg.status).toBe(201);
          silentIds.push(reg.body['clusterId']!);
          const beat = await agentCall(
            'heartbeat',
            { facts: FACTS, status: { state: 'Running' } },
            reg.body['credential'],
          );
          if (beat.status !== 200) refused.push(`${name}: ${beat.status}`);
        }
      }),
    );
    expect(refused).toEqual([]);
    for (let i = 0; i < AGENTS; i++) {
      const name = `a${i}`;
      const cluster = sim.addCluster(name, { controllers: {} });
      cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll-p0' } });
      sims.set(name, cluster);
      agents.push(
        startAgent({
          hubUrl: lb.url,
          clusterName: name,
          labels: { roll: 'yes' },
          registrationToken: () => Promise.resolve(registration),
          kubeConfig: loadKubeConfig(cluster.kubeconfigYaml()),
          store: memoryCredentialStore(),
          backoff: { baseMs: 250, capMs: 2_000 },
        }),
      );
    }
    await eventually(() => {
      for (const a of agents) expect(a.snapshot()).toMatchObject({ phase: 'running' });
    }, 60_000);

    // Both hubs answer every query alike: what one appended, the other reads at once.
    const COUNT = '{ clusters(filter: { tenant: "team-a" }) { totalCount } }';
    for (const hub of hubs)
      expect(await hub.graphql(alice, COUNT)).toEqual({
        clusters: { totalCount: SILENT + AGENTS },
      });
    for (let i = 0; i < 6; i++) await gql(COUNT);
    const served = lb.served();
    // Round robin per kind: GraphQL alternates; both took agent calls.
    expect(Math.abs(served.graphql[0]! - served.graphql[1]!)).toBeLessThanOrEqual(1);
    expect(Math.min(...served.agent)).toBeGreaterThan(SILENT / 2);
  }, 120_000);

  it('rolls an ApplicationSet out once, whichever hub took it', async () => {
    // Created through one hub, read back at once through the other.
    const id = await createSet('roll', appSet('roll', repo.url, 'roll', 1, PROGRESSIVE), hubs[0]);
    expect(
      await hubs[1]!.graphql(alice, 'query($id: ID!) { applicationSet(id: $id) { name } }', {
        id,
      }),
    ).toEqual({ applicationSet: { name: 'roll' } });
    await eventually(async () => {
      expect((await rollouts())[0]?.status).toBe('Completed');
      await rolledOutTo(repo.head(), '1');
    }, 90_000);
  }, 120_000);

  it('finishes a generation and a rollout when a worker and a hub are killed mid-work', async () => {
    const total = SILENT * ELEMENTS;
    const genId = await createSet('gen', appSet('gen', genRepo.url, 'gen', ELEMENTS));
    const second = await push('2');
    const created = async () =>
      Number(
        (
          await sql<{ n: string }>(
            `SELECT count(*) AS n FROM events WHERE type = 'ApplicationCreated'
                AND data->>'applicationSetId' = $1`,
            [genId],
          )
        )[0]!.n,
      );
    const atKill = await eventually(
      async () => {
        const n = await created();
        if (n === 0) throw new Error('the generation has not started writing yet');
        return n;
      },
      60_000,
      25,
    );
    workers[0]!.child.kill('SIGKILL');
    hubs[1]!.child.kill('SIGKILL');
    // The kill landed in the middle of the generation.
    expect(atKill).toBeLessThan(total);

    await withOutputs(() =>
      eventually(
        async () => {
          expect(
            await gql('query($id: ID!) { applicationSet(id: $id) { applicationCount } }', {
              id: genId,
            }),
          ).toEqual({ applicationSet: { applicationCount: total } });
          const [latest] = await rollouts();
          expect(latest?.status).toBe('Completed');
          await rolledOutTo(second, '2');
        },
        150_000,
        500,
      ),
    );

    // Each Application of the generation was created once, and nothing was deleted or redone.
    const perName = await sql<{ name: string; n: number }>(
      `SELECT data->>'name' AS name, count(*)::int AS n FROM events
        WHERE type IN ('ApplicationCreated', 'ApplicationDeleted') AND data->>'applicationSetId' = $1
        GROUP BY 1`,
      [genId],
    );
    expect(perName).toHaveLength(total);
    expect(perName.filter((r) => r.n !== 1)).toEqual([]);
    const perStream = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'ApplicationCreated'
          AND data->>'applicationSetId' = $1 GROUP BY stream_id HAVING count(*) > 1`,
      [genId],
    );
    expect(perStream).toEqual([]);

    // One rollout per revision, each started and completed once, every target released once.
    const started = await sql<{ revision: string; n: number }>(
      `SELECT data->>'revision' AS revision, count(*)::int AS n FROM events
        WHERE type = 'RolloutStarted' AND data->>'applicationSetId' = $1 GROUP BY 1`,
      [setIds.get('roll')],
    );
    expect(started.map((r) => r.n)).toEqual([1, 1]);
    for (const { id } of await rollouts()) {
      const events = await sql<{ type: string; data: { targets?: { applicationId: string }[] } }>(
        'SELECT type, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
        [`rollout-${id}`],
      );
      expect(events.filter((e) => e.type === 'RolloutStarted')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'RolloutCompleted')).toHaveLength(1);
      const released = events
        .filter((e) => e.type === 'RolloutTargetsUpdated')
        .flatMap((e) => e.data.targets!.map((t) => t.applicationId));
      expect(released).toHaveLength(AGENTS);
      expect(new Set(released).size).toBe(AGENTS);
    }
  }, 200_000);

  it('marks each silent cluster Offline once, and never a cluster that heartbeats', async () => {
    await eventually(
      async () =>
        expect(
          await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${liveTarget(clustersProjection).table('clusters')}
              WHERE connectivity = 'Offline'`,
          ),
        ).toEqual([{ n: SILENT }]),
      60_000,
      500,
    );
    const transitions = await sql<{ stream_id: string; from: string; to: string }>(
      `SELECT stream_id, data->>'from' AS from, data->>'to' AS to FROM events
        WHERE type = 'ClusterConnectivityChanged' ORDER BY global_position`,
    );
    // Per cluster the transitions form one chain from Ready: none twice, none skipped back.
    const state = new Map<string, string>();
    for (const t of transitions) {
      expect({ cluster: t.stream_id, from: t.from }).toEqual({
        cluster: t.stream_id,
        from: state.get(t.stream_id) ?? 'Ready',
      });
      state.set(t.stream_id, t.to);
    }
    const offline = new Map<string, number>();
    for (const t of transitions.filter((x) => x.to === 'Offline'))
      offline.set(t.stream_id, (offline.get(t.stream_id) ?? 0) + 1);
    expect([...offline.keys()].sort()).toEqual(silentIds.map((id) => `cluster-${id}`).sort());
    expect([...offline.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);

  it('brings every projection to the head of the log, with read models equal to a rebuild', async () => {
    const [{ head }] = (await sql<{ head: string }>(
      'SELECT max(global_position) AS head FROM events',
    )) as [{ head: string }];
    await eventually(
      async () =>
        expect(
          await sql<{ name: string }>(
            `SELECT name FROM projection_checkpoints
              WHERE name NOT LIKE '%:rebuild' AND position < $1 AND state = 'running'`,
            [head],
          ),
        ).toEqual([]),
      60_000,
      250,
    );
    expect(
      await sql(`SELECT name, error FROM projection_checkpoints WHERE state = 'failed'`),
    ).toEqual([]);
    const store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    const dump = (tx: PoolClient, table: string) =>
      tx.query(`SELECT * FROM ${table} t ORDER BY t::text`).then((r) => r.rows);
    for (const projection of [
      applicationsProjection,
      clustersProjection,
      rolloutsProjection,
    ] as unknown as Projection<FlotillaEvent>[]) {
      let compared = 0;
      await new ProjectionRunner(pool, store, projection, null).rebuild(async (tx, live, fresh) => {
        for (const base of projection.tables) {
          const [a, b] = [await dump(tx, live.table(base)), await dump(tx, fresh.table(base))];
          expect({ table: base, rows: b }).toEqual({ table: base, rows: a });
          compared += a.length;
        }
      });
      expect(compared).toBeGreaterThan(0);
    }
  }, 120_000);
});

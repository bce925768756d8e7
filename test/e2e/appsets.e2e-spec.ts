// ApplicationSets end to end: a hub and a worker as their own processes, agents on kube-sim.
// A tenant admin creates an ApplicationSet through GraphQL; the worker generates its
// Applications; relabelling and deregistering clusters changes exactly what it should.
import { createPool } from '@flotilla/database';
import { applicationSetStream } from '@flotilla/domain';
import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import {
  createTestDatabase,
  eventually,
  startHubProcess,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubProcess,
  type TestDatabase,
} from '@flotilla/testing';
import { memoryCredentialStore } from '../../apps/agent/src/credential.store';
import type { RunningAgent } from '../../apps/agent/src/agent.types';
import { startAgent } from '../../apps/agent/src/start-agent';

const ENV = { HEARTBEAT_INTERVAL_SECONDS: '5' };
const manifest = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: shop
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchLabels:
                  env: prod
          - list:
              elements:
                - component: web
                - component: api
  template:
    metadata:
      name: '{{.name}}-{{.component}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/team-a/shop
        targetRevision: main
        path: '{{.component}}'
      destination:
        server: '{{.server}}'
        namespace: shop-{{.component}}
`;
const APPS = `query($id: ID!) { applications(filter: { applicationSetId: $id }, first: 50) {
  totalCount edges { node { name cluster { name } } } } }`;

describe('ApplicationSets end to end (hub and worker processes, agents on kube-sim)', () => {
  let db: TestDatabase;
  let hub: HubProcess;
  let worker: AppProcess;
  let sim: KubeSim;
  let root: string;
  let alice: string;
  const agents: RunningAgent[] = [];

  const appNames = async (setId: string) => {
    const res = await hub.graphql<{
      applications: { edges: { node: { name: string } }[] };
    }>(alice, APPS, { id: setId });
    return res.applications.edges.map((e) => e.node.name).sort();
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e-appsets');
    [hub, worker] = await Promise.all([
      startHubProcess(db.url, ENV),
      startWorkerProcess(db.url, ENV),
    ]);
    sim = await startKubeSim();
    root = await userToken('root', ['flotilla:platform-admins']);
    alice = await userToken('alice', ['team-a-admins']);
    await hub.graphql(
      root,
      'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
      {
        spec: {
          name: 'team-a',
          sourceRepos: ['https://github.com/team-a/*'],
          destinations: [{ clusterSelector: {}, namespaces: ['shop-*'] }],
          roles: [{ name: 'admin', groups: ['team-a-admins'] }],
        },
      },
    );
    const issued = await hub.graphql<{ createRegistrationToken: { value: string } }>(
      alice,
      'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
      { input: { tenant: 'team-a', maxUses: 3, ttlSeconds: 600 } },
    );
    for (const [name, env] of [
      ['eu-prod', 'prod'],
      ['us-prod', 'prod'],
      ['eu-dev', 'dev'],
    ] as const) {
      const agent = startAgent({
        hubUrl: hub.url,
        clusterName: name,
        labels: { env },
        registrationToken: () => Promise.resolve(issued.createRegistrationToken.value),
        kubeConfig: loadKubeConfig(sim.addCluster(name).kubeconfigYaml()),
        store: memoryCredentialStore(),
      });
      agents.push(agent);
    }
    await eventually(async () => {
      for (const a of agents) expect(a.snapshot().clusterId).toBeDefined();
    }, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all([hub?.stop(), worker?.stop()]);
    await sim?.close();
    await db?.drop();
  });

  it('creates Applications per matching cluster, follows label changes and deregistrations', async () => {
    const created = await hub.graphql<{ createApplicationSet: { id: string } }>(
      alice,
      'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
      { tenant: 'team-a', manifest },
    );
    const setId = created.createApplicationSet.id;
    await eventually(
      async () =>
        expect(await appNames(setId)).toEqual([
          'eu-prod-api',
          'eu-prod-web',
          'us-prod-api',
          'us-prod-web',
        ]),
      30_000,
    );

    // eu-dev becomes prod: its two Applications appear.
    const clusters = await hub.graphql<{
      clusters: { edges: { node: { id: string; name: string } }[] };
    }>(alice, '{ clusters(filter: { tenant: "team-a" }) { edges { node { id name } } } }');
    const idOf = (name: string) =>
      clusters.clusters.edges.find((e) => e.node.name === name)!.node.id;
    await hub.graphql(
      alice,
      'mutation($id: String!, $labels: JSONObject!) { updateClusterLabels(id: $id, labels: $labels) { id } }',
      {
        id: idOf('eu-dev'),
        labels: { env: 'prod' },
      },
    );
    await eventually(async () => expect(await appNames(setId)).toHaveLength(6), 30_000);

    // us-prod leaves the fleet: its Applications are pruned.
    await hub.graphql(
      alice,
      'mutation($id: String!) { deregisterCluster(id: $id, reason: "gone") { id } }',
      {
        id: idOf('us-prod'),
      },
    );
    await eventually(
      async () =>
        expect(await appNames(setId)).toEqual([
          'eu-dev-api',
          'eu-dev-web',
          'eu-prod-api',
          'eu-prod-web',
        ]),
      30_000,
    );

    const status = await hub.graphql<{
      applicationSet: {
        applicationCount: number;
        status: { failure: unknown; lastGeneration: { deleted: number } };
        history: { edges: { node: { type: string; actor: string } }[] };
      };
    }>(
      alice,
      `query($id: ID!) { applicationSet(id: $id) { applicationCount
        status { failure { reason } lastGeneration { deleted } }
        history { edges { node { type actor } } } } }`,
      { id: setId },
    );
    expect(status.applicationSet).toMatchObject({ applicationCount: 4, status: { failure: null } });
    // The run that pruned us-prod's two Applications is in the log (not necessarily the last
    // one: a busy machine may see a later run, e.g. a resync, that deletes nothing).
    const pool = createPool(db.url, { max: 1 });
    try {
      const { rows } = await pool.query<{ deleted: number }>(
        `SELECT (data->>'deleted')::int AS deleted FROM events
          WHERE stream_id = $1 AND type = 'ApplicationSetGenerated' ORDER BY global_position`,
        [applicationSetStream(setId)],
      );
      expect(rows.map((r) => r.deleted)).toContain(2);
      expect(rows.reduce((sum, r) => sum + r.deleted, 0)).toBe(2);
    } finally {
      await pool.end();
    }
    expect(status.applicationSet.history.edges.map((e) => e.node)).toContainEqual({
      type: 'ApplicationSetCreated',
      actor: 'alice',
    });
  }, 120_000);
});

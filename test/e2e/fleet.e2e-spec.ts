// The fleet end to end: a hub and a worker as their own processes, agents on kube-sim, a
// kubeconfig cluster probed by the worker; connectivity moves Ready → Stale → Offline → Ready
// through the worker's sweep, visible through GraphQL with its history.
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
import { randomBytes } from 'node:crypto';
import { memoryCredentialStore } from '../../apps/agent/src/credential.store';
import type { RunningAgent } from '../../apps/agent/src/agent.types';
import { startAgent } from '../../apps/agent/src/start-agent';

const FLEET = {
  HEARTBEAT_INTERVAL_SECONDS: '1',
  OFFLINE_AFTER_MISSED_HEARTBEATS: '3',
  SECRETS_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
};
const CLUSTER = `query($id: String!) { cluster(id: $id) { name mode connectivity
  facts { kubernetesVersion nodeCount } probeFailure { reason message }
  history(first: 50) { edges { node { type data } } } } }`;

interface ClusterView {
  name: string;
  mode: string;
  connectivity: string;
  facts: { kubernetesVersion: string; nodeCount: number };
  probeFailure: { reason: string; message: string } | null;
  history: { edges: { node: { type: string; data: Record<string, unknown> } }[] };
}

describe('fleet end to end (hub and worker processes, agents on kube-sim)', () => {
  let db: TestDatabase;
  let hub: HubProcess;
  let worker: AppProcess;
  let sim: KubeSim;
  let root: string;
  let token: string;
  const agents: RunningAgent[] = [];

  const cluster = async (id: string) =>
    (await hub.graphql<{ cluster: ClusterView }>(root, CLUSTER, { id })).cluster;
  const connectivityChanges = (view: ClusterView) =>
    view.history.edges
      .map((e) => e.node)
      .filter((n) => n.type === 'ClusterConnectivityChanged')
      .map((n) => n.data['to'])
      .reverse();
  const agent = (name: string, store = memoryCredentialStore()) => {
    const a = startAgent({
      hubUrl: hub.url,
      clusterName: name,
      labels: { region: 'eu-west' },
      registrationToken: () => Promise.resolve(token),
      kubeConfig: loadKubeConfig(sim.addCluster(name).kubeconfigYaml()),
      store,
    });
    agents.push(a);
    return { agent: a, store };
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e-fleet');
    [hub, worker] = await Promise.all([
      startHubProcess(db.url, FLEET),
      startWorkerProcess(db.url, {
        ...FLEET,
        SWEEP_INTERVAL_SECONDS: '1',
        PROBE_INTERVAL_SECONDS: '1',
      }),
    ]);
    sim = await startKubeSim();
    root = await userToken('root', ['flotilla:platform-admins']);
    await hub.graphql(
      root,
      'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
      {
        spec: {
          name: 'team-a',
          sourceRepos: ['*'],
          destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
          roles: [{ name: 'admin', groups: ['team-a-admins'] }],
        },
      },
    );
    const issued = await hub.graphql<{ createRegistrationToken: { value: string } }>(
      root,
      'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
      { input: { tenant: 'team-a', maxUses: 2, ttlSeconds: 600 } },
    );
    token = issued.createRegistrationToken.value;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all([hub?.stop(), worker?.stop()]);
    await sim?.close();
    await db?.drop();
  });

  it('an agent that stops heartbeating turns Stale, then Offline, and Ready again when it returns', async () => {
    const steady = agent('steady-1');
    const flaky = agent('flaky-1');
    await eventually(async () => {
      expect(steady.agent.snapshot().clusterId).toBeDefined();
      expect(flaky.agent.snapshot().clusterId).toBeDefined();
    }, 30_000);
    const flakyId = flaky.agent.snapshot().clusterId!;
    const steadyId = steady.agent.snapshot().clusterId!;
    await eventually(
      async () => expect((await cluster(flakyId)).connectivity).toBe('Ready'),
      30_000,
    );

    await flaky.agent.stop();
    await eventually(
      async () => expect((await cluster(flakyId)).connectivity).toBe('Offline'),
      30_000,
    );
    expect((await cluster(steadyId)).connectivity).toBe('Ready');

    // The same credential (no new registration: the token had two uses, both now spent).
    const back = startAgent({
      hubUrl: hub.url,
      clusterName: 'flaky-1',
      registrationToken: () => Promise.resolve(undefined),
      kubeConfig: loadKubeConfig(sim.addCluster('flaky-1b').kubeconfigYaml()),
      store: flaky.store,
    });
    agents.push(back);
    await eventually(
      async () => expect((await cluster(flakyId)).connectivity).toBe('Ready'),
      30_000,
    );
    const view = await cluster(flakyId);
    expect(connectivityChanges(view)).toEqual(
      expect.arrayContaining(['Stale', 'Offline', 'Ready']),
    );
    const order = connectivityChanges(view);
    expect(order.lastIndexOf('Ready')).toBeGreaterThan(order.indexOf('Offline'));
    expect(order.indexOf('Offline')).toBeGreaterThan(order.indexOf('Stale'));
  }, 90_000);

  it('a kubeconfig cluster is probed by the worker; an unreachable one turns Stale with the probe failure shown', async () => {
    const sims = sim.addCluster('push-1', {
      version: { major: '1', minor: '30', gitVersion: 'v1.30.1' },
      nodes: [{ name: 'n1', allocatable: { cpu: '2', memory: '8Gi' } }],
    });
    const registered = await hub.graphql<{ registerKubeconfigCluster: { id: string } }>(
      root,
      `mutation($input: RegisterKubeconfigClusterInput!) { registerKubeconfigCluster(input: $input) { id } }`,
      { input: { tenant: 'team-a', name: 'push-1', kubeconfig: sims.kubeconfigYaml() } },
    );
    const id = registered.registerKubeconfigCluster.id;
    // The worker's probes keep it Ready and pick up an upgrade.
    sims.setVersion({ major: '1', minor: '31', gitVersion: 'v1.31.0' });
    await eventually(async () => {
      const view = await cluster(id);
      expect(view).toMatchObject({
        connectivity: 'Ready',
        facts: { kubernetesVersion: 'v1.31.0' },
      });
    }, 30_000);

    sim.removeCluster('push-1');
    await eventually(async () => {
      const view = await cluster(id);
      expect(view.connectivity).not.toBe('Ready');
      expect(view.probeFailure).toMatchObject({ reason: expect.any(String) });
      expect(view.probeFailure?.message).not.toBe('');
    }, 30_000);
  }, 90_000);
});

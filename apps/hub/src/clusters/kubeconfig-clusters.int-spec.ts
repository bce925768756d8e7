import { createPool } from '@flotilla/database';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { SecretBox } from '@flotilla/secrets';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createTenants, fleetTokens } from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { kubeconfigContext } from './kubeconfig-cluster.service';

const REGISTER = `mutation($input: RegisterKubeconfigClusterInput!) {
  registerKubeconfigCluster(input: $input) { id name tenant mode labels connectivity credentialExpiresAt
    facts { kubernetesVersion nodeCount allocatableCpuMillicores agentVersion } } }`;
const DEREGISTER = `mutation($id: String!) { deregisterCluster(id: $id) { deregisteredAt } }`;

describe('kubeconfig (push-mode) clusters', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let sim: KubeSim;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const key = { id: 'k1', key: randomBytes(32) };
  const code = (res: Awaited<ReturnType<TestHub['graphql']>>) =>
    res.body.errors?.[0]?.extensions?.code ?? 'OK';

  beforeAll(async () => {
    db = await createTestDatabase('kubeconfig-clusters');
    hub = await startTestHub(db.url, { SECRETS_KEYS: `k1:${key.key.toString('base64')}` });
    pool = createPool(db.url, { max: 2 });
    sim = await startKubeSim();
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a', 'team-b']);
  });
  afterAll(async () => {
    await hub.close();
    await sim.close();
    await pool.end();
    await db.drop();
  });

  it('reads the cluster through the kubeconfig, stores it sealed outside the log, and drops it on deregistration', async () => {
    const cluster = sim.addCluster('push-1', {
      version: { major: '1', minor: '29', gitVersion: 'v1.29.8' },
      nodes: [{ name: 'n1', allocatable: { cpu: '8', memory: '32Gi' } }],
      token: 'sim-secret-token',
    });
    const kubeconfig = cluster.kubeconfigYaml();
    const res = await hub.graphql(
      REGISTER,
      { input: { tenant: 'team-a', name: 'push-1', kubeconfig, labels: { env: 'prod' } } },
      users.alice,
    );
    expect(res.body.data?.['registerKubeconfigCluster']).toMatchObject({
      name: 'push-1',
      tenant: 'team-a',
      mode: 'kubeconfig',
      labels: { env: 'prod' },
      connectivity: 'Ready',
      credentialExpiresAt: null,
      facts: {
        kubernetesVersion: 'v1.29.8',
        nodeCount: 1,
        allocatableCpuMillicores: 8000,
        agentVersion: 'push',
      },
    });
    const id = (res.body.data?.['registerKubeconfigCluster'] as { id: string }).id;
    // Sealed with the configured key, bound to the cluster, and nowhere in the log.
    const stored = await pool.query<{ sealed: string; key_id: string }>(
      'SELECT sealed, key_id FROM cluster_kubeconfigs WHERE cluster_id = $1',
      [id],
    );
    expect(stored.rows[0]?.key_id).toBe('k1');
    expect(stored.rows[0]?.sealed).not.toContain('sim-secret-token');
    expect(new SecretBox([key]).open(stored.rows[0]!.sealed, kubeconfigContext(id))).toBe(
      kubeconfig,
    );
    const log = await pool.query<{ t: string }>(
      `SELECT string_agg(data::text || metadata::text, ' ') AS t FROM events`,
    );
    expect(log.rows[0]?.t).not.toContain('sim-secret-token');

    await hub.graphql(DEREGISTER, { id }, users.alice);
    const gone = await pool.query('SELECT 1 FROM cluster_kubeconfigs WHERE cluster_id = $1', [id]);
    expect(gone.rowCount).toBe(0);
  });

  it('refuses bad kubeconfigs and unreachable clusters naming the field, and changes nothing', async () => {
    const unreachable = sim
      .addCluster('push-2', {})
      .kubeconfigYaml()
      .replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1');
    const cases: [string, RegExp][] = [
      ['{{{', /^kubeconfig: kubeconfig is not valid YAML or JSON/],
      ['apiVersion: v1\nkind: Config\n', /^kubeconfig: kubeconfig has no current-context/],
      [
        unreachable,
        /^kubeconfig: the hub could not read the cluster at http:\/\/127\.0\.0\.1:1\/.*ECONNREFUSED/,
      ],
    ];
    for (const [kubeconfig, message] of cases) {
      const res = await hub.graphql(
        REGISTER,
        { input: { tenant: 'team-a', name: 'push-2', kubeconfig } },
        users.alice,
      );
      expect(res.body.errors?.[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'kubeconfig' },
      });
      expect(res.body.errors?.[0]?.message).toMatch(message);
    }
    const count = await pool.query(
      `SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'cluster-%'`,
    );
    expect(count.rows[0].n).toBe(2); // the first test's registration and deregistration, nothing more
  });

  it('lets only those who may create clusters in the tenant register one', async () => {
    const kubeconfig = sim.addCluster('push-3', {}).kubeconfigYaml();
    const input = { tenant: 'team-a', name: 'push-3', kubeconfig };
    expect(code(await hub.graphql(REGISTER, { input }, users.mallory))).toBe('FORBIDDEN');
    expect(code(await hub.graphql(REGISTER, { input }, users.bob))).toBe('FORBIDDEN');
    expect(code(await hub.graphql(REGISTER, { input }, users.vic))).toBe('FORBIDDEN');
    expect(code(await hub.graphql(REGISTER, { input }, users.root))).toBe('OK');
    expect(code(await hub.graphql(REGISTER, { input }, users.root))).toBe('CONFLICT');
  });

  it('says how to fix a hub without SECRETS_KEYS', async () => {
    const bare = await startTestHub(db.url);
    try {
      const kubeconfig = sim.addCluster('push-4', {}).kubeconfigYaml();
      const res = await bare.graphql(
        REGISTER,
        { input: { tenant: 'team-a', name: 'push-4', kubeconfig } },
        users.root,
      );
      expect(res.body.errors?.[0]?.message).toMatch(/set SECRETS_KEYS/);
    } finally {
      await bare.close();
    }
  });
});

import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { createTestDatabase, eventually, freePort, type TestDatabase } from '@flotilla/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { StoredCredential } from './credential.store';
import { secretCredentialStore } from './secret-credential.store';
import type { RunningAgent } from './agent.types';
import { startAgent } from './start-agent';

// The hub runs as its own process from source: an app may not import another app, and this is
// how the agent meets it in production anyway (over HTTP).
const root = join(__dirname, '../../..');
const SECRET = 'agent-test-secret-0123456789abcdefghijkl';
const DAY_MS = 24 * 3600_000;

describe('agent against a real hub and a simulated cluster', () => {
  let db: TestDatabase;
  let hubProcess: ChildProcess;
  let hubUrl: string;
  let hubLog = '';
  let sim: KubeSim;
  let cluster: SimCluster;
  let root_: string;
  let token: string;
  const registerCalls: string[] = [];
  const running: RunningAgent[] = [];

  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${hubUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${root_}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data ?? {};
  };
  /** fetch that records registrations: a second one would show the agent registered again. */
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input).endsWith('/register')) registerCalls.push(String(input));
    return fetch(input, init);
  };
  const kubeConfig = () => loadKubeConfig(cluster.kubeconfigYaml());
  const store = () => secretCredentialStore(kubeConfig(), 'default', 'flotilla-agent-credential');
  const agent = (now?: () => number) => {
    const a = startAgent({
      hubUrl,
      clusterName: 'east-1',
      labels: { region: 'eu-west' },
      registrationToken: () => Promise.resolve(token),
      kubeConfig: kubeConfig(),
      store: store(),
      fetch: countingFetch,
      ...(now ? { now } : {}),
    });
    running.push(a);
    return a;
  };
  const storedSecret = (): StoredCredential => {
    const data = cluster.get(
      { apiVersion: 'v1', kind: 'Secret' },
      'default',
      'flotilla-agent-credential',
    )?.['data'] as Record<string, string>;
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    ) as unknown as StoredCredential;
  };

  beforeAll(async () => {
    db = await createTestDatabase('agent');
    const port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    hubProcess = spawn(
      process.execPath,
      ['-r', '@swc-node/register', '-r', 'reflect-metadata', 'apps/hub/src/main.ts'],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          SWC_NODE_PROJECT: 'tsconfig.json',
          DATABASE_URL: db.url,
          ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
          AUTH_JWT_SECRET: SECRET,
          PORT: String(port),
          HOST: '127.0.0.1',
          MIGRATE_ON_START: 'false',
          HEARTBEAT_INTERVAL_SECONDS: '1',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    hubProcess.stdout?.on('data', (c: Buffer) => (hubLog += c.toString()));
    hubProcess.stderr?.on('data', (c: Buffer) => (hubLog += c.toString()));
    await eventually(
      async () => {
        if (hubProcess.exitCode !== null) throw new Error(`hub exited: ${hubLog}`);
        const res = await fetch(`${hubUrl}/readyz`);
        if (!res.ok) throw new Error(`readyz ${res.status}`);
      },
      45_000,
      200,
    );
    root_ = await new SignJWT({ groups: ['flotilla:platform-admins'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('root')
      .setAudience('flotilla')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    await graphql('mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }', {
      spec: {
        name: 'team-a',
        sourceRepos: ['https://github.com/team-a/*'],
        destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
        roles: [{ name: 'admin', groups: ['team-a-admins'] }],
      },
    });
    const issued = await graphql(
      'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
      { input: { tenant: 'team-a', maxUses: 1, ttlSeconds: 3600 } },
    );
    token = (issued['createRegistrationToken'] as { value: string }).value;
    sim = await startKubeSim();
    cluster = sim.addCluster('east-1', {
      version: { major: '1', minor: '29', gitVersion: 'v1.29.3' },
      nodes: [
        { name: 'n1', allocatable: { cpu: '4', memory: '16Gi' } },
        { name: 'n2', allocatable: { cpu: '4', memory: '16Gi' } },
      ],
    });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
  });

  afterAll(async () => {
    hubProcess?.kill('SIGTERM');
    await sim?.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await db?.drop();
  });

  const clusterFacts = async (id: string) =>
    (
      await graphql(
        'query($id: String!) { cluster(id: $id) { connectivity facts { kubernetesVersion nodeCount } } }',
        { id },
      )
    )['cluster'] as {
      connectivity: string;
      facts: { kubernetesVersion: string; nodeCount: number };
    };

  it('registers once, storing the credential in a Secret; a restart reuses it', async () => {
    const first = agent();
    await eventually(() =>
      expect(first.snapshot()).toMatchObject({ phase: 'running', registered: true }),
    );
    const id = first.snapshot().clusterId ?? '';
    // Registering may take a retry (a slow answer under load), never a second cluster.
    const registrations = registerCalls.length;
    expect(storedSecret()).toMatchObject({
      clusterId: id,
      credential: expect.stringMatching(/^flt_cls_/),
    });
    expect((await clusterFacts(id)).facts).toEqual({ kubernetesVersion: 'v1.29.3', nodeCount: 2 });
    await first.stop();

    // The token had one use: only the stored credential can bring this agent back.
    const restarted = agent();
    await eventually(() => expect(restarted.snapshot().heartbeats).toBeGreaterThanOrEqual(2));
    expect(restarted.snapshot()).toMatchObject({ clusterId: id, registered: false, failures: 0 });
    // Delivery speaks the real hub's protocol: its (empty) desired state is held and applied.
    await eventually(() =>
      expect(restarted.snapshot()).toMatchObject({
        desiredRevision: expect.any(String) as string,
        appliedRevision: restarted.snapshot().desiredRevision,
        applications: 0,
        deliveryErrors: 0,
      }),
    );
    expect(registerCalls).toHaveLength(registrations);
  });

  it('reports the facts it reads on every heartbeat (an upgrade shows on the hub)', async () => {
    const a = agent();
    await eventually(() => expect(a.snapshot().heartbeats).toBeGreaterThanOrEqual(1));
    cluster.setVersion({ major: '1', minor: '30', gitVersion: 'v1.30.2' });
    const id = a.snapshot().clusterId ?? '';
    await eventually(async () =>
      expect((await clusterFacts(id)).facts.kubernetesVersion).toBe('v1.30.2'),
    );
  });

  it('rotates its credential near expiry, storing it before use', async () => {
    const before = storedSecret();
    // 25 of 30 days gone: less than a fifth of the lifetime is left.
    const a = agent(() => Date.now() + 25 * DAY_MS);
    await eventually(() => expect(a.snapshot().rotations).toBe(1));
    const after = storedSecret();
    expect(after.credential).not.toBe(before.credential);
    expect(after.clusterId).toBe(before.clusterId);
    const beats = a.snapshot().heartbeats;
    await eventually(() => expect(a.snapshot().heartbeats).toBeGreaterThanOrEqual(beats + 2));
    // The new credential counts its lifetime from its receipt: no rotation on every beat.
    expect(a.snapshot()).toMatchObject({ rotations: 1, phase: 'running' });
  });

  it('after deregistration gets 401, says so, and does not register again', async () => {
    const a = agent();
    await eventually(() => expect(a.snapshot().phase).toBe('running'));
    const registrations = registerCalls.length;
    await graphql('mutation($id: String!) { deregisterCluster(id: $id, reason: "gone") { id } }', {
      id: a.snapshot().clusterId,
    });
    await eventually(() => expect(a.snapshot().phase).toBe('unauthenticated'));
    expect(a.snapshot().lastError).toMatch(/401 UNAUTHENTICATED.*will not register again/);
    expect(registerCalls).toHaveLength(registrations);
  });
});

// Postgres and Redis outages end to end: a hub and a worker as their own processes, one of them
// reaching Postgres or Redis through a TCP proxy that the test cuts and restores (the machine's
// real services are shared and never stopped). Nothing restarts: each process recovers by itself.
import {
  createTestDatabase,
  eventually,
  serverUrl,
  startHubProcess,
  startTcpProxy,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubProcess,
  type TcpProxy,
  type TestDatabase,
} from '@flotilla/testing';
import { Pool } from 'pg';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TENANT = {
  sourceRepos: ['https://github.com/team-a/*'],
  destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
  roles: [{ name: 'admin', groups: ['team-a-admins'] }],
};
const manifest = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  generators:
    - list:
        elements:
          - env: a
          - env: b
  template:
    metadata:
      name: '${name}-{{env}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/team-a/shop
        targetRevision: main
        path: '{{env}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: ${name}
`;

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

function proxyFor(url: string): Promise<TcpProxy> {
  const parsed = new URL(url);
  return startTcpProxy({
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)),
  });
}

describe('outages of Postgres and Redis (hub and worker processes through a cut proxy)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let root: string;
  const running: AppProcess[] = [];
  const proxies: TcpProxy[] = [];
  let tenants = 0;

  const post = async (hub: HubProcess, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${root}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphqlAnswer;
  };
  const readyz = async (hub: HubProcess) => {
    const res = await fetch(`${hub.url}/readyz`).catch((error: Error) => {
      // A hub that died says why in its output.
      throw new Error(
        `${error.message}; hub exit ${hub.child.exitCode}:\n${hub.output().slice(-4000)}`,
      );
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const createTenant = (hub: HubProcess) =>
    post(hub, 'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }', {
      spec: { ...TENANT, name: `team-${++tenants}` },
    });
  const createSet = (hub: HubProcess, tenant: string, name: string) =>
    post(
      hub,
      'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
      { tenant, manifest: manifest(name) },
    );
  /** How many times a generation of ApplicationSet `id` was recorded (done or refused). */
  const generations = async (id: string) => {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM events WHERE stream_id = $1
          AND type IN ('ApplicationSetGenerated', 'ApplicationSetGenerationFailed')`,
      [`applicationset-${id}`],
    );
    return Number(rows[0]?.n);
  };
  const start = async <P extends AppProcess>(app: Promise<P>): Promise<P> => {
    const started = await app;
    running.push(started);
    return started;
  };
  const proxy = async (url: string) => {
    const started = await proxyFor(url);
    proxies.push(started);
    return started;
  };
  const linesMatching = (app: AppProcess, pattern: RegExp) =>
    app
      .output()
      .split('\n')
      .filter((line) => pattern.test(line)).length;

  beforeAll(async () => {
    db = await createTestDatabase('e2e-outages');
    pool = new Pool({ connectionString: db.url, max: 2 });
    root = await userToken('root', ['flotilla:platform-admins']);
  });

  afterEach(async () => {
    for (const app of running.splice(0)) await app.stop();
    for (const p of proxies.splice(0)) await p.close();
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('hub, Postgres cut: readyz 503 and GraphQL UNAVAILABLE naming the database, one warning, then it recovers by itself', async () => {
    const postgres = await proxy(serverUrl());
    const hub = await start(startHubProcess(postgres.url(db.url)));
    expect(await createTenant(hub)).toEqual({ data: { createTenant: { name: 'team-1' } } });

    await postgres.cut();
    await eventually(async () => {
      const ready = await readyz(hub);
      expect(ready.status).toBe(503);
      expect(ready.body['postgres']).toMatch(/^down: /);
      expect(ready.body['redis']).toBe('ok');
    });
    for (let i = 0; i < 10; i++) {
      const answer = await post(hub, '{ clusters(first: 1) { totalCount } }');
      expect(answer.errors?.[0]).toMatchObject({
        message: 'the database (Postgres) is unavailable; try again shortly',
        extensions: { code: 'UNAVAILABLE' },
      });
    }
    const endpoint = `127.0.0.1:${postgres.port}`;
    expect(hub.output()).toMatch(
      new RegExp(`Postgres at ${endpoint} (refused|closed) the connection`),
    );
    // Twelve failed requests (and the reconnecting listeners), not twelve warnings.
    expect(linesMatching(hub, /"service":"Postgres"/)).toBeLessThanOrEqual(2);
    expect(hub.output()).not.toMatch(/"msg":"GraphQL request failed"|ExceptionsHandler/);

    await postgres.restore();
    await eventually(async () => expect((await readyz(hub)).status).toBe(200), 30_000, 200);
    expect(await post(hub, '{ clusters(first: 1) { totalCount } }')).toEqual({
      data: { clusters: { totalCount: 0 } },
    });
    expect(await createTenant(hub)).toEqual({ data: { createTenant: { name: 'team-2' } } });
    expect(hub.output()).toContain(`Postgres at ${endpoint} is reachable again`);
  });

  it('hub, Redis cut: readyz 503, mutations still acknowledged, and their work done by the worker', async () => {
    const redis = await proxy(REDIS_URL);
    const [hub] = await Promise.all([
      start(startHubProcess(db.url, { REDIS_URL: redis.url(REDIS_URL) })),
      start(startWorkerProcess(db.url)),
    ]);
    await redis.cut();
    await eventually(async () => {
      const ready = await readyz(hub);
      expect(ready.status).toBe(503);
      expect(ready.body['redis']).toMatch(/^down: /);
      expect(ready.body['postgres']).toBe('ok');
    });
    // Policy is read from Postgres while Redis is away; the events are durable in Postgres.
    const tenant = await createTenant(hub);
    expect(tenant.errors).toBeUndefined();
    const name = (tenant.data?.['createTenant'] as { name: string }).name;
    const set = await eventually(
      async () => {
        const answer = await createSet(hub, name, 'during-redis-outage');
        expect(answer.errors).toBeUndefined();
        return (answer.data?.['createApplicationSet'] as { id: string }).id;
      },
      20_000,
      200,
    );
    await eventually(async () => expect(await generations(set)).toBe(1), 30_000, 200);
    expect(hub.output()).toContain(`Redis at 127.0.0.1:${redis.port}`);

    await redis.restore();
    await eventually(async () => expect((await readyz(hub)).status).toBe(200), 30_000, 200);
  });

  it('worker, Redis cut mid-work: it keeps running, and work acknowledged during the outage completes once Redis is back', async () => {
    const redis = await proxy(REDIS_URL);
    const [hub, worker] = await Promise.all([
      start(startHubProcess(db.url)),
      start(startWorkerProcess(db.url, { REDIS_URL: redis.url(REDIS_URL) })),
    ]);
    const tenant = await createTenant(hub);
    const name = (tenant.data?.['createTenant'] as { name: string }).name;
    const before = await eventually(
      async () => {
        const answer = await createSet(hub, name, 'before-outage');
        expect(answer.errors).toBeUndefined();
        return (answer.data?.['createApplicationSet'] as { id: string }).id;
      },
      20_000,
      200,
    );

    await redis.cut();
    const during = await createSet(hub, name, 'during-outage');
    expect(during.errors).toBeUndefined();
    const duringId = (during.data?.['createApplicationSet'] as { id: string }).id;
    await worker.waitForOutput(/"service":"Redis"/);
    expect(worker.child.exitCode).toBeNull();
    expect(await generations(duringId)).toBe(0);

    await redis.restore();
    await eventually(
      async () => {
        expect(await generations(before)).toBe(1);
        expect(await generations(duringId)).toBe(1);
      },
      45_000,
      200,
    );
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).toContain(`Redis at 127.0.0.1:${redis.port} is reachable again`);
    expect(linesMatching(worker, /"service":"Redis"/)).toBeLessThanOrEqual(4);
  });

  it('worker, Postgres cut: it keeps running, and its projections catch up once Postgres is back', async () => {
    const postgres = await proxy(serverUrl());
    const [hub, worker] = await Promise.all([
      start(startHubProcess(db.url)),
      start(startWorkerProcess(postgres.url(db.url))),
    ]);
    const tenant = await createTenant(hub);
    const name = (tenant.data?.['createTenant'] as { name: string }).name;
    await eventually(
      async () => {
        const answer = await createSet(hub, name, 'warm-up');
        expect(answer.errors).toBeUndefined();
      },
      20_000,
      200,
    );

    await postgres.cut();
    // The hub reaches Postgres directly: the write is acknowledged, the worker cannot see it yet.
    const answer = await createSet(hub, name, 'while-worker-cut-off');
    expect(answer.errors).toBeUndefined();
    const id = (answer.data?.['createApplicationSet'] as { id: string }).id;
    await worker.waitForOutput(/Postgres at 127\.0\.0\.1:\d+ (refused|closed) the connection/);
    expect(worker.child.exitCode).toBeNull();
    expect(await generations(id)).toBe(0);

    await postgres.restore();
    await eventually(async () => expect(await generations(id)).toBe(1), 45_000, 200);
    await eventually(
      async () => {
        const behind = await pool.query(
          `SELECT name FROM projection_checkpoints
          WHERE position < (SELECT max(global_position) FROM events) AND name NOT LIKE '%:rebuild'`,
        );
        expect(behind.rows).toEqual([]);
      },
      20_000,
      200,
    );
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).toMatch(/Postgres at 127\.0\.0\.1:\d+ is reachable again/);
  });
});

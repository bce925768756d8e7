// SIGTERM end to end: a hub and workers as their own processes. The hub refuses new connections,
// answers agents' long-polls at once, closes subscriptions with 1001 and finishes the request in
// flight before it exits 0; a worker finishes its active job before it exits 0, and one whose job
// outlasts SHUTDOWN_TIMEOUT_SECONDS exits 1 and leaves the job to another worker, whole.
// "Slow" is made with real Postgres locks held by the test, never with sleeps or fakes.
import { queuePrefix, QUEUES } from '@flotilla/contracts';
import { databaseIdentity } from '@flotilla/inventory';
import { clustersProjection } from '@flotilla/projections';
import {
  createTestDatabase,
  eventually,
  startHubProcess,
  startWorkerProcess,
  userToken,
  type HubProcess,
  type TestDatabase,
} from '@flotilla/testing';
import { Queue } from 'bullmq';
import { connect } from 'node:net';
import { Client, Pool } from 'pg';
import WebSocket from 'ws';
import { FACTS } from '../../apps/hub/src/testing/fleet-fixture';

// Registrations asked while the hub is still loading answer 503 and count as failures.
const HUB_ENV = { REGISTER_FAILURES_PER_MINUTE: '10000' };
const TENANT = {
  name: 'team-a',
  sourceRepos: ['https://github.com/team-a/*'],
  destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
  roles: [{ name: 'admin', groups: ['team-a-admins'] }],
};
const manifest = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
    - clusters: {}
  template:
    metadata:
      name: '${name}-{{.name}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/team-a/shop
        targetRevision: main
        path: web
      destination:
        server: '{{.server}}'
        namespace: ${name}
`;

/** Whether a new TCP connection to `port` is refused (fetch could reuse a pooled one). */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** An open transaction of the test's own, holding a lock until it ends. */
async function holdLock(
  url: string,
  ...statements: string[]
): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: url, application_name: 'test-lock' });
  await client.connect();
  await client.query('BEGIN');
  for (const statement of statements) await client.query(statement);
  return {
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Sessions of `application` waiting for a lock in database `name`. */
async function waitingOnLocks(pool: Pool, name: string, application: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = $1 AND application_name = $2 AND wait_event_type = 'Lock'`,
    [name, application],
  );
  return Number(rows[0]?.n ?? 0);
}

describe('SIGTERM (hub and worker processes)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let root: string;

  const createTenant = (hub: HubProcess, name: string) =>
    fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${root}` },
      body: JSON.stringify({
        query: 'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
        variables: { spec: { ...TENANT, name } },
      }),
    }).then((res) => res.json() as Promise<{ data?: unknown; errors?: unknown[] }>);

  // 503 while the hub's fleet runtime is still loading: asked again, as an agent would.
  const register = (hub: HubProcess, token: string, name: string) =>
    eventually(
      async () => {
        const res = await fetch(`${hub.url}/api/agent/v1/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, name, facts: FACTS }),
        });
        if (!res.ok) throw new Error(`register: ${res.status} ${await res.text()}`);
        return (await res.json()) as { clusterId: string; credential: string };
      },
      20_000,
      200,
    );

  beforeAll(async () => {
    db = await createTestDatabase('e2e-shutdown');
    pool = new Pool({ connectionString: db.url, max: 2 });
    root = await userToken('root', ['flotilla:platform-admins']);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('the hub refuses new connections, answers long-polls and subscriptions at once, finishes the request in flight, then exits 0', async () => {
    // The worker keeps the read models (registration tokens among them) current.
    const [hub, worker] = await Promise.all([
      startHubProcess(db.url, HUB_ENV),
      startWorkerProcess(db.url),
    ]);
    try {
      expect(await createTenant(hub, 'team-a')).toEqual({
        data: { createTenant: { name: 'team-a' } },
      });
      const issued = await hub.graphql<{ createRegistrationToken: { value: string } }>(
        root,
        'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
        { input: { tenant: 'team-a', maxUses: 1, ttlSeconds: 600 } },
      );
      const agent = await register(hub, issued.createRegistrationToken.value, 'eu-1');
      const desired = (query: string) =>
        fetch(`${hub.url}/api/agent/v1/desired?${query}`, {
          headers: { authorization: `Bearer ${agent.credential}` },
        });
      const first = (await (await desired('waitSeconds=0')).json()) as { revision: string };
      // An agent that holds the current revision waits for news (up to a minute).
      const longPoll = desired(`revision=${first.revision}&waitSeconds=60`);

      // A console's subscription over graphql-ws.
      const socket = new WebSocket(
        `${hub.url.replace('http', 'ws')}/graphql`,
        'graphql-transport-ws',
      );
      const closed = new Promise<number>((resolve) =>
        socket.once('close', (code) => resolve(code)),
      );
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () =>
          socket.send(
            JSON.stringify({
              type: 'connection_init',
              payload: { authorization: `Bearer ${root}` },
            }),
          ),
        );
        socket.on('message', (raw: Buffer) => {
          if ((JSON.parse(raw.toString()) as { type: string }).type !== 'connection_ack') return;
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: 'subscription { clusterChanged { __typename } }' },
            }),
          );
          resolve();
        });
        socket.once('error', reject);
      });

      // A mutation held in flight: its append waits for the test's lock on the events table.
      const lock = await holdLock(db.url, 'LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE');
      const mutation = createTenant(hub, 'team-b');
      await eventually(
        async () => expect(await waitingOnLocks(pool, db.name, 'flotilla-hub')).toBeGreaterThan(0),
        20_000,
      );

      hub.child.kill('SIGTERM');
      await hub.waitForOutput(/hub stopping/);
      // While the mutation is still held: the long-poll answered "nothing new", the subscription
      // closed with 1001 (going away), new connections refused, the process still up.
      expect((await longPoll).status).toBe(304);
      expect(await closed).toBe(1001);
      expect(await refuses(Number(new URL(hub.url).port))).toBe(true);
      expect(hub.child.exitCode).toBeNull();

      await lock.release();
      expect(await mutation).toEqual({ data: { createTenant: { name: 'team-b' } } });
      expect(await hub.exited).toBe(0);
      expect(hub.output()).toMatch(/"msg":"hub stopped"/);
      const { rows } = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM events WHERE type = 'TenantCreated'",
      );
      expect(Number(rows[0]?.n)).toBe(2);
    } finally {
      await hub.stop('SIGKILL');
      await worker.stop();
    }
  });

  describe('workers', () => {
    let hub: HubProcess;
    let alice: string;
    let queue: Queue;

    const createSet = async (name: string) =>
      (
        await hub.graphql<{ createApplicationSet: { id: string } }>(
          alice,
          'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
          { tenant: 'team-a', manifest: manifest(name) },
        )
      ).createApplicationSet.id;
    const activeGeneration = async () => {
      const jobs = await queue.getJobs(['active']);
      const job = jobs.find((j) => j.name === 'generate-appset');
      if (!job) throw new Error('no generation job is active yet');
      return job;
    };
    /** The events of ApplicationSet `setId` (named `name`) and of its Applications, by type. */
    const generationEvents = async (setId: string, name: string) => {
      const { rows } = await pool.query<{ type: string; n: string }>(
        `SELECT type, count(*) AS n FROM events
          WHERE stream_id = 'applicationset-' || $1
             OR (stream_id LIKE 'application-%' AND data->>'name' LIKE $2 || '-%')
          GROUP BY type`,
        [setId, name],
      );
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    };
    /** One generation, whole: one Application per registered cluster, recorded once. */
    const generatedOnce = async () => {
      const { rows } = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM events WHERE type = 'ClusterRegistered'",
      );
      const clusters = Number(rows[0]?.n);
      expect(clusters).toBeGreaterThanOrEqual(2);
      return { ApplicationSetCreated: 1, ApplicationCreated: clusters, ApplicationSetGenerated: 1 };
    };

    beforeAll(async () => {
      // A worker of the set-up only: it brings the read models to the tenant and the clusters.
      const setup = await startWorkerProcess(db.url);
      hub = await startHubProcess(db.url, HUB_ENV);
      alice = await userToken('alice', ['team-a-admins']);
      await createTenant(hub, 'team-a'); // or it is there already (CONFLICT)
      const issued = await eventually(
        () =>
          hub.graphql<{ createRegistrationToken: { value: string } }>(
            root,
            'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
            { input: { tenant: 'team-a', maxUses: 2, ttlSeconds: 600 } },
          ),
        20_000,
        200,
      );
      await register(hub, issued.createRegistrationToken.value, 'us-1');
      await register(hub, issued.createRegistrationToken.value, 'us-2');
      await eventually(
        async () => {
          const { rows } = await pool.query(
            'SELECT 1 FROM projection_checkpoints WHERE position < (SELECT max(global_position) FROM events)',
          );
          expect(rows).toEqual([]);
        },
        20_000,
        200,
      );
      await setup.stop();
      queue = new Queue(QUEUES.appsetGeneration, {
        connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
        prefix: queuePrefix(await databaseIdentity(pool)),
      });
    }, 90_000);

    afterAll(async () => {
      await queue?.close();
      await hub?.stop();
    });

    it('a worker finishes its active job, then exits 0', async () => {
      const worker = await startWorkerProcess(db.url);
      try {
        // The job waits for the read models it plans from; the test holds the clusters one back
        // (the hub's write does not wait for that one).
        const lock = await holdLock(
          db.url,
          `SELECT 1 FROM projection_checkpoints WHERE name = '${clustersProjection.name}' FOR UPDATE`,
        );
        const setId = await createSet('web');
        const job = await eventually(activeGeneration, 30_000);

        worker.child.kill('SIGTERM');
        await worker.waitForOutput(/worker stopping/);
        expect(worker.child.exitCode).toBeNull();
        await lock.release();

        expect(await worker.exited).toBe(0);
        expect(worker.output()).toMatch(/"msg":"worker stopped"/);
        expect(await job.getState()).toBe('completed');
        expect(await generationEvents(setId, 'web')).toEqual(await generatedOnce());
      } finally {
        await worker.stop('SIGKILL');
      }
    });

    it('a job that outlasts SHUTDOWN_TIMEOUT_SECONDS is left whole to another worker (exit 1)', async () => {
      const env = { SHUTDOWN_TIMEOUT_SECONDS: '1', JOB_LOCK_SECONDS: '2' };
      const first = await startWorkerProcess(db.url, env);
      let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
      try {
        const lock = await holdLock(
          db.url,
          `SELECT 1 FROM projection_checkpoints WHERE name = '${clustersProjection.name}' FOR UPDATE`,
        );
        const setId = await createSet('api');
        const job = await eventually(activeGeneration, 30_000);
        first.child.kill('SIGTERM');
        expect(await first.exited).toBe(1);
        expect(first.output()).toMatch(/did not finish its jobs within SHUTDOWN_TIMEOUT_SECONDS/);
        // Nothing of the interrupted run was written.
        expect(await generationEvents(setId, 'api')).toEqual({ ApplicationSetCreated: 1 });

        second = await startWorkerProcess(db.url, env);
        await lock.release();
        // Once the first worker's lock lapses, the second takes the job over and runs it whole.
        await eventually(async () => expect(await job.getState()).toBe('completed'), 45_000);
        expect(await generationEvents(setId, 'api')).toEqual(await generatedOnce());
      } finally {
        await first.stop('SIGKILL');
        await second?.stop();
      }
    });
  });
});

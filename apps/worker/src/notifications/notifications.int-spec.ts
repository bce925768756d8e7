import { QUEUES } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import {
  deliveryStream,
  notificationRuleStream,
  type NotificationRuleSpec,
} from '@flotilla/domain';
import { EventStore } from '@flotilla/event-store';
import {
  endpointDigest,
  maskEndpoint,
  NOTIFICATION_HEADERS,
  NotificationSecretStore,
  verifyNotification,
} from '@flotilla/notifications';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { SecretBox, type SecretKey } from '@flotilla/secrets';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { AppsetFleet, manifest } from '../appsets/appset.fixture';
import { flushDatabaseKeys, runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';

const A = 'team-a';
const B = 'team-b';
const KEY: SecretKey = { id: 'k1', key: randomBytes(32) };
const ACTOR = { actor: 'user:alice', correlationId: 'test' };

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A receiving endpoint: records every request, and answers with `answer` (a status), after
 * `delayMs`, or never (`hang`: the request stays open until the endpoint closes).
 */
class Endpoint {
  readonly received: Received[] = [];
  open = 0;
  maxOpen = 0;
  private readonly server: http.Server;
  private readonly held = new Set<http.ServerResponse>();

  constructor(private readonly behaviour: { status?: number; delayMs?: number; hang?: boolean }) {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        this.open++;
        this.maxOpen = Math.max(this.maxOpen, this.open);
        res.on('close', () => this.open--);
        if (this.behaviour.hang) {
          this.held.add(res);
          return;
        }
        setTimeout(() => {
          const status = this.behaviour.status ?? 200;
          res.writeHead(status).end(status >= 400 ? 'boom' : 'ok');
        }, this.behaviour.delayMs ?? 0);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  bodies(): Record<string, unknown>[] {
    return this.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

interface DeliveryRow {
  rule_id: string;
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}

describe('notifications (worker, real Postgres, Redis and HTTP endpoints)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  let secrets: NotificationSecretStore;
  const endpoints: Endpoint[] = [];
  let setId: string;
  let apps: Map<string, string>;

  const start = () =>
    createWorker(
      testWorkerConfig(db.url, {
        SECRETS_KEYS: `${KEY.id}:${KEY.key.toString('base64')}`,
        NOTIFY_ALLOW_PRIVATE_NETWORKS: 'true',
        NOTIFY_TIMEOUT_SECONDS: '2',
        NOTIFY_BACKOFF_SECONDS: '1',
        NOTIFY_MAX_ATTEMPTS: '3',
        NOTIFY_ENDPOINT_CONCURRENCY: '2',
      }),
    );
  const endpoint = async (behaviour: ConstructorParameters<typeof Endpoint>[0] = {}) => {
    const e = await new Endpoint(behaviour).start();
    endpoints.push(e);
    return e;
  };
  const rule = async (
    tenant: string,
    spec: Partial<NotificationRuleSpec> & { url: string },
    kind: 'Webhook' | 'Slack' = 'Webhook',
  ): Promise<{ id: string; secret: string }> => {
    const id = randomUUID();
    const secret = randomBytes(24).toString('base64url');
    const { url, ...rest } = spec;
    const data: NotificationRuleSpec = {
      name: `rule-${id.slice(0, 8)}`,
      eventTypes: ['ApplicationStatusChanged'],
      clusterSelector: null,
      applicationSets: [],
      health: [],
      target: { kind, url: maskEndpoint(url), urlSha256: endpointDigest(url) },
      ...rest,
    };
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await secrets.put(id, tenant, { secret, url }, client);
      await store.append(
        notificationRuleStream(id),
        'no_stream',
        [{ type: 'NotificationRuleCreated', data: { tenant, ...data } }],
        { ...ACTOR, tenantId: tenant },
        { client },
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return { id, secret };
  };
  const status = async (cluster: string, health: 'Healthy' | 'Degraded', message = '') => {
    const appId = apps.get(cluster)!;
    const stream = deliveryStream(appId);
    const version = (await store.readStream(stream)).length;
    await store.append(
      stream,
      version,
      [
        {
          type: 'ApplicationStatusChanged',
          data: {
            clusterId: cluster,
            commit: null,
            bundleId: null,
            sync: 'Synced',
            health,
            message,
            resourceCount: 1,
            problems: [],
            observedAt: new Date().toISOString(),
            reporter: 'agent',
          },
        },
      ],
      { actor: `agent:${cluster}`, correlationId: 'test', tenantId: A },
    );
  };
  const deliveries = async (ruleId: string): Promise<DeliveryRow[]> =>
    (
      await pool.query<DeliveryRow>(
        `SELECT rule_id, state, attempts, last_status, last_error FROM notification_deliveries
          WHERE rule_id = $1 ORDER BY global_position`,
        [ruleId],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase('notifications');
    pool = createPool(db.url, { max: 4 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    fleet = new AppsetFleet(pool, store);
    secrets = new NotificationSecretStore(pool, new SecretBox([KEY]));
    worker = await start();
    await fleet.tenant(A);
    await fleet.tenant(B);
    await fleet.cluster(A, 'prod-1', { env: 'prod' });
    await fleet.cluster(A, 'dev-1', { env: 'dev' });
    await fleet.cluster(B, 'prod-9', { env: 'prod' });
    setId = await fleet.createSet(
      A,
      manifest('web', [{ clusters: {} }], {
        appName: 'web-{{.name}}',
        path: 'web',
        destination: { server: '{{.server}}', namespace: 'web' },
      }),
    );
    await eventually(async () => {
      expect(await fleet.applications(setId)).toHaveLength(2);
    }, 20_000);
    apps = new Map((await fleet.applications(setId)).map((a) => [a.cluster_id, a.id]));
  });
  afterAll(async () => {
    await worker.stop();
    for (const e of endpoints) await e.close();
    await pool.end();
    await db.drop();
  });

  it('sends what a rule selects, signed, naming the Application and cluster, and nothing else', async () => {
    const hook = await endpoint();
    const { id, secret } = await rule(A, {
      url: hook.url,
      health: ['Degraded'],
      clusterSelector: { matchLabels: { env: 'prod' } },
    });
    await status(`${A}-prod-1`, 'Healthy');
    await status(`${A}-dev-1`, 'Degraded');
    await status(`${A}-prod-1`, 'Degraded', 'Deployment web: 0/3 ready');
    await eventually(async () => {
      expect(await deliveries(id)).toMatchObject([{ state: 'Delivered', attempts: 1 }]);
    }, 20_000);
    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    expect(
      verifyNotification(
        secret,
        {
          timestamp: request!.headers[NOTIFICATION_HEADERS.timestamp] as string,
          signature: request!.headers[NOTIFICATION_HEADERS.signature] as string,
        },
        request!.body,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    expect(request!.headers[NOTIFICATION_HEADERS.event]).toBe('ApplicationStatusChanged');
    expect(hook.bodies()[0]).toMatchObject({
      tenant: A,
      summary: `Application web-prod-1 on cluster prod-1 is Degraded and Synced: Deployment web: 0/3 ready`,
      subject: {
        cluster: { id: `${A}-prod-1`, name: 'prod-1', labels: { env: 'prod' } },
        applicationSet: { id: setId, name: 'web' },
        application: { name: 'web-prod-1' },
      },
      event: { type: 'ApplicationStatusChanged', actor: `agent:${A}-prod-1` },
    });
  });

  it('sends Slack-compatible bodies to a Slack target', async () => {
    const slack = await endpoint();
    const { id } = await rule(A, { url: slack.url, eventTypes: ['ClusterLabelsChanged'] }, 'Slack');
    await fleet.clusterEvent(`${A}-dev-1`, A, {
      type: 'ClusterLabelsChanged',
      data: { labels: { env: 'dev', tier: 'gold' } },
    });
    await eventually(async () => {
      expect(await deliveries(id)).toMatchObject([{ state: 'Delivered' }]);
    }, 20_000);
    expect(slack.bodies()[0]).toMatchObject({
      text: 'ClusterLabelsChanged on cluster dev-1',
      blocks: [{ type: 'section' }, { type: 'context' }],
    });
  });

  it("never sends another tenant's events, and not those before the rule existed", async () => {
    const hook = await endpoint();
    await fleet.clusterEvent(`${A}-prod-1`, A, {
      type: 'ClusterLabelsChanged',
      data: { labels: { env: 'prod', before: 'rule' } },
    });
    const { id } = await rule(A, { url: hook.url, eventTypes: ['ClusterLabelsChanged'] });
    await fleet.clusterEvent(`${B}-prod-9`, B, {
      type: 'ClusterLabelsChanged',
      data: { labels: { env: 'prod', tenant: 'b' } },
    });
    await fleet.clusterEvent(`${A}-prod-1`, A, {
      type: 'ClusterLabelsChanged',
      data: { labels: { env: 'prod', after: 'rule' } },
    });
    await eventually(async () => {
      expect(await deliveries(id)).toMatchObject([{ state: 'Delivered' }]);
    }, 20_000);
    // The B event was written before the last A event: dispatched (and skipped) before it.
    expect(
      hook.bodies().map((b) => (b['subject'] as { cluster: { id: string } }).cluster.id),
    ).toEqual([`${A}-prod-1`]);
    expect(hook.bodies()[0]).toMatchObject({ event: { data: { labels: { after: 'rule' } } } });
  });

  it('retries a failing endpoint with backoff, then records it Failed with the last error; a 404 fails at once', async () => {
    const failing = await endpoint({ status: 500 });
    const gone = await endpoint({ status: 404 });
    const bad = await rule(A, {
      url: failing.url,
      clusterSelector: { matchLabels: { env: 'dev' } },
    });
    const missing = await rule(A, {
      url: gone.url,
      clusterSelector: { matchLabels: { env: 'dev' } },
    });
    await status(`${A}-dev-1`, 'Healthy');
    await eventually(async () => {
      expect(await deliveries(bad.id)).toMatchObject([
        { state: 'Failed', attempts: 3, last_status: 500, last_error: 'HTTP 500: boom' },
      ]);
      expect(await deliveries(missing.id)).toMatchObject([
        { state: 'Failed', attempts: 1, last_status: 404, last_error: 'HTTP 404: boom' },
      ]);
    }, 30_000);
    expect(failing.received).toHaveLength(3);
    expect(gone.received).toHaveLength(1);
  });

  it('a hanging and a slow endpoint hold up nothing else', async () => {
    const hanging = await endpoint({ hang: true });
    const slow = await endpoint({ delayMs: 1_500 });
    const good = await endpoint();
    const selector = { clusterSelector: { matchLabels: { env: 'prod' } } };
    const hang = await rule(A, { url: hanging.url, ...selector });
    await rule(A, { url: slow.url, ...selector });
    const fine = await rule(A, { url: good.url, ...selector });
    for (let i = 0; i < 6; i++) await status(`${A}-prod-1`, i % 2 ? 'Healthy' : 'Degraded', `${i}`);
    await eventually(async () => {
      expect(good.received).toHaveLength(6);
    }, 20_000);
    // All six reached the good endpoint while the hanging one still held its first requests,
    // and it never had more than NOTIFY_ENDPOINT_CONCURRENCY of them open at once.
    expect(hanging.open).toBeGreaterThan(0);
    expect(hanging.maxOpen).toBeLessThanOrEqual(2);
    await eventually(async () => {
      expect((await deliveries(fine.id)).map((d) => d.state)).toEqual(Array(6).fill('Delivered'));
    }, 10_000);
    // The hanging endpoint's attempts end at the timeout and are recorded as such.
    await eventually(async () => {
      const rows = await deliveries(hang.id);
      expect(rows.some((d) => d.last_error === 'no answer within 2 s')).toBe(true);
    }, 20_000);
    await eventually(async () => {
      expect(slow.received.length).toBe(6);
    }, 30_000);
  });

  it('queues again from Postgres what Redis lost, and drops what a deleted rule had pending', async () => {
    const hook = await endpoint();
    const kept = await rule(A, { url: hook.url, clusterSelector: { matchLabels: { env: 'dev' } } });
    const dropped = await rule(A, {
      url: hook.url,
      clusterSelector: { matchLabels: { env: 'dev' } },
    });
    await worker.jobs.queue(QUEUES.notifications).pause();
    await status(`${A}-dev-1`, 'Degraded', 'lost');
    await eventually(async () => {
      expect(await deliveries(kept.id)).toMatchObject([{ state: 'Pending' }]);
      expect(await deliveries(dropped.id)).toMatchObject([{ state: 'Pending' }]);
    }, 20_000);
    await store.append(
      notificationRuleStream(dropped.id),
      1,
      [{ type: 'NotificationRuleDeleted', data: {} }],
      { ...ACTOR, tenantId: A },
    );
    await worker.stop();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    expect(await flushDatabaseKeys(redis, worker.identity)).toBeGreaterThan(0);
    redis.disconnect();
    // As if the deliveries had waited past the sweep's grace period.
    await pool.query(
      "UPDATE notification_deliveries SET created_at = now() - interval '1 minute' WHERE state = 'Pending'",
    );
    worker = await start();
    await runJob(worker, { type: 'notify-sweep' }, `sweep-${randomUUID()}`);
    await eventually(async () => {
      expect(await deliveries(kept.id)).toMatchObject([{ state: 'Delivered', attempts: 1 }]);
      expect(await deliveries(dropped.id)).toMatchObject([
        { state: 'Failed', attempts: 0, last_error: 'the rule was deleted before this was sent' },
      ]);
    }, 20_000);
    expect(hook.bodies().map((b) => (b['rule'] as { id: string }).id)).toEqual([kept.id]);
  });
});

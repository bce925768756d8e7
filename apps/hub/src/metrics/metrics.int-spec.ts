import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationStream,
  deliveryStream,
  type ApplicationMetadata,
  type JsonObjectValue,
} from '@flotilla/domain';
import { EventStore, ProjectionRunner, type Projection } from '@flotilla/event-store';
import { METRICS, parseMetrics, sumOf, type MetricSample } from '@flotilla/metrics';
import {
  deliveriesProjection,
  flotillaEventRegistry,
  type FlotillaEvent,
} from '@flotilla/projections';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import {
  agentCall,
  createTenants,
  fleetTokens,
  heartbeat,
  issueToken,
  registerAgent,
} from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { HUB_METRICS } from '../infra/tokens';
import type { HubMetrics } from './hub-metrics';

const SET = '5d1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const SPEC: JsonObjectValue = {
  project: 'default',
  source: { repoURL: 'https://git.example/apps.git', targetRevision: 'main', path: 'web' },
  destination: { server: 'https://10.0.0.1', namespace: 'web' },
};
const COMMIT = 'c'.repeat(40);
const BUNDLE = '1'.repeat(64);

describe('hub: GET /metrics', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  let cluster: { clusterId: string; credential: string };
  let tokenValue: string;

  const scrape = async (): Promise<{ text: string; samples: MetricSample[] }> => {
    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return { text, samples: parseMetrics(text) };
  };

  /** An Application on the cluster, rendered, in the deliveries read model. */
  const deliverApp = async (name: string): Promise<string> => {
    const id = applicationId(SET, name);
    await store.append(
      applicationStream(id),
      'no_stream',
      [
        {
          type: 'ApplicationCreated',
          data: {
            applicationSetId: SET,
            tenant: 'team-a',
            name,
            clusterId: cluster.clusterId,
            namespace: 'web',
            project: 'default',
            spec: SPEC,
            metadata: META,
            digest: applicationDigest(SPEC, META),
          },
        },
      ],
      { actor: 't', tenantId: 'team-a' },
    );
    await pool.query(
      `INSERT INTO bundles (id, manifests, object_count, size_bytes) VALUES ($1, $2, 1, 100)
       ON CONFLICT DO NOTHING`,
      [BUNDLE, JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }])],
    );
    await store.append(
      deliveryStream(id),
      'any',
      [
        {
          type: 'ApplicationRendered',
          data: {
            clusterId: cluster.clusterId,
            digest: applicationDigest(SPEC, META),
            targetRevision: 'main',
            commit: COMMIT,
            bundleId: BUNDLE,
            sourceType: 'Directory',
            objectCount: 1,
            namespace: 'web',
            prune: false,
            selfHeal: true,
          },
        },
      ],
      { actor: 't', tenantId: 'team-a' },
    );
    const projection = deliveriesProjection as unknown as Projection<FlotillaEvent>;
    await new ProjectionRunner(pool, store, projection, null).catchUp();
    return id;
  };

  beforeAll(async () => {
    db = await createTestDatabase('hub_metrics');
    hub = await startTestHub(db.url);
    pool = createPool(db.url, { max: 2 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a']);
    const token = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 2 });
    tokenValue = token.value;
    cluster = await registerAgent(hub, token.value, 'metrics-east-1');
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('is public and registers every metric of the catalogue meant for the hub', async () => {
    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    const metrics = hub.app.get<HubMetrics>(HUB_METRICS);
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const expected = Object.values(METRICS)
      .filter((d) => (d.apps as readonly string[]).includes('hub'))
      .map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(expected));
    // Process metrics, with the prefix and the app label.
    const { samples } = await scrape();
    expect(
      sumOf(samples, 'flotilla_process_resident_memory_bytes', { app: 'hub' }),
    ).toBeGreaterThan(0);
  });

  it('counts GraphQL operations by name, type and outcome, and errors by code', async () => {
    const before = parseMetrics(await (await fetch(`${hub.url}/metrics`)).text());
    const ok = { operation: 'Health', type: 'query', outcome: 'ok' };
    const failed = { operation: 'Clusters', type: 'query', outcome: 'error' };
    await hub.graphql('query Health { health }');
    await hub.graphql('query Health { health }');
    // No token: UNAUTHENTICATED.
    await hub.graphql('query Clusters { clusters(first: 5) { edges { cursor } } }');
    const { samples } = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sumOf(samples, name, labels) - sumOf(before, name, labels);
    expect(moved('flotilla_graphql_requests_total', ok)).toBe(2);
    expect(moved('flotilla_graphql_request_duration_seconds_count', ok)).toBe(2);
    expect(moved('flotilla_graphql_requests_total', failed)).toBe(1);
    expect(moved('flotilla_graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
  });

  it('counts agent protocol requests by route and status, and the clusters by connectivity', async () => {
    const before = (await scrape()).samples;
    expect((await heartbeat(hub, cluster.credential)).status).toBe(200);
    expect((await heartbeat(hub, 'flt_cls_not-a-credential')).status).toBe(401);
    expect((await agentCall(hub, '/nowhere', {})).status).toBe(404);
    const { samples } = await scrape();
    const moved = (labels: Record<string, string>) =>
      sumOf(samples, 'flotilla_agent_api_requests_total', labels) -
      sumOf(before, 'flotilla_agent_api_requests_total', labels);
    expect(moved({ route: 'heartbeat', status: '200' })).toBe(1);
    expect(moved({ route: 'heartbeat', status: '401' })).toBe(1);
    expect(moved({ route: 'other', status: '404' })).toBe(1);
    expect(
      sumOf(samples, 'flotilla_agent_api_request_duration_seconds_count', { route: 'heartbeat' }) -
        sumOf(before, 'flotilla_agent_api_request_duration_seconds_count', { route: 'heartbeat' }),
    ).toBe(2);
    // Registered in beforeAll: counted from the read model (cached a few seconds).
    expect(sumOf(samples, 'flotilla_agent_api_requests_total', { route: 'register' })).toBe(1);
    await eventually(async () => {
      const now = (await scrape()).samples;
      expect(sumOf(now, 'flotilla_clusters', { tenant: 'team-a', connectivity: 'Ready' })).toBe(1);
    });
  });

  it('counts drift the agents report, by whether self-heal corrected it', async () => {
    const app = await deliverApp('metrics-web');
    const report = (corrected: boolean, observedAt: string) => ({
      revision: null,
      applications: [
        {
          id: app,
          commit: COMMIT,
          bundleId: BUNDLE,
          sync: 'Synced',
          health: 'Healthy',
          message: '',
          resourceCount: 1,
          problems: [],
          drift: [
            {
              group: '',
              version: 'v1',
              kind: 'ConfigMap',
              namespace: 'web',
              name: 'metrics-web',
              diff: '- a\n+ b',
            },
          ],
          driftCorrected: corrected,
          observedAt,
        },
      ],
      removed: [],
    });
    const before = (await scrape()).samples;
    const sent = await agentCall(
      hub,
      '/status',
      report(true, '2026-03-01T10:00:00.000Z'),
      cluster.credential,
    );
    expect(sent.status).toBe(200);
    // The same report again (a retry) appends nothing, so it is not counted twice.
    await agentCall(hub, '/status', report(true, '2026-03-01T10:00:00.000Z'), cluster.credential);
    const { samples } = await scrape();
    const labels = { corrected: 'true', reporter: 'agent' };
    expect(
      sumOf(samples, 'flotilla_drift_reports_total', labels) -
        sumOf(before, 'flotilla_drift_reports_total', labels),
    ).toBe(1);
  });

  it('reports projection lag per projection and leaks no names, tokens or credentials', async () => {
    const { text, samples } = await scrape();
    const lagged = samples.filter((s) => s.name === 'flotilla_projection_lag_events');
    expect(lagged.map((s) => s.labels['projection'])).toEqual(
      expect.arrayContaining(['clusters', 'deliveries']),
    );
    for (const s of lagged) expect(s.value).toBeGreaterThanOrEqual(0);
    expect(text).not.toContain('metrics-east-1');
    expect(text).not.toContain(cluster.clusterId);
    expect(text).not.toContain(cluster.credential);
    expect(text).not.toContain(tokenValue);
  });
});

import { QUEUES } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { createWorker, type RunningWorker } from '../worker';
import { runJob, testWorkerConfig } from '../testing/worker-fixture';
import { AppsetFleet, manifest } from './appset.fixture';

const TENANT = 'team-a';
const apps = (...names: string[]) => ({ list: { elements: names.map((app) => ({ app })) } });
const matrix = (...names: string[]) => ({
  matrix: { generators: [{ clusters: {} }, apps(...names)] },
});

describe('ApplicationSet generation on the worker', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  const clusters: Record<string, string> = {};
  let resyncs = 0;
  const triggersAtHead = async () => {
    const { rows } = await pool.query<{ ok: boolean }>(
      `SELECT position >= (SELECT max(global_position) FROM events) AS ok
         FROM projection_checkpoints WHERE name = 'generation_triggers'`,
    );
    return rows[0]?.ok === true;
  };
  const resync = async () => {
    await runJob(worker, { type: 'appset-resync' }, `test-resync/${resyncs++}`);
    await fleet.settled(worker);
  };

  beforeAll(async () => {
    db = await createTestDatabase('appset_generation');
    pool = createPool(db.url, { max: 4 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
    worker = await createWorker(testWorkerConfig(db.url));
    await fleet.tenant(TENANT);
    const initial: [string, string][] = [
      ['prod-eu', 'prod'],
      ['prod-us', 'prod'],
      ['dev-eu', 'dev'],
    ];
    for (const [name, env] of initial) clusters[name] = await fleet.cluster(TENANT, name, { env });
    await fleet.settled(worker);
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
  });

  it('creates one Application per cluster and list element, and regenerating unchanged appends nothing', async () => {
    const id = await fleet.createSet(TENANT, manifest('web', [matrix('api', 'ui')]));
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual([
      'dev-eu-api',
      'dev-eu-ui',
      'prod-eu-api',
      'prod-eu-ui',
      'prod-us-api',
      'prod-us-ui',
    ]);
    const generated = await fleet.setEvents(id, 'ApplicationSetGenerated');
    expect(generated).toHaveLength(1);
    expect(generated[0]?.data).toMatchObject({ created: 6, updated: 0, deleted: 0, unchanged: 0 });
    const app = (await fleet.applications(id)).find((a) => a.name === 'prod-eu-api');
    expect(app?.cluster_id).toBe(clusters['prod-eu']);

    const before = await fleet.eventCount();
    await resync();
    await resync();
    expect(await fleet.eventCount()).toBe(before);
  });

  it('a label change regenerates only the ApplicationSets with a cluster generator', async () => {
    const withClusters = await fleet.createSet(
      TENANT,
      manifest('by-label', [{ clusters: { selector: { matchLabels: { tier: 'edge' } } } }], {
        appName: '{{.name}}-edge',
        path: 'edge',
        destination: { server: '{{.server}}', namespace: 'edge' },
      }),
    );
    const listOnly = await fleet.createSet(
      TENANT,
      manifest('pinned', [apps('docs')], {
        appName: 'pinned-{{.app}}',
        destination: { name: 'prod-eu', namespace: 'docs' },
      }),
    );
    await fleet.settled(worker);
    expect(await fleet.names(withClusters)).toEqual([]);
    expect(await fleet.names(listOnly)).toEqual(['pinned-docs']);
    const before = {
      clusters: await fleet.requested(withClusters),
      list: await fleet.requested(listOnly),
    };

    const prodUs = clusters['prod-us'] ?? '';
    await fleet.clusterEvent(prodUs, TENANT, {
      type: 'ClusterLabelsChanged',
      data: { labels: { env: 'prod', tier: 'edge' } },
    });
    await fleet.settled(worker);
    expect(await fleet.names(withClusters)).toEqual(['prod-us-edge']);
    expect(await fleet.requested(withClusters)).toBe(before.clusters + 1);
    expect(await fleet.requested(listOnly)).toBe(before.list);
  });

  it("when the tenant's destinations select by label, a relabelled cluster regenerates every ApplicationSet", async () => {
    await fleet.tenant('team-l', [
      { clusterSelector: { matchLabels: { env: 'prod' } }, namespaces: ['*'] },
    ]);
    const staging = await fleet.cluster('team-l', 'staging-1', { env: 'staging' });
    const pinned = await fleet.createSet(
      'team-l',
      manifest('pinned-l', [apps('docs')], {
        appName: 'pinned-{{.app}}',
        destination: { name: 'staging-1', namespace: 'docs' },
      }),
    );
    await fleet.settled(worker);
    // Not an allowed destination yet: nothing created.
    expect(await fleet.names(pinned)).toEqual([]);
    await fleet.clusterEvent(staging, 'team-l', {
      type: 'ClusterLabelsChanged',
      data: { labels: { env: 'prod' } },
    });
    await fleet.settled(worker);
    expect(await fleet.names(pinned)).toEqual(['pinned-docs']);
  });

  it('a burst of triggers costs one generation', async () => {
    const id = await fleet.createSet(TENANT, manifest('bursty', [matrix('job')]));
    await fleet.settled(worker);
    const queue = worker.jobs.queue(QUEUES.appsetGeneration);
    await queue.pause();
    const first = await fleet.requested(id);
    for (let i = 0; i < 5; i++)
      await fleet.clusterEvent(clusters['prod-eu'] ?? '', TENANT, {
        type: 'ClusterLabelsChanged',
        data: { labels: { env: 'prod', burst: String(i) } },
      });
    // The trigger projection numbers them (events of one batch share a number) and queues them.
    for (let i = 0; i < 200 && !(await triggersAtHead()); i++)
      await new Promise((r) => setTimeout(r, 25));
    const last = await fleet.requested(id);
    expect(last).toBeGreaterThan(first);
    await queue.resume();
    await fleet.settled(worker);
    const runs = (await queue.getJobs(['completed']))
      .map((j) => ({ data: j.data, outcome: (j.returnvalue as { outcome: string }).outcome }))
      .filter(({ data }) => data.type === 'generate-appset' && data.applicationSetId === id)
      .filter(({ data }) => data.type === 'generate-appset' && data.requested > first)
      .map(({ outcome }) => outcome)
      .sort();
    expect(runs).toEqual([...Array<string>(last - first - 1).fill('already-generated'), 'written']);
  });

  it("a deregistered cluster's Applications are pruned", async () => {
    const id = await fleet.createSet(
      TENANT,
      manifest('prunable', [matrix('svc')], { appName: '{{.name}}-p' }),
    );
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(['dev-eu-p', 'prod-eu-p', 'prod-us-p']);
    await fleet.clusterEvent(clusters['dev-eu'] ?? '', TENANT, {
      type: 'ClusterDeregistered',
      data: { reason: 'decommissioned' },
    });
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(['prod-eu-p', 'prod-us-p']);
    const last = (await fleet.setEvents(id, 'ApplicationSetGenerated')).at(-1);
    expect(last?.data).toMatchObject({ created: 0, deleted: 1, unchanged: 2 });
  });
});

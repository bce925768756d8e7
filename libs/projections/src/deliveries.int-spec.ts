import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationStream,
  deliveryStream,
  type ApplicationEvent,
  type ApplicationMetadata,
  type DeliveryEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import {
  EventStore,
  liveTarget,
  ProjectionRunner,
  type Projection,
  type ProjectionTarget,
} from '@flotilla/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import { Client, type Pool, type PoolClient } from 'pg';
import {
  CLUSTER_DESIRED_TABLE,
  deliveriesProjection,
  DELIVERIES_TABLE,
  desiredRevision,
  DESIRED_CHANNEL,
  RUNNING_BUNDLES_TABLE,
  RUNNING_OBJECT_COUNTS_TABLE,
} from './deliveries.projection';
import { flotillaEventRegistry, type FlotillaEvent } from './event-definitions';

const SET = '5f0d8a52-7a0e-4c3b-9d59-3f4e2b1c7a01';
const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const spec = (revision: string): JsonObjectValue => ({
  project: 'default',
  source: { repoURL: 'https://git.example/apps.git', targetRevision: revision, path: 'web' },
  destination: { server: 'https://10.0.0.1', namespace: 'web' },
  syncPolicy: { automated: { prune: true } },
});
const BUNDLE = 'b'.repeat(64);
const COMMIT = 'c'.repeat(40);

const created = (name: string, clusterId: string): ApplicationEvent => ({
  type: 'ApplicationCreated',
  data: {
    applicationSetId: SET,
    tenant: 'team-a',
    name,
    clusterId,
    namespace: 'web',
    project: 'default',
    spec: spec('main'),
    metadata: META,
    digest: applicationDigest(spec('main'), META),
  },
});
const rendered = (
  clusterId: string,
  digest: string,
  bundleId = BUNDLE,
  namespace = 'web',
): DeliveryEvent => ({
  type: 'ApplicationRendered',
  data: {
    clusterId,
    digest,
    targetRevision: 'main',
    commit: COMMIT,
    bundleId,
    sourceType: 'Directory',
    objectCount: 2,
    namespace,
    prune: true,
    selfHeal: false,
  },
});
const statusChanged = (clusterId: string, bundleId = BUNDLE): DeliveryEvent => ({
  type: 'ApplicationStatusChanged',
  data: {
    clusterId,
    commit: COMMIT,
    bundleId,
    sync: 'Synced',
    health: 'Healthy',
    message: '',
    resourceCount: 2,
    problems: [],
    observedAt: '2026-01-01T00:00:00.000Z',
    reporter: 'agent',
  },
});

describe('deliveries projection', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let listener: Client;
  const notified: string[] = [];
  const projection = deliveriesProjection as unknown as Projection<FlotillaEvent>;
  const live = liveTarget(deliveriesProjection);
  const catchUp = () => new ProjectionRunner(pool, store, projection, null).catchUp();
  const app = (name: string, events: ApplicationEvent[]) =>
    store.append(applicationStream(applicationId(SET, name)), 'any', events, {
      actor: 'worker',
      tenantId: 'team-a',
    });
  const delivery = (name: string, events: DeliveryEvent[]) =>
    store.append(deliveryStream(applicationId(SET, name)), 'any', events, {
      actor: 'worker',
      tenantId: 'team-a',
    });
  const rows = () =>
    pool.query(`SELECT * FROM ${DELIVERIES_TABLE} ORDER BY name, cluster_id`).then((r) => r.rows);
  const revisions = () =>
    pool
      .query<{ cluster_id: string; revision: string }>(
        `SELECT cluster_id, revision FROM ${CLUSTER_DESIRED_TABLE} ORDER BY cluster_id`,
      )
      .then((r) => Object.fromEntries(r.rows.map((x) => [x.cluster_id, x.revision])));

  beforeAll(async () => {
    db = await createTestDatabase('deliveries_projection');
    pool = createPool(db.url, { max: 5 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    listener = new Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (n) => {
      if (n.channel === DESIRED_CHANNEL) notified.push(n.payload ?? '');
    });
    await listener.query(`LISTEN ${DESIRED_CHANNEL}`);
  });
  afterAll(async () => {
    await listener.end();
    await pool.end();
    await db.drop();
  });

  it('uses the live table names the preamble promises', () => {
    expect([
      live.table('application_deliveries'),
      live.table('cluster_desired'),
      live.table('running_bundles'),
      live.table('running_object_counts'),
    ]).toEqual([
      DELIVERIES_TABLE,
      CLUSTER_DESIRED_TABLE,
      RUNNING_BUNDLES_TABLE,
      RUNNING_OBJECT_COUNTS_TABLE,
    ]);
  });

  it('keeps deliveries, revisions, tombstones and notifies on revision changes', async () => {
    const digest = applicationDigest(spec('main'), META);
    await app('web-eu', [created('web-eu', 'c-eu')]);
    await app('web-us', [created('web-us', 'c-us')]);
    await catchUp();
    const emptyRevision = desiredRevision([]);
    expect(emptyRevision).toMatch(/^[0-9a-f]{32}$/);
    expect(await revisions()).toEqual({ 'c-eu': emptyRevision, 'c-us': emptyRevision });
    expect(await rows()).toMatchObject([
      { name: 'web-eu', cluster_id: 'c-eu', app_digest: digest, bundle_id: null, deleted: false },
      { name: 'web-us', cluster_id: 'c-us', app_digest: digest, bundle_id: null },
    ]);

    // The first revisions are notified too; NOTIFY arrives after the commit, so wait for both
    // before starting to count (under load they came after the reset below).
    await eventually(() => expect([...notified].sort()).toEqual(['c-eu', 'c-us']));
    notified.length = 0;
    await delivery('web-eu', [rendered('c-eu', digest)]);
    await catchUp();
    await eventually(() => expect(notified).toEqual(['c-eu']));
    const [eu] = await rows();
    expect(eu).toMatchObject({
      bundle_id: BUNDLE,
      commit: COMMIT,
      rendered_digest: digest,
      namespace: 'web',
      prune: true,
      self_heal: false,
      delivery_version: 1,
    });
    const euRevision = (await revisions())['c-eu'];
    expect(euRevision).not.toBe(emptyRevision);

    // A failure keeps the last good bundle, and does not change the revision.
    await delivery('web-eu', [
      {
        type: 'ApplicationRenderFailed',
        data: {
          clusterId: 'c-eu',
          digest,
          targetRevision: 'main',
          commit: null,
          code: 'GitUnavailable',
          message: 'down',
        },
      },
      {
        type: 'ApplicationStatusChanged',
        data: {
          clusterId: 'c-eu',
          commit: COMMIT,
          bundleId: BUNDLE,
          sync: 'Synced',
          health: 'Healthy',
          message: '',
          resourceCount: 2,
          problems: [],
          observedAt: '2026-01-01T00:00:00.000Z',
          reporter: 'agent',
        },
      },
    ]);
    await catchUp();
    expect((await rows())[0]).toMatchObject({
      bundle_id: BUNDLE,
      render_error_code: 'GitUnavailable',
      render_failed_digest: digest,
      sync: 'Synced',
      health: 'Healthy',
      resource_count: 2,
      delivery_version: 3,
    });
    expect((await revisions())['c-eu']).toBe(euRevision);

    // Moved: a tombstone on the old cluster, a pending row on the new one.
    notified.length = 0;
    await app('web-eu', [
      {
        type: 'ApplicationUpdated',
        data: {
          clusterId: 'c-eu-2',
          namespace: 'web',
          project: 'default',
          spec: spec('v2'),
          metadata: META,
          digest: applicationDigest(spec('v2'), META),
          previousDigest: digest,
        },
      },
    ]);
    await catchUp();
    await eventually(() => expect([...notified].sort()).toEqual(['c-eu', 'c-eu-2']));
    const moved = await rows();
    expect(moved.map((r) => [r.name, r.cluster_id, r.deleted, r.preserve_resources])).toEqual([
      ['web-eu', 'c-eu', true, false],
      ['web-eu', 'c-eu-2', false, false],
      ['web-us', 'c-us', false, false],
    ]);
    expect(moved[1]).toMatchObject({
      bundle_id: null,
      app_digest: applicationDigest(spec('v2'), META),
    });

    // The old cluster removed its resources: the tombstone goes, its revision is empty again.
    await delivery('web-eu', [
      {
        type: 'ApplicationResourcesRemoved',
        data: {
          clusterId: 'c-eu',
          removed: 2,
          preserved: false,
          observedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    ]);
    // Deleted with preserveResources: a tombstone that keeps them.
    await app('web-us', [
      {
        type: 'ApplicationDeleted',
        data: { applicationSetId: SET, preserveResources: true, reason: 'Pruned' },
      },
    ]);
    await catchUp();
    expect((await rows()).map((r) => [r.cluster_id, r.deleted, r.preserve_resources])).toEqual([
      ['c-eu-2', false, false],
      ['c-us', true, true],
    ]);
    const after = await revisions();
    expect(after['c-eu']).toBe(emptyRevision);
    expect(after['c-us']).not.toBe(emptyRevision);
  });

  it('keeps running_bundles and running_object_counts through render, move, deletion and re-creation', async () => {
    const RUN = 'e'.repeat(64);
    // The bundles' objects, as the renderer stores them before it appends the rendering.
    const objects: [string, [string, string, string][]][] = [
      [
        BUNDLE,
        [
          ['', 'ConfigMap', 'cfg'],
          ['apps', 'Deployment', 'web'],
        ],
      ],
      [
        RUN,
        [
          ['', 'ConfigMap', 'a'],
          ['', 'ConfigMap', 'b'],
          ['rbac.authorization.k8s.io', 'ClusterRole', 'r'],
        ],
      ],
    ];
    for (const [id, list] of objects) {
      await pool.query(
        `INSERT INTO bundles (id, manifests, object_count, size_bytes) VALUES ($1, '[]', $2, 2)`,
        [id, list.length],
      );
      for (const [i, [group, kind, name]] of list.entries())
        await pool.query(
          `INSERT INTO bundle_objects (bundle_id, ordinal, "group", version, kind, name)
           VALUES ($1, $2, $3, 'v1', $4, $5)`,
          [id, i + 1, group, kind, name],
        );
    }
    // The other tests' deliveries were rendered before these objects were stored: start over.
    await new ProjectionRunner(pool, store, projection, null).rebuild();
    // What the counts must always hold: the narrow table's objects, counted, no zero rows.
    const counted = () =>
      pool
        .query(
          `SELECT o.kind, o."group", r.tenant, r.cluster_id, count(*)::int AS objects
             FROM ${RUNNING_BUNDLES_TABLE} r JOIN bundle_objects o USING (bundle_id)
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        )
        .then((r) => r.rows);
    const counts = () =>
      pool
        .query(`SELECT * FROM ${RUNNING_OBJECT_COUNTS_TABLE} ORDER BY 1, 2, 3, 4`)
        .then((r) => r.rows);
    // What the narrow table must always hold: the wide table's live rows with a bundle.
    const expected = () =>
      pool
        .query(
          `SELECT application_id, cluster_id, tenant, name AS app_name, namespace, bundle_id
             FROM ${DELIVERIES_TABLE} WHERE NOT deleted AND bundle_id IS NOT NULL
            ORDER BY application_id, cluster_id`,
        )
        .then((r) => r.rows);
    const running = async (withXmin = false) => {
      const { rows } = await pool.query(
        `SELECT ${withXmin ? 'xmin::text AS xmin, ' : ''}application_id, cluster_id, tenant,
                app_name, namespace, bundle_id
           FROM ${RUNNING_BUNDLES_TABLE} ORDER BY application_id, cluster_id`,
      );
      return rows;
    };
    const step = async () => {
      await catchUp();
      const rows = await running();
      expect(rows).toEqual(await expected());
      expect(await counts()).toEqual(await counted());
      return rows
        .filter((r) => (r.app_name as string).startsWith('run-'))
        .map((r) => [r.app_name, r.cluster_id, r.namespace, r.bundle_id === RUN ? 'RUN' : 'B']);
    };
    const digest = applicationDigest(spec('main'), META);
    await app('run-a', [created('run-a', 'r-1')]);
    await app('run-b', [created('run-b', 'r-1')]);
    expect(await step()).toEqual([]);

    await delivery('run-a', [rendered('r-1', digest)]);
    await delivery('run-b', [rendered('r-1', digest, RUN, 'other')]);
    expect(await step()).toEqual([
      ['run-a', 'r-1', 'web', 'B'],
      ['run-b', 'r-1', 'other', 'RUN'],
    ]);

    // Status reports, drift and render failures leave its rows alone (not even rewritten).
    const before = await running(true);
    await delivery('run-a', [
      statusChanged('r-1'),
      {
        type: 'ApplicationDriftDetected',
        data: {
          clusterId: 'r-1',
          resources: [
            {
              group: 'apps',
              version: 'v1',
              kind: 'Deployment',
              namespace: 'web',
              name: 'web',
              diff: 'spec.replicas:\n- 2\n+ 5',
            },
          ],
          observedAt: '2026-01-01T00:00:00.000Z',
          corrected: true,
        },
      },
      {
        type: 'ApplicationRenderFailed',
        data: {
          clusterId: 'r-1',
          digest,
          targetRevision: 'main',
          commit: null,
          code: 'GitUnavailable',
          message: 'down',
        },
      },
    ]);
    await step();
    expect(await running(true)).toEqual(before);
    // Rendered again into the same bundle and namespace: nothing to write either.
    await delivery('run-a', [rendered('r-1', digest)]);
    await step();
    expect(await running(true)).toEqual(before);

    // A new bundle and namespace.
    await delivery('run-a', [rendered('r-1', digest, RUN, 'web-2')]);
    expect(await step()).toEqual([
      ['run-a', 'r-1', 'web-2', 'RUN'],
      ['run-b', 'r-1', 'other', 'RUN'],
    ]);

    // Moved: gone from the old cluster at once, on the new one once rendered there.
    const moved = {
      type: 'ApplicationUpdated' as const,
      data: {
        clusterId: 'r-2',
        namespace: 'web',
        project: 'default',
        spec: spec('v2'),
        metadata: META,
        digest: applicationDigest(spec('v2'), META),
        previousDigest: digest,
      },
    };
    await app('run-a', [moved]);
    expect(await step()).toEqual([['run-b', 'r-1', 'other', 'RUN']]);
    await delivery('run-a', [rendered('r-2', moved.data.digest)]);
    expect(await step()).toEqual([
      ['run-a', 'r-2', 'web', 'B'],
      ['run-b', 'r-1', 'other', 'RUN'],
    ]);
    // Moved back while the first cluster still holds its tombstone: live there again, with the
    // bundle it had there (what that cluster is asked to run until it is rendered again).
    await app('run-a', [{ ...moved, data: { ...moved.data, clusterId: 'r-1' } }]);
    expect(await step()).toEqual([
      ['run-a', 'r-1', 'web-2', 'RUN'],
      ['run-b', 'r-1', 'other', 'RUN'],
    ]);

    // Deleted: gone; its tombstone's removal changes nothing more.
    const deleted: ApplicationEvent = {
      type: 'ApplicationDeleted',
      data: { applicationSetId: SET, preserveResources: false, reason: 'Pruned' },
    };
    await app('run-a', [deleted]);
    expect(await step()).toEqual([['run-b', 'r-1', 'other', 'RUN']]);
    await delivery('run-a', [
      {
        type: 'ApplicationResourcesRemoved',
        data: {
          clusterId: 'r-1',
          removed: 2,
          preserved: false,
          observedAt: '2026-01-01T00:00:00.000Z',
        },
      },
      {
        type: 'ApplicationResourcesRemoved',
        data: {
          clusterId: 'r-2',
          removed: 2,
          preserved: false,
          observedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    ]);
    expect(await step()).toEqual([['run-b', 'r-1', 'other', 'RUN']]);
    // Created again after its tombstones went: nothing runs until it is rendered.
    await app('run-a', [created('run-a', 'r-1')]);
    expect(await step()).toEqual([['run-b', 'r-1', 'other', 'RUN']]);

    // Deleted, then created again before its cluster removed anything: live again as it was.
    await app('run-b', [deleted]);
    expect(await step()).toEqual([]);
    await app('run-b', [created('run-b', 'r-1')]);
    expect(await step()).toEqual([['run-b', 'r-1', 'other', 'RUN']]);
    expect((await counts()).filter((c) => (c.cluster_id as string).startsWith('r-'))).toEqual([
      {
        kind: 'ClusterRole',
        group: 'rbac.authorization.k8s.io',
        tenant: 'team-a',
        cluster_id: 'r-1',
        objects: 1,
      },
      { kind: 'ConfigMap', group: '', tenant: 'team-a', cluster_id: 'r-1', objects: 2 },
    ]);
  });

  it('recomputes a revision once per batch, and rebuilds equal to the live read model', async () => {
    notified.length = 0;
    for (const name of ['a', 'b', 'c'])
      await app(`batch-${name}`, [created(`batch-${name}`, 'c-batch')]);
    await catchUp();
    // Notifications of the previous test's batches may still be arriving: count this cluster's.
    await eventually(() => expect(notified.filter((c) => c === 'c-batch')).toEqual(['c-batch']));

    const dump = (tx: PoolClient, table: string, key: string) =>
      tx.query(`SELECT * FROM ${table} ORDER BY ${key}`).then((r) => r.rows);
    let compared = 0;
    await new ProjectionRunner(pool, store, projection, null, { batchSize: 2 }).rebuild(
      async (tx, liveT: ProjectionTarget, rebuilt: ProjectionTarget) => {
        const key = 'application_id, cluster_id';
        expect(await dump(tx, rebuilt.table('application_deliveries'), key)).toEqual(
          await dump(tx, liveT.table('application_deliveries'), key),
        );
        const desired = (t: ProjectionTarget) =>
          tx
            .query(`SELECT cluster_id, revision FROM ${t.table('cluster_desired')} ORDER BY 1`)
            .then((r) => r.rows);
        const a = await desired(liveT);
        expect(await desired(rebuilt)).toEqual(a);
        compared = a.length;
        const running = await dump(tx, liveT.table('running_bundles'), key);
        expect(await dump(tx, rebuilt.table('running_bundles'), key)).toEqual(running);
        expect(running.length).toBeGreaterThan(0);
        const countKey = 'kind, "group", tenant, cluster_id';
        const counts = await dump(tx, liveT.table('running_object_counts'), countKey);
        expect(await dump(tx, rebuilt.table('running_object_counts'), countKey)).toEqual(counts);
        expect(counts.length).toBeGreaterThan(0);
      },
    );
    expect(compared).toBe(6);
  });
});

import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationSetStream,
  applicationStream,
  type ApplicationEvent,
  type ApplicationMetadata,
  type ApplicationSetEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import {
  EventStore,
  liveTarget,
  ProjectionRunner,
  type Projection,
  type ProjectionTarget,
} from '@flotilla/event-store';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool, PoolClient } from 'pg';
import { applicationSetsProjection } from './application-sets.projection';
import { applicationsProjection } from './applications.projection';
import { flotillaEventRegistry, type FlotillaEvent } from './event-definitions';

const SET = '5f0d8a52-7a0e-4c3b-9d59-3f4e2b1c7a01';
const OTHER_SET = '6a1e9b63-8b1f-4d4c-8e6a-4a5f3c2d8b12';
const META: ApplicationMetadata = {
  labels: { env: 'prod' },
  annotations: {},
  finalizers: ['resources-finalizer.argocd.argoproj.io'],
};
const manifest = (revision: string): JsonObjectValue => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name: 'guestbook' },
  spec: {
    generators: [{ clusters: {} }],
    template: { spec: { source: { targetRevision: revision } } },
  },
});
const spec = (revision: string): JsonObjectValue => ({
  project: 'default',
  source: {
    repoURL: 'https://github.com/acme/apps.git',
    targetRevision: revision,
    path: 'guestbook',
  },
  destination: { server: 'https://10.0.0.1', namespace: 'guestbook' },
});
const created = (set: string, name: string, clusterId: string): ApplicationEvent => ({
  type: 'ApplicationCreated',
  data: {
    applicationSetId: set,
    tenant: 'team-a',
    name,
    clusterId,
    namespace: 'guestbook',
    project: 'default',
    spec: spec('v1'),
    metadata: META,
    digest: applicationDigest(spec('v1'), META),
  },
});
const deleted = (set: string, reason: 'Pruned' | 'ApplicationSetDeleted'): ApplicationEvent => ({
  type: 'ApplicationDeleted',
  data: { applicationSetId: set, preserveResources: false, reason },
});
const generation = (manifestVersion: number, over: Record<string, number> = {}) => ({
  manifestVersion,
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  skipped: 0,
  violations: [],
  validationErrors: [],
  ...over,
});

describe('ApplicationSet and Application projections', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  const projections = [applicationSetsProjection, applicationsProjection].map(
    (p) => p as unknown as Projection<FlotillaEvent>,
  );
  const catchUp = () =>
    Promise.all(projections.map((p) => new ProjectionRunner(pool, store, p, null).catchUp()));
  const appendSet = (set: string, events: ApplicationSetEvent[], actor = 'alice') =>
    store.append(applicationSetStream(set), 'any', events, { actor, tenantId: 'team-a' });
  const appendApp = (set: string, name: string, events: ApplicationEvent[]) =>
    store.append(applicationStream(applicationId(set, name)), 'any', events, {
      actor: 'system:generation',
      tenantId: 'team-a',
    });
  const sets = () =>
    pool
      .query(
        `SELECT * FROM ${liveTarget(applicationSetsProjection).table('application_sets')} ORDER BY name`,
      )
      .then((r) => r.rows);
  const apps = () =>
    pool
      .query(
        `SELECT name, cluster_id, repo_url, target_revision, path, digest, version
         FROM ${liveTarget(applicationsProjection).table('applications')} ORDER BY name`,
      )
      .then((r) => r.rows);

  beforeAll(async () => {
    db = await createTestDatabase('app_projections');
    pool = createPool(db.url, { max: 5 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('keeps ApplicationSets, their status and Application count, and Applications', async () => {
    await appendSet(SET, [
      {
        type: 'ApplicationSetCreated',
        data: { tenant: 'team-a', name: 'guestbook', manifest: manifest('v1') },
      },
    ]);
    for (const [name, cluster] of [
      ['guestbook-eu', 'c-eu'],
      ['guestbook-us', 'c-us'],
      ['guestbook-ap', 'c-ap'],
    ] as const)
      await appendApp(SET, name, [created(SET, name, cluster)]);
    await appendSet(SET, [
      { type: 'ApplicationSetGenerated', data: generation(1, { created: 3 }) },
      { type: 'ApplicationSetUpdated', data: { manifest: manifest('v2') } },
      {
        type: 'ApplicationSetGenerationFailed',
        data: { manifestVersion: 3, reason: 'GitError', message: 'revision v2 not found' },
      },
    ]);
    const multiSource = {
      project: 'default',
      sources: [
        { repoURL: 'https://github.com/acme/charts.git', targetRevision: 'v2', chart: 'x' },
      ],
      destination: { server: 'https://10.0.0.9', namespace: 'guestbook' },
    };
    await appendApp(SET, 'guestbook-eu', [
      {
        type: 'ApplicationUpdated',
        data: {
          clusterId: 'c-eu-2',
          namespace: 'guestbook',
          project: 'default',
          spec: multiSource,
          metadata: META,
          digest: applicationDigest(multiSource, META),
          previousDigest: applicationDigest(spec('v1'), META),
        },
      },
    ]);
    await appendApp(SET, 'guestbook-ap', [deleted(SET, 'Pruned')]);
    await appendSet(SET, [
      {
        type: 'ApplicationSetDeletionHeld',
        data: { manifestVersion: 3, deletions: ['guestbook-us'], currentCount: 2, threshold: 0 },
      },
    ]);
    await appendSet(
      SET,
      [{ type: 'ApplicationSetDeletionConfirmed', data: { deletions: ['guestbook-us'] } }],
      'bob',
    );
    // A second ApplicationSet, deleted with its Application.
    await appendSet(OTHER_SET, [
      {
        type: 'ApplicationSetCreated',
        data: { tenant: 'team-a', name: 'other', manifest: manifest('v1') },
      },
    ]);
    await appendApp(OTHER_SET, 'other-eu', [created(OTHER_SET, 'other-eu', 'c-eu')]);
    await appendSet(OTHER_SET, [{ type: 'ApplicationSetDeleted', data: {} }]);
    await appendApp(OTHER_SET, 'other-eu', [deleted(OTHER_SET, 'ApplicationSetDeleted')]);
    await catchUp();

    const [row, ...rest] = await sets();
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      id: SET,
      tenant: 'team-a',
      name: 'guestbook',
      manifest: manifest('v2'),
      manifest_version: 3,
      application_count: 2,
      version: 6,
    });
    expect(row.status).toEqual({
      lastGeneration: {
        manifestVersion: 1,
        created: 3,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        skipped: 0,
        heldDeletions: 0,
        at: expect.any(String),
      },
      failure: {
        manifestVersion: 3,
        reason: 'GitError',
        message: 'revision v2 not found',
        at: expect.any(String),
      },
      held: null,
      confirmed: { deletions: ['guestbook-us'], by: 'bob', at: expect.any(String) },
      violations: [],
      validationErrors: [],
    });
    expect(await apps()).toEqual([
      {
        name: 'guestbook-eu',
        cluster_id: 'c-eu-2',
        repo_url: 'https://github.com/acme/charts.git',
        target_revision: 'v2',
        path: null,
        digest: applicationDigest(multiSource, META),
        version: 2,
      },
      {
        name: 'guestbook-us',
        cluster_id: 'c-us',
        repo_url: 'https://github.com/acme/apps.git',
        target_revision: 'v1',
        path: 'guestbook',
        digest: applicationDigest(spec('v1'), META),
        version: 1,
      },
    ]);

    // A run that still holds deletions keeps the confirmation for the next one.
    await appendSet(SET, [
      { type: 'ApplicationSetGenerated', data: generation(3, { unchanged: 2, heldDeletions: 1 }) },
    ]);
    await catchUp();
    const [holding] = await sets();
    expect(holding.status).toMatchObject({
      failure: null,
      lastGeneration: { heldDeletions: 1, unchanged: 2 },
      confirmed: { deletions: ['guestbook-us'], by: 'bob' },
    });

    // The confirmed deletion applied: the hold and confirmation are gone, the failure cleared.
    await appendApp(SET, 'guestbook-us', [deleted(SET, 'Pruned')]);
    const violation = {
      application: 'x',
      cluster: 'prod',
      rule: 'destination' as const,
      reason: 'no',
    };
    await appendSet(SET, [
      {
        type: 'ApplicationSetGenerated',
        data: { ...generation(3, { deleted: 1, unchanged: 1 }), violations: [violation] },
      },
    ]);
    await catchUp();
    const [after] = await sets();
    expect(after.application_count).toBe(1);
    expect(after.status).toMatchObject({
      failure: null,
      held: null,
      confirmed: null,
      violations: [violation],
    });
    expect((await apps()).map((a) => a.name)).toEqual(['guestbook-eu']);
  });

  it('rebuilds both read models from zero equal to the live ones', async () => {
    const dump = (tx: PoolClient, table: string) =>
      tx.query(`SELECT * FROM ${table} ORDER BY id`).then((r) => r.rows);
    for (const [projection, base] of [
      [projections[0], 'application_sets'],
      [projections[1], 'applications'],
    ] as const) {
      let compared = 0;
      await new ProjectionRunner(pool, store, projection!, null, { batchSize: 3 }).rebuild(
        async (tx, live: ProjectionTarget, rebuilt: ProjectionTarget) => {
          const [a, b] = [await dump(tx, live.table(base)), await dump(tx, rebuilt.table(base))];
          expect(b).toEqual(a);
          compared = a.length;
        },
      );
      expect(compared).toBeGreaterThan(0);
    }
  });
});

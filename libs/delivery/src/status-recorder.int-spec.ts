import type { StatusRequest } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationStream,
  deliveryStream,
  DomainError,
  type ApplicationEvent,
  type ApplicationMetadata,
  type DeliveryEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import { EventStore, ProjectionRunner, type Projection } from '@flotilla/event-store';
import {
  deliveriesProjection,
  DELIVERIES_TABLE,
  flotillaEventRegistry,
  type FlotillaEvent,
} from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { StatusRecorder } from './status-recorder';

const SET = '5f0d8a52-7a0e-4c3b-9d59-3f4e2b1c7a01';
const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const SPEC: JsonObjectValue = {
  project: 'default',
  source: { repoURL: 'https://git.example/apps.git', targetRevision: 'main', path: 'web' },
  destination: { server: 'https://10.0.0.1', namespace: 'web' },
};
const BUNDLE = 'b'.repeat(64);
const COMMIT = 'c'.repeat(40);
const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 6, 0, s)).toISOString();

const status = (
  id: string,
  over: Partial<StatusRequest['applications'][number]> = {},
): StatusRequest['applications'][number] => ({
  id,
  commit: COMMIT,
  bundleId: BUNDLE,
  sync: 'Synced',
  health: 'Healthy',
  message: '',
  resourceCount: 2,
  problems: [],
  drift: [],
  driftCorrected: false,
  observedAt: at(1),
  ...over,
});
const report = (
  applications: StatusRequest['applications'],
  removed: StatusRequest['removed'] = [],
): StatusRequest => ({ revision: 'r1', applications, removed });
const drifted = [
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'web',
    name: 'web',
    diff: '- 2\n+ 5',
  },
];

describe('StatusRecorder', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let recorder: StatusRecorder;
  const projection = deliveriesProjection as unknown as Projection<FlotillaEvent>;
  const catchUp = () => new ProjectionRunner(pool, store, projection, null).catchUp();
  const web = applicationId(SET, 'east-web');
  const westWeb = applicationId(SET, 'west-web');
  const gone = applicationId(SET, 'east-gone');

  const create = async (name: string, clusterId: string) => {
    const id = applicationId(SET, name);
    const created: ApplicationEvent = {
      type: 'ApplicationCreated',
      data: {
        applicationSetId: SET,
        tenant: 'team-a',
        name,
        clusterId,
        namespace: 'web',
        project: 'default',
        spec: SPEC,
        metadata: META,
        digest: applicationDigest(SPEC, META),
      },
    };
    await store.append(applicationStream(id), 'no_stream', [created], {
      actor: 't',
      tenantId: 'team-a',
    });
    const rendered: DeliveryEvent = {
      type: 'ApplicationRendered',
      data: {
        clusterId,
        digest: applicationDigest(SPEC, META),
        targetRevision: 'main',
        commit: COMMIT,
        bundleId: BUNDLE,
        sourceType: 'Directory',
        objectCount: 2,
        namespace: 'web',
        prune: true,
        selfHeal: false,
      },
    };
    await store.append(deliveryStream(id), 'no_stream', [rendered], {
      actor: 't',
      tenantId: 'team-a',
    });
    return id;
  };
  const types = async (id: string) =>
    (await store.readStream(deliveryStream(id))).map((e) => e.type);

  beforeAll(async () => {
    db = await createTestDatabase('delivery_status');
    pool = createPool(db.url, { max: 4 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    recorder = new StatusRecorder(pool, store);
    await create('east-web', 'east');
    await create('west-web', 'west');
    await create('east-gone', 'east');
    const deleted: ApplicationEvent = {
      type: 'ApplicationDeleted',
      data: { applicationSetId: SET, preserveResources: false, reason: 'Pruned' },
    };
    await store.append(applicationStream(gone), 1, [deleted], { actor: 't', tenantId: 'team-a' });
    await catchUp();
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('appends a status change once: the same report again, even before the projection saw it, appends nothing', async () => {
    const first = await recorder.record('east', report([status(web)]), 'agent');
    expect(first).toEqual({ accepted: 1, eventsAppended: 1 });
    // The read model has not caught up: the recorder must read the newer event itself.
    expect(
      await recorder.record('east', report([status(web, { observedAt: at(2) })]), 'agent'),
    ).toEqual({
      accepted: 1,
      eventsAppended: 0,
    });
    await catchUp();
    expect(
      await recorder.record('east', report([status(web, { observedAt: at(3) })]), 'agent'),
    ).toEqual({
      accepted: 1,
      eventsAppended: 0,
    });
    const events = await store.readStream(deliveryStream(web));
    const changed = events.filter((e) => e.type === 'ApplicationStatusChanged');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.data).toMatchObject({
      clusterId: 'east',
      sync: 'Synced',
      reporter: 'agent',
    });
    expect(changed[0]?.metadata.actor).toBe('agent:east');
    expect(changed[0]?.metadata.tenantId).toBe('team-a');
  });

  it('a real change (health, a problem) appends, and problems compare by content not key order', async () => {
    const problem = {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'web',
      name: 'web',
      sync: 'Synced' as const,
      health: 'Degraded' as const,
      message: 'ImagePullBackOff',
    };
    const degraded = status(web, { health: 'Degraded', problems: [problem], observedAt: at(4) });
    expect((await recorder.record('east', report([degraded]), 'agent')).eventsAppended).toBe(1);
    await catchUp();
    const reordered = Object.fromEntries(Object.entries(problem).reverse()) as typeof problem;
    const again = status(web, { health: 'Degraded', problems: [reordered], observedAt: at(5) });
    expect((await recorder.record('east', report([again]), 'agent')).eventsAppended).toBe(0);
    const { rows } = await pool.query(
      `SELECT health, problems FROM ${DELIVERIES_TABLE} WHERE application_id = $1`,
      [web],
    );
    expect(rows[0]).toMatchObject({ health: 'Degraded', problems: [problem] });
  });

  it('drift: recorded once while it lasts, again for each self-heal correction, never for a retried report', async () => {
    const seen = status(web, { health: 'Degraded', drift: drifted, observedAt: at(6) });
    // Health is unchanged from the previous test's report except for problems: keep them equal.
    const base = (
      await pool.query(`SELECT problems FROM ${DELIVERIES_TABLE} WHERE application_id = $1`, [web])
    ).rows[0] as { problems: StatusRequest['applications'][number]['problems'] };
    seen.problems = base.problems;
    expect((await recorder.record('east', report([seen]), 'agent')).eventsAppended).toBe(1);
    expect(
      (await recorder.record('east', report([{ ...seen, observedAt: at(7) }]), 'agent'))
        .eventsAppended,
    ).toBe(0);
    const corrected = { ...seen, driftCorrected: true, observedAt: at(8) };
    expect((await recorder.record('east', report([corrected]), 'agent')).eventsAppended).toBe(1);
    // The same request again (its answer was lost): nothing new.
    expect((await recorder.record('east', report([corrected]), 'agent')).eventsAppended).toBe(0);
    await catchUp();
    expect((await recorder.record('east', report([corrected]), 'agent')).eventsAppended).toBe(0);
    // Corrected again later: a new correction.
    const later = { ...corrected, observedAt: at(9) };
    expect((await recorder.record('east', report([later]), 'agent')).eventsAppended).toBe(1);
    const drift = (await store.readStream(deliveryStream(web))).filter(
      (e) => e.type === 'ApplicationDriftDetected',
    );
    expect(drift.map((e) => (e.data as { corrected: boolean }).corrected)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it("refuses another cluster's Application, naming the field, and appends nothing of the report", async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM events');
    // west's Application reported by east (a stolen or confused agent), after a valid one.
    const attempt = recorder.record(
      'east',
      report([status(web, { health: 'Missing', observedAt: at(10) }), status(westWeb)]),
      'agent',
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'applications[1].id',
    });
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    // A made-up id, and a removal of west's Application.
    await expect(
      recorder.record('east', report([status('00000000-0000-4000-8000-000000000000')]), 'agent'),
    ).rejects.toMatchObject({ field: 'applications[0].id' });
    await expect(
      recorder.record(
        'east',
        report([], [{ id: westWeb, removed: 3, preserved: false, observedAt: at(11) }]),
        'agent',
      ),
    ).rejects.toMatchObject({ field: 'removed[0].id' });
    const after = await pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(await types(westWeb)).toEqual(['ApplicationRendered']);
  });

  it('refuses an Application reported twice in one report', async () => {
    await expect(
      recorder.record('east', report([status(web), status(web)]), 'agent'),
    ).rejects.toMatchObject({ field: 'applications[1].id' });
  });

  it('records a removal once; a retried removal report is accepted and appends nothing', async () => {
    const { rows } = await pool.query(
      `SELECT deleted FROM ${DELIVERIES_TABLE} WHERE application_id = $1`,
      [gone],
    );
    expect(rows[0]).toEqual({ deleted: true });
    const removed = { id: gone, removed: 4, preserved: false, observedAt: at(12) };
    expect(await recorder.record('east', report([], [removed]), 'agent')).toEqual({
      accepted: 1,
      eventsAppended: 1,
    });
    expect(await recorder.record('east', report([], [removed]), 'agent')).toEqual({
      accepted: 1,
      eventsAppended: 0,
    });
    await catchUp();
    // The projection dropped the tombstone: the retry is recognised from the stream.
    expect(await recorder.record('east', report([], [removed]), 'agent')).toEqual({
      accepted: 1,
      eventsAppended: 0,
    });
    expect((await types(gone)).filter((t) => t === 'ApplicationResourcesRemoved')).toHaveLength(1);
    // Another cluster cannot claim that removal either.
    await expect(recorder.record('west', report([], [removed]), 'agent')).rejects.toMatchObject({
      field: 'removed[0].id',
    });
  });

  it('the worker reports as system:push', async () => {
    await recorder.record('west', report([status(westWeb, { sync: 'OutOfSync' })]), 'worker');
    const last = (await store.readStream(deliveryStream(westWeb))).at(-1);
    expect(last?.data).toMatchObject({ reporter: 'worker', sync: 'OutOfSync' });
    expect(last?.metadata.actor).toBe('system:push');
  });

  it('concurrent identical reports of one cluster append once', async () => {
    const next = status(westWeb, { health: 'Progressing', observedAt: at(20) });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => recorder.record('west', report([next]), 'agent')),
    );
    expect(results.reduce((n, r) => n + r.eventsAppended, 0)).toBe(1);
  });
});

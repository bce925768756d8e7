import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import { AppsetFleet, manifest } from './appset.fixture';

const TENANT = 'team-p';
const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** A list of Applications on prod-eu: each element's app name and source path. */
const pinned = (name: string, elements: [string, string][], syncPolicy?: Record<string, unknown>) =>
  manifest(name, [{ list: { elements: elements.map(([app, path]) => ({ app, path })) } }], {
    appName: `${name}-{{.app}}`,
    path: '{{.path}}',
    destination: { name: 'prod-eu', namespace: 'apps' },
    finalizers: [RESOURCES_FINALIZER],
    ...(syncPolicy ? { syncPolicy } : {}),
  });

describe('ApplicationSet generation: updates, applicationsSync policies, deletion brake', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let worker: RunningWorker;

  beforeAll(async () => {
    db = await createTestDatabase('appset_policies');
    pool = createPool(db.url, { max: 4 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
    worker = await createWorker(testWorkerConfig(db.url));
    await fleet.tenant(TENANT);
    await fleet.cluster(TENANT, 'prod-eu', { env: 'prod' });
    await fleet.settled(worker);
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
  });

  const update = (id: string, m: ReturnType<typeof pinned>) =>
    fleet.setEvent(id, TENANT, { type: 'ApplicationSetUpdated', data: { manifest: m } });

  it('a manifest update writes only what differs', async () => {
    const id = await fleet.createSet(
      TENANT,
      pinned('upd', [
        ['a', 'a'],
        ['b', 'b'],
        ['c', 'c'],
      ]),
    );
    await fleet.settled(worker);
    await update(
      id,
      pinned('upd', [
        ['a', 'a'],
        ['b', 'b2'],
        ['c', 'c'],
        ['d', 'd'],
      ]),
    );
    await fleet.settled(worker);
    const events = await fleet.applicationEvents(id, ['upd-a', 'upd-b', 'upd-c', 'upd-d']);
    expect(events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ApplicationCreated upd-a',
      'ApplicationCreated upd-b',
      'ApplicationCreated upd-c',
      'ApplicationUpdated upd-b',
      'ApplicationCreated upd-d',
    ]);
    expect((await fleet.applications(id)).find((a) => a.name === 'upd-b')?.path).toBe('b2');
    expect((await fleet.setEvents(id, 'ApplicationSetGenerated')).at(-1)?.data).toMatchObject({
      manifestVersion: 3,
      created: 1,
      updated: 1,
      unchanged: 2,
    });
  });

  it.each([
    ['create-only', { b: 'b', c: true }, 2],
    ['create-update', { b: 'b2', c: true }, 1],
    ['create-delete', { b: 'b', c: false }, 1],
    ['sync', { b: 'b2', c: false }, 0],
  ] as const)('applicationsSync %s', async (policy, expected, skipped) => {
    const name = `pol-${policy}`;
    const syncPolicy = { applicationsSync: policy };
    const id = await fleet.createSet(
      TENANT,
      pinned(
        name,
        [
          ['a', 'a'],
          ['b', 'b'],
          ['c', 'c'],
        ],
        syncPolicy,
      ),
    );
    await fleet.settled(worker);
    await update(
      id,
      pinned(
        name,
        [
          ['a', 'a'],
          ['b', 'b2'],
        ],
        syncPolicy,
      ),
    );
    await fleet.settled(worker);
    const apps = await fleet.applications(id);
    expect(apps.find((a) => a.name === `${name}-b`)?.path).toBe(expected.b);
    expect(apps.some((a) => a.name === `${name}-c`)).toBe(expected.c);
    expect((await fleet.setEvents(id, 'ApplicationSetGenerated')).at(-1)?.data).toMatchObject({
      skipped,
    });
  });

  it('preserveResourcesOnDeletion: pruned and ApplicationSet-deleted Applications keep their resources only when asked', async () => {
    const keep = await fleet.createSet(
      TENANT,
      pinned(
        'keep',
        [
          ['a', 'a'],
          ['b', 'b'],
        ],
        { preserveResourcesOnDeletion: true },
      ),
    );
    const drop = await fleet.createSet(
      TENANT,
      pinned('drop', [
        ['a', 'a'],
        ['b', 'b'],
      ]),
    );
    await fleet.settled(worker);
    await update(keep, pinned('keep', [['a', 'a']], { preserveResourcesOnDeletion: true }));
    await update(drop, pinned('drop', [['a', 'a']]));
    await fleet.settled(worker);
    await fleet.setEvent(keep, TENANT, { type: 'ApplicationSetDeleted', data: {} });
    await fleet.setEvent(drop, TENANT, { type: 'ApplicationSetDeleted', data: {} });
    await fleet.settled(worker);
    const deletions = async (id: string, prefix: string) =>
      (await fleet.applicationEvents(id, [`${prefix}-a`, `${prefix}-b`]))
        .filter((e) => e.type === 'ApplicationDeleted')
        .map((e) => `${e.name} ${String(e.data.reason)} ${String(e.data.preserveResources)}`);
    expect(await deletions(keep, 'keep')).toEqual([
      'keep-b Pruned true',
      'keep-a ApplicationSetDeleted true',
    ]);
    expect(await deletions(drop, 'drop')).toEqual([
      'drop-b Pruned false',
      'drop-a ApplicationSetDeleted false',
    ]);
    expect(await fleet.names(keep)).toEqual([]);
  });

  it('the brake holds 7 deletions of 24 until someone confirms exactly that set', async () => {
    const all = Array.from({ length: 24 }, (_, i): [string, string] => [
      `n${String(i).padStart(2, '0')}`,
      'x',
    ]);
    const id = await fleet.createSet(TENANT, pinned('brake', all));
    await fleet.settled(worker);
    expect(await fleet.names(id)).toHaveLength(24);
    await update(id, pinned('brake', all.slice(0, 17)));
    await fleet.settled(worker);
    expect(await fleet.names(id)).toHaveLength(24);
    const [held] = await fleet.setEvents(id, 'ApplicationSetDeletionHeld');
    const deletions = all.slice(17).map(([app]) => `brake-${app}`);
    expect(held?.data).toMatchObject({ deletions, currentCount: 24, threshold: 6 });
    expect((await fleet.status(id))['held']).toMatchObject({ deletions });

    // Regenerating while held changes nothing and appends nothing.
    const before = await fleet.eventCount();
    await worker.jobs.add({ type: 'appset-resync' }, 'brake-resync');
    await fleet.settled(worker);
    expect(await fleet.eventCount()).toBe(before);

    await fleet.setEvent(id, TENANT, {
      type: 'ApplicationSetDeletionConfirmed',
      data: { deletions },
    });
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(all.slice(0, 17).map(([app]) => `brake-${app}`));
    const deleted = (
      await fleet.applicationEvents(
        id,
        all.map(([app]) => `brake-${app}`),
      )
    ).filter((e) => e.type === 'ApplicationDeleted');
    expect(deleted.map((e) => e.name)).toEqual(deletions);
    expect(await fleet.status(id)).toMatchObject({ held: null, confirmed: null });
  });
});

import { applicationDigest, type ApplicationMetadata } from './application.events';
import {
  DEFAULT_DELETION_BRAKE,
  deletionThreshold,
  planReconciliation,
  readApplicationsSync,
  type ApplicationsSyncPolicy,
  type CurrentApplication,
  type DesiredApplication,
  type ReconciliationInput,
} from './reconcile-plan';

const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const desired = (name: string, revision = 'v1', clusterId = 'c-1'): DesiredApplication => {
  const spec = {
    project: 'default',
    source: { repoURL: 'https://git/x', targetRevision: revision },
  };
  return {
    name,
    clusterId,
    namespace: 'apps',
    project: 'default',
    spec,
    metadata: META,
    digest: applicationDigest(spec, META),
  };
};
const current = (name: string, revision = 'v1', clusterId = 'c-1'): CurrentApplication => ({
  name,
  id: `id-${name}`,
  digest: desired(name, revision).digest,
  clusterId,
});
const names = (n: number, prefix = 'app'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

const plan = (over: Partial<ReconciliationInput>) =>
  planReconciliation({
    desired: [],
    current: [],
    policy: 'sync',
    preserveResourcesOnDeletion: false,
    brake: DEFAULT_DELETION_BRAKE,
    ...over,
  });

/** A plan as names only: create, update, delete, unchanged, skipped, held. */
const summary = (over: Partial<ReconciliationInput>) => {
  const p = plan(over);
  return {
    create: p.create.map((a) => a.name),
    update: p.update.map((u) => u.desired.name),
    delete: p.delete.map((d) => d.name),
    unchanged: p.unchanged,
    skipped: p.skipped,
    held: p.held,
  };
};

describe('planReconciliation', () => {
  // One of each: "new" to create, "same" unchanged, "moved" changed, "gone" no longer generated.
  const mixed = {
    desired: [desired('same'), desired('new'), desired('moved', 'v2')],
    current: [current('gone'), current('same'), current('moved')],
  };

  it.each<[ApplicationsSyncPolicy, Record<string, unknown>]>([
    [
      'sync',
      { create: ['new'], update: ['moved'], delete: ['gone'], skipped: { update: [], delete: [] } },
    ],
    [
      'create-update',
      { create: ['new'], update: ['moved'], delete: [], skipped: { update: [], delete: ['gone'] } },
    ],
    [
      'create-delete',
      { create: ['new'], update: [], delete: ['gone'], skipped: { update: ['moved'], delete: [] } },
    ],
    [
      'create-only',
      { create: ['new'], update: [], delete: [], skipped: { update: ['moved'], delete: ['gone'] } },
    ],
  ])('policy %s', (policy, expected) => {
    expect(summary({ ...mixed, policy })).toEqual({
      unchanged: ['same'],
      held: null,
      ...expected,
    });
  });

  it('carries the update with the previous digest and the existing id', () => {
    expect(plan(mixed).update).toEqual([
      { desired: desired('moved', 'v2'), id: 'id-moved', previousDigest: current('moved').digest },
    ]);
  });

  it('updates an Application whose destination resolved to another cluster, same digest', () => {
    expect(
      summary({ desired: [desired('a', 'v1', 'c-2')], current: [current('a')] }).update,
    ).toEqual(['a']);
  });

  it('sorts every list by name (code points), whatever the input order', () => {
    const p = summary({
      desired: ['b', 'B', 'a-2', 'a-10', 'c'].map((n) => desired(n)),
      current: ['z', 'y', 'c'].map((n) => current(n, 'v0')),
    });
    expect(p).toMatchObject({
      create: ['B', 'a-10', 'a-2', 'b'],
      update: ['c'],
      delete: ['y', 'z'],
    });
  });

  it('plans a duplicated desired name once (the first) and reports it', () => {
    const second = desired('a', 'v2');
    const p = plan({ desired: [desired('a'), desired('b'), second, desired('b')] });
    expect(p.create).toEqual([desired('a'), desired('b')]);
    expect(p.duplicates).toEqual(['a', 'b']);
  });

  describe('the deletion brake (a quarter, at least five)', () => {
    it.each<[string, number, number, boolean]>([
      // [case, current Applications, of which deleted, held?]
      ['5 of 5 deleted', 5, 5, false],
      ['6 of 24', 24, 6, false],
      ['7 of 24', 24, 7, true],
      ['5 of 6', 6, 5, false],
      ['6 of 6', 6, 6, true],
      ['10 of 40', 40, 10, false],
      ['11 of 40', 40, 11, true],
      ['0 of 0', 0, 0, false],
    ])('%s', (_case, currentCount, deleted, isHeld) => {
      const all = names(currentCount);
      const p = plan({
        desired: all.slice(deleted).map((n) => desired(n)),
        current: all.map((n) => current(n)),
      });
      const threshold = deletionThreshold(DEFAULT_DELETION_BRAKE, currentCount);
      expect(p.held).toEqual(
        isHeld ? { deletions: all.slice(0, deleted), currentCount, threshold } : null,
      );
      expect(p.delete.map((d) => d.name)).toEqual(isHeld ? [] : all.slice(0, deleted));
    });

    it('computes max(floor(share × current), minimum)', () => {
      expect(
        [0, 5, 20, 23, 24, 27, 100].map((n) => deletionThreshold(DEFAULT_DELETION_BRAKE, n)),
      ).toEqual([5, 5, 5, 5, 6, 6, 25]);
    });

    const all = names(24);
    const seven = all.slice(0, 7);
    const over = (confirmedDeletions?: readonly string[]) =>
      plan({
        desired: [...all.slice(8).map((n) => desired(n)), desired('new'), desired('app-07', 'v2')],
        current: all.map((n) => current(n)),
        confirmedDeletions,
      });

    it('still creates and updates while deletions are held', () => {
      const p = over();
      expect(p.create.map((a) => a.name)).toEqual(['new']);
      expect(p.update.map((u) => u.desired.name)).toEqual(['app-07']);
      expect(p.delete).toEqual([]);
      expect(p.held?.deletions).toEqual(seven);
    });

    it.each<[string, readonly string[] | undefined, boolean]>([
      ['no confirmation', undefined, true],
      ['the confirmed set, in another order', [...seven].reverse(), false],
      ['a confirmed subset', seven.slice(1), true],
      ['a confirmed superset', [...seven, 'app-08'], true],
      ['a confirmed set of the same size, one different', [...seven.slice(1), 'app-08'], true],
      ['an empty confirmation', [], true],
    ])('%s', (_case, confirmedDeletions, isHeld) => {
      const p = over(confirmedDeletions);
      expect(p.held !== null).toBe(isHeld);
      expect(p.delete.map((d) => d.name)).toEqual(isHeld ? [] : seven);
    });
  });

  describe('deletions and the resources they leave', () => {
    it.each<[string, boolean, readonly string[] | undefined, boolean]>([
      ['default: resources deleted', false, undefined, false],
      ['preserveResourcesOnDeletion', true, undefined, true],
      ['with the resources finalizer', false, ['resources-finalizer.argocd.argoproj.io'], false],
      [
        'with the background finalizer',
        false,
        ['resources-finalizer.argocd.argoproj.io/background'],
        false,
      ],
      ['without a resources finalizer: Argo CD leaves them', false, [], true],
      [
        'preserveResourcesOnDeletion wins over a finalizer',
        true,
        ['resources-finalizer.argocd.argoproj.io'],
        true,
      ],
    ])('%s', (_case, preserveResourcesOnDeletion, finalizers, preserveResources) => {
      const p = plan({
        current: [{ ...current('gone'), ...(finalizers ? { finalizers } : {}) }],
        preserveResourcesOnDeletion,
      });
      expect(p.delete).toEqual([{ name: 'gone', id: 'id-gone', preserveResources }]);
    });
  });
});

describe('readApplicationsSync', () => {
  it.each<[string, unknown, ReturnType<typeof readApplicationsSync>]>([
    ['no syncPolicy', { spec: {} }, { policy: 'sync', preserveResourcesOnDeletion: false }],
    [
      'both set',
      {
        spec: {
          syncPolicy: { applicationsSync: 'create-only', preserveResourcesOnDeletion: true },
        },
      },
      { policy: 'create-only', preserveResourcesOnDeletion: true },
    ],
    [
      'an empty policy',
      { spec: { syncPolicy: { applicationsSync: '' } } },
      { policy: 'sync', preserveResourcesOnDeletion: false },
    ],
  ])('%s', (_case, manifest, expected) => {
    expect(readApplicationsSync(manifest)).toEqual(expected);
  });

  it.each([
    [{ applicationsSync: 'delete' }, 'manifest.spec.syncPolicy.applicationsSync'],
    [
      { preserveResourcesOnDeletion: 'yes' },
      'manifest.spec.syncPolicy.preserveResourcesOnDeletion',
    ],
  ])('refuses %j', (syncPolicy, field) => {
    expect(() => readApplicationsSync({ spec: { syncPolicy } })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
    );
  });
});

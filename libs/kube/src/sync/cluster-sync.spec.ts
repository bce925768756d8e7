import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { OWNER_LABEL } from '../ownership';
import { ClusterSync } from './cluster-sync';
import type { DesiredApplication, Manifest } from './sync.types';

const APP = '3f6c1b8e-0d2a-4c55-9a57-1b2c3d4e5f60';
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

const configMap = (name: string, extra: Record<string, unknown> = {}, ns?: string): Manifest => ({
  ...CM,
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...extra },
  data: { key: name },
});

const app = (
  manifests: Manifest[],
  over: Partial<DesiredApplication> = {},
): DesiredApplication => ({
  id: APP,
  name: 'shop',
  namespace: 'shop',
  bundleId: 'b1',
  commit: 'c1',
  manifests,
  prune: true,
  selfHeal: false,
  ...over,
});

const widgetCrd: Manifest = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
};

const rv = (cluster: SimCluster, apiVersion: string, kind: string, ns: string, name: string) =>
  Number(cluster.get({ apiVersion, kind }, ns, name)?.metadata.resourceVersion);

describe('ClusterSync apply, prune and remove', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  let sync: ClusterSync;

  beforeEach(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('c1');
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfigYaml());
    sync = new ClusterSync(kc, { sleep: () => Promise.resolve() });
  });
  afterEach(() => sim.close());

  it('applies Namespaces and CRDs first, then by sync wave, as field manager flotilla', async () => {
    const report = await sync.apply(
      app([
        {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w' },
          spec: { size: 1 },
        },
        configMap('late', { annotations: { 'argocd.argoproj.io/sync-wave': '2' } }),
        configMap('early', { annotations: { 'argocd.argoproj.io/sync-wave': '-1' } }),
        widgetCrd,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      ]),
    );
    expect(report).toMatchObject({ sync: 'Synced', health: 'Healthy', message: '', problems: [] });
    expect(report).toMatchObject({ commit: 'c1', bundleId: 'b1', resourceCount: 5, drift: [] });
    const ns = rv(cluster, 'v1', 'Namespace', '', 'shop');
    const crd = rv(
      cluster,
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      '',
      'widgets.example.com',
    );
    const early = rv(cluster, 'v1', 'ConfigMap', 'shop', 'early');
    const widget = rv(cluster, 'example.com/v1', 'Widget', 'shop', 'w');
    const late = rv(cluster, 'v1', 'ConfigMap', 'shop', 'late');
    expect(Math.max(ns, crd)).toBeLessThan(early);
    expect(early).toBeLessThan(widget);
    expect(widget).toBeLessThan(late);
    const live = cluster.get(CM, 'shop', 'early');
    expect(live?.metadata.labels?.[OWNER_LABEL]).toBe(APP);
    expect(live?.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'flotilla', operation: 'Apply' }),
    ]);
  });

  it('defaults the namespace of namespaced objects only, and reports what cannot be applied', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
      rules: [],
    };
    const report = await sync.apply(app([configMap('a'), role], { namespace: 'default' }));
    expect(report.sync).toBe('Synced');
    expect(cluster.get(CM, 'default', 'a')).toBeDefined();
    expect(
      cluster.get({ apiVersion: role.apiVersion, kind: 'ClusterRole' }, '', 'reader')?.metadata
        .namespace,
    ).toBeUndefined();

    const other = new ClusterSync(configOf(cluster), { sleep: () => Promise.resolve() });
    const bad = await other.apply(
      app(
        [configMap('b'), { apiVersion: 'example.com/v9', kind: 'Gadget', metadata: { name: 'g' } }],
        { id: 'a2', namespace: '' },
      ),
    );
    expect(bad.sync).toBe('OutOfSync');
    expect(bad.problems.map((p) => p.message).sort()).toEqual([
      'ConfigMap b is namespaced: it names no namespace and the destination namespace is empty',
      'the server has no resource for example.com/v9, Kind=Gadget',
    ]);
  });

  it('never touches an existing object it does not own', async () => {
    cluster.put({
      ...CM,
      metadata: { name: 'taken', namespace: 'default' },
      data: { key: 'theirs' },
    });
    const report = await sync.apply(
      app([configMap('taken'), configMap('mine')], { namespace: 'default' }),
    );
    expect(cluster.get(CM, 'default', 'taken')?.['data']).toEqual({ key: 'theirs' });
    expect(cluster.get(CM, 'default', 'taken')?.metadata.labels).toBeUndefined();
    expect(report.sync).toBe('OutOfSync');
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'ConfigMap',
        name: 'taken',
        message: 'exists and is not managed by this Application',
      }),
    ]);
    const inventory = cluster.get(CM, 'flotilla-system', `flotilla-inv-${APP}`);
    expect(JSON.parse(String((inventory?.['data'] as Record<string, string>)['objects']))).toEqual([
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'mine' },
    ]);
  });

  it('prunes only owned objects that left the manifests, and only when prune is on', async () => {
    await sync.apply(
      app([configMap('a'), configMap('b'), configMap('c')], { namespace: 'default' }),
    );
    const kept = await sync.apply(app([configMap('a')], { namespace: 'default', prune: false }));
    expect(cluster.get(CM, 'default', 'b')).toBeDefined();
    expect(kept.sync).toBe('OutOfSync');
    expect(kept.problems.map((p) => `${p.name}: ${p.message}`)).toEqual([
      'c: requires pruning',
      'b: requires pruning',
    ]);
    // `c` is replaced by someone else's object of the same name: not ours to delete.
    cluster.delete(CM, 'default', 'c');
    cluster.put({ ...CM, metadata: { name: 'c', namespace: 'default' }, data: { key: 'theirs' } });
    const pruned = await sync.apply(app([configMap('a')], { namespace: 'default' }));
    expect(pruned).toMatchObject({ sync: 'Synced', problems: [] });
    expect(cluster.get(CM, 'default', 'b')).toBeUndefined();
    expect(cluster.get(CM, 'default', 'c')?.['data']).toEqual({ key: 'theirs' });
    expect(cluster.get(CM, 'default', 'a')).toBeDefined();
  });

  it('removes what an Application deployed, or only forgets it when preserved', async () => {
    await sync.apply(app([configMap('a'), configMap('b')], { namespace: 'default' }));
    const other = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
    await sync.apply(app([configMap('kept')], { id: other, namespace: 'default' }));
    const removed = await sync.remove({ id: APP, preserveResources: false });
    expect(removed).toMatchObject({ id: APP, removed: 2, preserved: false });
    expect(cluster.list(CM, 'default').map((c) => c.metadata.name)).toEqual(['kept']);
    const preserved = await sync.remove({ id: other, preserveResources: true });
    expect(preserved).toMatchObject({ removed: 0, preserved: true });
    expect(cluster.get(CM, 'default', 'kept')).toBeDefined();
    expect(cluster.list(CM, 'flotilla-system')).toEqual([]);
    expect(await sync.remove({ id: 'never-applied', preserveResources: false })).toMatchObject({
      removed: 0,
    });
  });

  it('stops later waves when the server rejects an object, and reports its message', async () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 'two',
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx' }] },
        },
      },
    };
    const report = await sync.apply(
      app([broken, configMap('after', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } })], {
        namespace: 'default',
      }),
    );
    expect(report.sync).toBe('OutOfSync');
    expect(report.message).toMatch(/^1 of 2 resources could not be applied: .*replicas/);
    expect(report.problems.map((p) => `${p.name}: ${p.message}`)).toEqual([
      expect.stringMatching(/^web: .*replicas/),
      'after: not applied: an earlier sync wave failed',
    ]);
    expect(cluster.get(CM, 'default', 'after')).toBeUndefined();
  });

  it('reports Unknown when the cluster cannot be reached, and OutOfSync for a bad sync wave', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfigYaml().replace(sim.url, 'http://127.0.0.1:1'));
    const attempts: number[] = [];
    const away = new ClusterSync(kc, { sleep: (ms) => (attempts.push(ms), Promise.resolve()) });
    const unreachable = await away.apply(app([configMap('a')]));
    expect(unreachable).toMatchObject({ sync: 'Unknown', health: 'Unknown', commit: null });
    expect(unreachable.message).not.toBe('');
    expect(attempts).toEqual([200, 400, 800]);
    const badWave = await sync.apply(
      app([configMap('a', { annotations: { 'argocd.argoproj.io/sync-wave': '1.5' } })]),
    );
    expect(badWave.sync).toBe('OutOfSync');
    expect(badWave.message).toMatch(/sync-wave must be an integer/);
  });
});

function configOf(cluster: SimCluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfigYaml());
  return kc;
}

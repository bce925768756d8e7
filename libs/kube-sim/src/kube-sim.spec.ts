import {
  ApiException,
  ApisApi,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type SimCluster } from './index';

function clientFor(cluster: SimCluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfigYaml());
  return kc;
}

/** The Status body of a failed call, whichever client API made it. */
async function failure(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return { ...(body as Record<string, unknown>), httpCode: err.code };
  }
  throw new Error('expected the call to fail');
}

const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    },
    ...extra,
  },
});

describe('kube-sim', () => {
  let sim: KubeSim;
  let east: SimCluster;
  let kc: KubeConfig;

  beforeEach(async () => {
    sim = await startKubeSim();
    east = sim.addCluster('east', {
      version: { major: '1', minor: '30', gitVersion: 'v1.30.4' },
      nodes: [
        { name: 'n1', labels: { zone: 'a' }, allocatable: { cpu: '8', memory: '32Gi' } },
        { name: 'n2', labels: { zone: 'b' }, allocatable: { cpu: '4', memory: '16Gi' } },
      ],
    });
    kc = clientFor(east);
  });
  afterEach(() => sim.close());

  it('serves discovery and the configured version', async () => {
    expect(await kc.makeApiClient(VersionApi).getCode()).toMatchObject({
      major: '1',
      minor: '30',
      gitVersion: 'v1.30.4',
    });
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(['apps', 'batch', 'rbac.authorization.k8s.io']),
    );
    const res = await fetch(`${east.server}/apis/apps/v1`);
    const list = (await res.json()) as { resources: { name: string; namespaced: boolean }[] };
    expect(list.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'deployments', namespaced: true }),
        expect.objectContaining({ name: 'deployments/status' }),
      ]),
    );
    east.setVersion({ major: '1', minor: '31', gitVersion: 'v1.31.1' });
    expect((await kc.makeApiClient(VersionApi).getCode()).gitVersion).toBe('v1.31.1');
  });

  it('lists the configured nodes', async () => {
    const nodes = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: 'zone=a' });
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['n1']);
    expect(nodes.items[0]?.status?.allocatable).toMatchObject({ cpu: '8', memory: '32Gi' });
    east.setNodes([{ name: 'n3' }]);
    const after = await kc.makeApiClient(CoreV1Api).readNode({ name: 'n3' });
    expect(after.metadata?.name).toBe('n3');
  });

  it('creates, reads, updates, lists by label and deletes', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'a', labels: { tier: 'web' } }, data: { k: 'v' } },
    });
    expect(created.metadata?.uid).toMatch(/[0-9a-f-]{36}/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'b', labels: { tier: 'db' } } },
    });
    const web = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'tier in (web,cache)',
    });
    expect(web.items.map((c) => c.metadata?.name)).toEqual(['a']);
    const notWeb = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'tier,tier!=web',
    });
    expect(notWeb.items.map((c) => c.metadata?.name)).toEqual(['b']);
    const byName = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=b' });
    expect(byName.items.map((c) => c.metadata?.name)).toEqual(['b']);

    const updated = await core.replaceNamespacedConfigMap({
      name: 'a',
      namespace: 'default',
      body: { ...created, data: { k: 'w' } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    const stale = await failure(
      core.replaceNamespacedConfigMap({ name: 'a', namespace: 'default', body: created }),
    );
    expect(stale).toMatchObject({ httpCode: 409, reason: 'Conflict' });

    const patched = await KubernetesObjectApi.makeApiClient(kc).patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a', namespace: 'default' },
        data: { extra: '1', k: null },
      } as never,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect((patched as { data?: unknown }).data).toEqual({ extra: '1' });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    expect(east.get({ apiVersion: 'v1', kind: 'ConfigMap' }, 'default', 'a')).toBeUndefined();
  });

  it('answers 404, 409 and 422 with Status bodies shaped like the API server', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    expect(
      await failure(apps.readNamespacedDeployment({ name: 'nope', namespace: 'default' })),
    ).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
      httpCode: 404,
    });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
    expect(
      await failure(
        apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') }),
      ),
    ).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'deployments.apps "web" already exists',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    const bad = deployment('bad');
    (bad.spec.template.spec.containers[0] as { name?: string }).name = undefined;
    const invalid = await failure(kc.makeApiClient(KubernetesObjectApi).create(bad));
    expect(invalid).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: { name: 'bad', group: 'apps', kind: 'Deployment' },
    });
    expect(invalid['message']).toContain(
      'Deployment.apps "bad" is invalid: spec.template.spec.containers[0].name: Required value',
    );
    expect((invalid['details'] as { causes: unknown[] }).causes).toEqual([
      {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec.template.spec.containers[0].name',
      },
    ]);
  });

  it('refuses a Deployment with a wrongly typed field and one whose selector misses its template', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const typed = await failure(
      objects.create({
        ...deployment('x'),
        spec: { ...deployment('x').spec, replicas: 'three' },
      } as never),
    );
    expect(typed).toMatchObject({
      code: 422,
      details: { causes: [expect.objectContaining({ field: 'spec.replicas' })] },
    });
    const off = deployment('y');
    off.spec.selector.matchLabels.app = 'other';
    const mismatch = await failure(objects.create(off));
    expect(mismatch).toMatchObject({
      code: 422,
      details: { causes: [expect.objectContaining({ field: 'spec.template.metadata.labels' })] },
    });
  });

  it('keeps status behind the status subresource and bumps generation only on spec changes', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const created = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { ...deployment('web'), status: { replicas: 9 } } as never,
    });
    expect(created.status).toBeUndefined();
    expect(created.metadata?.generation).toBe(1);
    east.setStatus({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'default', 'web', {
      readyReplicas: 2,
      observedGeneration: 1,
    });
    const live = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    expect(live.status?.readyReplicas).toBe(2);
    expect(live.metadata?.generation).toBe(1);
    const replaced = await apps.replaceNamespacedDeployment({
      name: 'web',
      namespace: 'default',
      body: { ...live, status: { readyReplicas: 0 } },
    });
    expect(replaced.status?.readyReplicas).toBe(2);
    const viaStatus = await apps.replaceNamespacedDeploymentStatus({
      name: 'web',
      namespace: 'default',
      body: { ...replaced, status: { readyReplicas: 1 } },
    });
    expect(viaStatus.status?.readyReplicas).toBe(1);
    east.mutate({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'default', 'web', (d) => {
      (d['spec'] as { replicas: number }).replicas = 5;
    });
    const scaled = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    expect(scaled.spec?.replicas).toBe(5);
    expect(scaled.metadata?.generation).toBe(2);
  });

  it('streams watch events from a resourceVersion', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const first = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'a' } },
    });
    const events: string[] = [];
    const watcher = await new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: first.metadata?.resourceVersion, labelSelector: '!skip' },
      (phase, obj: { metadata: { name: string } }) => events.push(`${phase} ${obj.metadata.name}`),
      () => undefined,
    );
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'b' } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'c', labels: { skip: 'y' } } },
    });
    east.mutate({ apiVersion: 'v1', kind: 'ConfigMap' }, 'default', 'b', (c) => {
      c['data'] = { k: 'v' };
    });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    const deadline = Date.now() + 5000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    watcher.abort();
    expect(events).toEqual(['ADDED b', 'MODIFIED b', 'DELETED a']);
  });

  it('isolates clusters served by path prefix and requires the token when set', async () => {
    const west = sim.addCluster('west', { token: 's3cret' });
    const westKc = clientFor(west);
    await kc
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'only-east' } } });
    const westNs = await westKc.makeApiClient(CoreV1Api).listNamespace();
    expect(westNs.items.map((n) => n.metadata?.name)).not.toContain('only-east');
    expect(westNs.items.map((n) => n.metadata?.name)).toContain('default');
    const anonymous = await fetch(`${west.server}/api/v1/namespaces`);
    expect(anonymous.status).toBe(401);
  });
});

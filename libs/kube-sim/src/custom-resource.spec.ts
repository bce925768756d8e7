import {
  ApiException,
  ApisApi,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from './index';

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

describe('kube-sim custom resources', () => {
  let sim: KubeSim;
  let kc: KubeConfig;

  beforeEach(async () => {
    sim = await startKubeSim();
    kc = new KubeConfig();
    kc.loadFromString(sim.addCluster('c1').kubeconfigYaml());
  });
  afterEach(() => sim.close());

  it('serves a custom resource once its CRD exists', async () => {
    const crd = {
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
            subresources: { status: {} },
          },
        ],
      },
    };
    const custom = kc.makeApiClient(CustomObjectsApi);
    const before = await failure(
      custom.listNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: 'default',
        plural: 'widgets',
      }),
    );
    expect(before['httpCode']).toBe(404);
    await KubernetesObjectApi.makeApiClient(kc).create(crd);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toContain('example.com');
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      body: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { size: 3 },
      },
    });
    const list = (await custom.listNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
    })) as { items: { spec: { size: number } }[] };
    expect(list.items.map((w) => w.spec.size)).toEqual([3]);
  });
});

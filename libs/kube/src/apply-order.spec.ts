import { DomainError } from '@flotilla/domain';
import { applyOrder, pruneOrder, syncWave } from './apply-order';
import type { KubeObject } from './kube-object';

function object(kind: string, name: string, wave?: string, apiVersion = 'v1'): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      ...(wave === undefined ? {} : { annotations: { 'argocd.argoproj.io/sync-wave': wave } }),
    },
  };
}
const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`);

describe('applyOrder', () => {
  it("orders one wave by Argo CD's kind order, unknown kinds last, then by name", () => {
    const objects = [
      object('Ingress', 'web', undefined, 'networking.k8s.io/v1'),
      object('Widget', 'a', undefined, 'example.com/v1'),
      object('Deployment', 'web', undefined, 'apps/v1'),
      object('Service', 'web'),
      object('ConfigMap', 'b'),
      object('ConfigMap', 'a'),
      object('Secret', 'creds'),
      object('ServiceAccount', 'web'),
      object('ClusterRole', 'reader', undefined, 'rbac.authorization.k8s.io/v1'),
      object('PersistentVolumeClaim', 'data'),
      object('Job', 'migrate', undefined, 'batch/v1'),
      object('APIService', 'v1.metrics', undefined, 'apiregistration.k8s.io/v1'),
    ];
    expect(names(applyOrder(objects))).toEqual([
      'ServiceAccount/web',
      'Secret/creds',
      'ConfigMap/a',
      'ConfigMap/b',
      'PersistentVolumeClaim/data',
      'ClusterRole/reader',
      'Service/web',
      'Deployment/web',
      'Job/migrate',
      'Ingress/web',
      'APIService/v1.metrics',
      'Widget/a',
    ]);
  });

  it('orders by sync wave first: negative waves, then the default 0, then higher waves', () => {
    const objects = [
      object('ConfigMap', 'late', '10'),
      object('Deployment', 'web', undefined, 'apps/v1'),
      object('Service', 'web', '0'),
      object('Secret', 'early', '-5'),
      object('Job', 'migrate', '-1', 'batch/v1'),
      object('ConfigMap', 'plus', '+2'),
    ];
    expect(names(applyOrder(objects))).toEqual([
      'Secret/early',
      'Job/migrate',
      'Service/web',
      'Deployment/web',
      'ConfigMap/plus',
      'ConfigMap/late',
    ]);
  });

  it('puts Namespaces and CRDs before every wave (the issue), Namespaces first', () => {
    const crd = object(
      'CustomResourceDefinition',
      'widgets.example.com',
      '3',
      'apiextensions.k8s.io/v1',
    );
    const objects = [
      object('Widget', 'a', '-2', 'example.com/v1'),
      crd,
      object('Secret', 'early', '-10'),
      object('Namespace', 'team-b', '5'),
      object('Namespace', 'team-a'),
    ];
    expect(names(applyOrder(objects))).toEqual([
      'Namespace/team-a',
      'CustomResourceDefinition/widgets.example.com',
      'Namespace/team-b',
      'Secret/early',
      'Widget/a',
    ]);
  });

  it('does not hoist a Namespace kind of another group above earlier waves', () => {
    const objects = [
      object('Namespace', 'n', undefined, 'example.com/v1'),
      object('Secret', 's', '-1'),
    ];
    expect(names(applyOrder(objects))).toEqual(['Secret/s', 'Namespace/n']);
  });

  it('breaks ties by namespace, so the order is total and the input order does not matter', () => {
    const a = { ...object('ConfigMap', 'c'), metadata: { name: 'c', namespace: 'a' } };
    const b = { ...object('ConfigMap', 'c'), metadata: { name: 'c', namespace: 'b' } };
    expect(applyOrder([b, a])).toEqual([a, b]);
    expect(applyOrder([a, b])).toEqual([a, b]);
  });

  it('does not change its input', () => {
    const objects = [object('Service', 'b'), object('Namespace', 'a')];
    applyOrder(objects);
    expect(names(objects)).toEqual(['Service/b', 'Namespace/a']);
  });

  it('prunes in the reverse order', () => {
    const objects = [
      object('Namespace', 'team'),
      object('Deployment', 'web', '1', 'apps/v1'),
      object('ConfigMap', 'config'),
    ];
    expect(names(pruneOrder(objects))).toEqual([
      'Deployment/web',
      'ConfigMap/config',
      'Namespace/team',
    ]);
  });
});

describe('syncWave', () => {
  it.each<[string | undefined, number]>([
    [undefined, 0],
    ['0', 0],
    ['5', 5],
    ['-3', -3],
    ['+2', 2],
    ['007', 7],
  ])('%s is wave %d', (text, wave) => {
    expect(syncWave(object('ConfigMap', 'c', text))).toBe(wave);
  });

  it.each(['', ' 1', '1.5', 'one', '1e3', '0x10', '99999999999999999999'])(
    'rejects %j naming the object',
    (text) => {
      const bad = {
        ...object('ConfigMap', 'settings', text),
        metadata: {
          name: 'settings',
          namespace: 'team',
          annotations: { 'argocd.argoproj.io/sync-wave': text },
        },
      };
      const error = (() => {
        try {
          applyOrder([object('Secret', 's'), bad]);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'BAD_USER_INPUT',
        message: `ConfigMap/team/settings: annotation argocd.argoproj.io/sync-wave must be an integer, not ${JSON.stringify(text)}`,
      });
    },
  );
});

import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type SimCluster } from './index';

interface Managed {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

const ref = { apiVersion: 'apps/v1', kind: 'Deployment' };

function web(
  replicas: number,
  extra: Record<string, unknown> = {},
  env?: { name: string; value: string }[],
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', ...extra } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', ...(env ? { env } : {}) }] },
      },
    },
  };
}

describe('kube-sim server-side apply', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  let objects: KubernetesObjectApi;

  const apply = (spec: object, manager: string, force = false): Promise<KubernetesObject> =>
    objects.patch(
      spec as KubernetesObject,
      undefined,
      undefined,
      manager,
      force,
      PatchStrategy.ServerSideApply,
    );

  const conflictOf = async (call: Promise<unknown>): Promise<Record<string, unknown>> => {
    const err: unknown = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof ApiException)) throw new Error('expected an API error');
    return { ...(JSON.parse(String(err.body)) as Record<string, unknown>), httpCode: err.code };
  };

  beforeEach(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('c1');
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfigYaml());
    objects = KubernetesObjectApi.makeApiClient(kc);
  });
  afterEach(() => sim.close());

  it('creates on first apply and records the manager', async () => {
    const created = await apply(web(2), 'flotilla');
    expect(created.metadata?.generation).toBe(1);
    const managed = created.metadata?.managedFields as unknown as Managed[];
    expect(managed).toHaveLength(1);
    expect(managed[0]).toMatchObject({ manager: 'flotilla', operation: 'Apply' });
    expect(managed[0]?.fieldsV1).toMatchObject({
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } },
        },
      },
    });
  });

  it('updates in place, bumping generation only when the spec changes', async () => {
    await apply(web(2), 'flotilla');
    const same = await apply(web(2, { team: 'a' }), 'flotilla');
    expect(same.metadata?.generation).toBe(1);
    expect(same.metadata?.labels).toEqual({ app: 'web', team: 'a' });
    const scaled = await apply(web(3, { team: 'a' }), 'flotilla');
    expect(scaled.metadata?.generation).toBe(2);
  });

  it('refuses to change a field another manager owns, unless forced', async () => {
    await apply(web(2), 'flotilla');
    const conflict = await conflictOf(apply(web(5), 'hpa-controller'));
    expect(conflict).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      httpCode: 409,
      message:
        'Apply failed with 1 conflict: conflict with "flotilla" using apps/v1: .spec.replicas',
      details: {
        name: 'web',
        group: 'apps',
        kind: 'deployments',
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "flotilla" using apps/v1',
            field: '.spec.replicas',
          },
        ],
      },
    });
    // The same value is no conflict: both managers then own the field.
    await apply(web(2), 'other');
    const forced = await apply(web(5), 'hpa-controller', true);
    expect((forced as { spec: { replicas: number } }).spec.replicas).toBe(5);
    const owners = (forced.metadata?.managedFields as unknown as Managed[])
      .filter((m) => 'f:replicas' in ((m.fieldsV1['f:spec'] as Record<string, unknown>) ?? {}))
      .map((m) => m.manager);
    expect(owners).toEqual(['hpa-controller']);
  });

  it('conflicts with changes made by ordinary updates', async () => {
    await apply(web(2), 'flotilla');
    cluster.mutate(ref, 'default', 'web', (d) => {
      (d['spec'] as { replicas: number }).replicas = 7;
    });
    const conflict = await conflictOf(apply(web(3), 'flotilla'));
    expect(conflict['message']).toContain('conflict with "kube-sim"');
  });

  it('removes fields a manager stops applying, unless another manager owns them', async () => {
    await apply(
      web(2, { team: 'a', tier: 'x' }, [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ]),
      'flotilla',
    );
    await apply(
      { ...web(2), metadata: { name: 'web', namespace: 'default', labels: { tier: 'x' } } },
      'other',
    );
    const after = await apply(web(2, {}, [{ name: 'A', value: '1' }]), 'flotilla');
    expect(after.metadata?.labels).toEqual({ app: 'web', tier: 'x' });
    const env = (after as ReturnType<typeof web>).spec.template.spec.containers[0] as {
      env?: unknown;
    };
    expect(env.env).toEqual([{ name: 'A', value: '1' }]);
  });

  it('applies status through the status subresource only', async () => {
    await apply({ ...web(2), status: { replicas: 9 } }, 'flotilla');
    expect(cluster.get(ref, 'default', 'web')?.['status']).toBeUndefined();
    const res = await fetch(
      `${cluster.server}/apis/apps/v1/namespaces/default/deployments/web/status?fieldManager=ctl`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          status: { readyReplicas: 2 },
        }),
      },
    );
    expect(res.status).toBe(200);
    const live = cluster.get(ref, 'default', 'web');
    expect(live?.['status']).toEqual({ readyReplicas: 2 });
    expect(live?.metadata.generation).toBe(1);
  });

  it('requires a field manager and refuses invalid objects with 422', async () => {
    const res = await fetch(`${cluster.server}/apis/apps/v1/namespaces/default/deployments/web`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify(web(1)),
    });
    expect(res.status).toBe(400);
    const bad = web(1);
    (bad.spec.template.spec.containers[0] as { image: unknown }).image = 42;
    const invalid = await conflictOf(apply(bad, 'flotilla'));
    expect(invalid).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: {
        causes: [expect.objectContaining({ field: 'spec.template.spec.containers[0].image' })],
      },
    });
  });
});

import { assessHealth } from '@flotilla/kube';
import { startKubeSim, type KubeObject, type KubeSim, type SimCluster } from './index';

const podSpec = { containers: [{ name: 'c', image: 'busybox' }] };
const template = { metadata: { labels: { app: 'x' } }, spec: podSpec };
const selector = { matchLabels: { app: 'x' } };

const workloads: KubeObject[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'default' },
    spec: { replicas: 2, selector, template },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's', namespace: 'default' },
    spec: { replicas: 1, selector, template, serviceName: 's' },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'default' },
    spec: { selector, template },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs', namespace: 'default' },
    spec: { replicas: 1, selector, template },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default' },
    spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } },
  },
  // kube-sim does not default restartPolicy (the API server sets Always).
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { ...podSpec, restartPolicy: 'Always' },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'pvc', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'lb', namespace: 'default' },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
  },
];

const ref = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind });

async function healthOf(
  cluster: SimCluster,
  o: KubeObject,
  want: string,
): Promise<string | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const live = cluster.get(ref(o), 'default', o.metadata.name ?? '');
    const status = live ? assessHealth(live)?.status : undefined;
    if (status === want || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('kube-sim simulated controllers', () => {
  let sim: KubeSim;
  beforeEach(async () => {
    sim = await startKubeSim();
  });
  afterEach(() => sim.close());

  it('leaves statuses alone unless enabled', async () => {
    const off = sim.addCluster('off');
    const on = sim.addCluster('on', { controllers: {} });
    const d = workloads[0] as KubeObject;
    off.put(d);
    on.put(d);
    // Once the enabled cluster's controller has run, the other one would have too.
    expect(await healthOf(on, d, 'Healthy')).toBe('Healthy');
    expect(off.get(ref(d), 'default', 'd')?.['status']).toBeUndefined();
  });

  it.each(workloads.map((o) => [o.kind, o] as const))('makes a %s Healthy', async (_kind, o) => {
    const cluster = sim.addCluster('on', { controllers: { readyAfterMs: 0 } });
    cluster.put(o);
    expect(await healthOf(cluster, o, 'Healthy')).toBe('Healthy');
  });

  it('reconciles existing objects when enabled later, and follows new generations', async () => {
    const cluster = sim.addCluster('late');
    const d = workloads[0] as KubeObject;
    cluster.put(d);
    cluster.enableControllers();
    expect(await healthOf(cluster, d, 'Healthy')).toBe('Healthy');
    cluster.mutate(ref(d), 'default', 'd', (x) => {
      (x['spec'] as { replicas: number }).replicas = 4;
    });
    const deadline = Date.now() + 5000;
    let live = cluster.get(ref(d), 'default', 'd');
    while (
      (live?.['status'] as { readyReplicas?: number }).readyReplicas !== 4 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 5));
      live = cluster.get(ref(d), 'default', 'd');
    }
    expect(live?.['status']).toMatchObject({ observedGeneration: 2, readyReplicas: 4 });
  });

  it('writes a failing status for a faulted workload until the fault is cleared', async () => {
    const cluster = sim.addCluster('faulty', { controllers: {} });
    const d = workloads[0] as KubeObject;
    const job = workloads[4] as KubeObject;
    cluster.put(d);
    cluster.put(job);
    cluster.failWorkload(ref(d), 'default', 'd', 'image pull failed');
    expect(await healthOf(cluster, d, 'Degraded')).toBe('Degraded');
    expect(await healthOf(cluster, job, 'Healthy')).toBe('Healthy');
    cluster.mutate(ref(d), 'default', 'd', (x) => {
      (x['spec'] as { replicas: number }).replicas = 3;
    });
    expect(await healthOf(cluster, d, 'Degraded')).toBe('Degraded');
    expect(cluster.get(ref(d), 'default', 'd')?.['status']).toMatchObject({
      observedGeneration: 2,
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
        }),
      ]),
    });
    cluster.clearFault(ref(d), 'default', 'd');
    expect(await healthOf(cluster, d, 'Healthy')).toBe('Healthy');
  });
});

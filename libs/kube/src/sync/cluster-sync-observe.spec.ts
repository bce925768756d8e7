import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { ClusterSync } from './cluster-sync';
import type { ApplicationReport, DesiredApplication, Manifest } from './sync.types';

const APP = '3f6c1b8e-0d2a-4c55-9a57-1b2c3d4e5f60';
const OTHER = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

const deployment = (name: string, replicas = 2): Manifest => ({
  ...DEPLOY,
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    },
  },
});

const configMap = (name: string): Manifest => ({ ...CM, metadata: { name }, data: { key: name } });

const app = (
  manifests: Manifest[],
  over: Partial<DesiredApplication> = {},
): DesiredApplication => ({
  id: APP,
  name: 'shop',
  namespace: 'default',
  bundleId: 'b1',
  commit: 'c1',
  manifests,
  prune: true,
  selfHeal: false,
  ...over,
});

async function until(
  check: () => Promise<ApplicationReport>,
  done: (r: ApplicationReport) => boolean,
): Promise<ApplicationReport> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const report = await check();
    if (done(report) || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ClusterSync health, drift and watch', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  let sync: ClusterSync;

  beforeEach(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('c1', { controllers: { readyAfterMs: 0 } });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfigYaml());
    sync = new ClusterSync(kc, { sleep: () => Promise.resolve(), watchDebounceMs: 20 });
  });
  afterEach(() => sim.close());

  it('reports Healthy once the controllers are done, and Degraded for a failing workload', async () => {
    const desired = app([deployment('web'), deployment('api'), configMap('settings')]);
    const applied = await sync.apply(desired);
    expect(applied).toMatchObject({ sync: 'Synced', health: 'Progressing' });
    const healthy = await until(
      () => sync.assess(desired),
      (r) => r.health === 'Healthy',
    );
    expect(healthy).toMatchObject({ sync: 'Synced', health: 'Healthy', problems: [], drift: [] });

    cluster.failWorkload(DEPLOY, 'default', 'api', 'image pull failed');
    const degraded = await until(
      () => sync.assess(desired),
      (r) => r.health === 'Degraded',
    );
    expect(degraded.sync).toBe('Synced');
    expect(degraded.problems).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'api',
        health: 'Degraded',
        sync: 'Synced',
      }),
    ]);
    expect(degraded.problems[0]?.message).toMatch(/progress deadline/);
    // The fault outlives a re-apply with a new spec, until it is cleared.
    await sync.apply(app([deployment('web'), deployment('api', 3), configMap('settings')]));
    const still = await until(
      () => sync.assess(desired),
      (r) => r.health === 'Degraded',
    );
    expect(still.health).toBe('Degraded');
    cluster.clearFault(DEPLOY, 'default', 'api');
    const back = await until(
      () => sync.assess(desired),
      (r) => r.health === 'Healthy',
    );
    expect(back.health).toBe('Healthy');
  });

  it('detects drift of managed fields only, with a readable diff', async () => {
    const desired = app([deployment('web')]);
    await sync.apply(desired);
    cluster.mutate(DEPLOY, 'default', 'web', (d) => {
      d.metadata.labels = { ...d.metadata.labels, team: 'someone-else' };
      d.metadata.annotations = { ...d.metadata.annotations, note: 'added by hand' };
      d['status'] = { replicas: 9 };
    });
    const clean = await sync.assess(desired);
    expect(clean.drift).toEqual([]);

    cluster.mutate(DEPLOY, 'default', 'web', (d) => {
      (d['spec'] as { replicas: number }).replicas = 5;
    });
    const drifted = await sync.assess(desired);
    expect(drifted.sync).toBe('OutOfSync');
    expect(drifted.driftCorrected).toBe(false);
    expect(drifted.drift).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', diff: 'spec.replicas: - 2\n+ 5' }),
    ]);
  });

  it('self-heals drift and still reports it', async () => {
    const desired = app([deployment('web')], { selfHeal: true });
    await sync.apply(desired);
    cluster.mutate(DEPLOY, 'default', 'web', (d) => {
      (d['spec'] as { replicas: number }).replicas = 5;
    });
    const healed = await sync.assess(desired);
    expect(healed).toMatchObject({ sync: 'Synced', driftCorrected: true });
    expect(healed.drift.map((d) => d.diff)).toEqual(['spec.replicas: - 2\n+ 5']);
    expect((cluster.get(DEPLOY, 'default', 'web')?.['spec'] as { replicas: number }).replicas).toBe(
      2,
    );
    expect((await sync.assess(desired)).drift).toEqual([]);
  });

  it('calls onChange after a change behind its back, not after its own apply', async () => {
    cluster.disableControllers();
    await sync.apply(app([configMap('other')], { id: OTHER }));
    const changed: string[] = [];
    const stop = await sync.watch((id) => changed.push(id));
    try {
      await sync.apply(app([configMap('mine'), configMap('mine-too')]));
      cluster.mutate(CM, 'default', 'other', (c) => {
        c['data'] = { key: 'edited' };
      });
      const deadline = Date.now() + 5000;
      while (changed.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(changed).toEqual([OTHER]);
      cluster.delete(CM, 'default', 'mine');
      while (changed.length === 1 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(changed).toEqual([OTHER, APP]);
    } finally {
      stop();
    }
  });
});

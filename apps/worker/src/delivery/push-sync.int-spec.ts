import type { ApplicationStatusWire, DesiredResponse, StatusRequest } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { BundleStore, buildBundle } from '@flotilla/render';
import { SecretBox } from '@flotilla/secrets';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import {
  kubeconfigApplier,
  KubeconfigUnavailable,
  openKubeconfig,
  pushCluster,
  type PushApplication,
  type PushApplier,
  type PushSyncDeps,
} from './push-sync';

const AT = new Date('2026-03-01T10:00:00.000Z');
const COMMIT = 'a'.repeat(40);
const APP_A = '11111111-1111-4111-8111-111111111111';
const APP_B = '22222222-2222-4222-8222-222222222222';
const GONE = '33333333-3333-4333-8333-333333333333';
const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { k: 'v' },
});
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

/** Stands in for `ClusterSync` (the callers' tests may pass their own applier). */
class RecordingApplier implements PushApplier {
  readonly calls: string[] = [];
  readonly manifests = new Map<string, readonly Record<string, unknown>[]>();

  apply(app: PushApplication): Promise<ApplicationStatusWire> {
    return this.report('apply', app);
  }
  assess(app: PushApplication): Promise<ApplicationStatusWire> {
    return this.report('assess', app);
  }
  remove(removal: { id: string; preserveResources: boolean }) {
    this.calls.push(`remove ${removal.id}`);
    return Promise.resolve({
      id: removal.id,
      removed: removal.preserveResources ? 0 : 1,
      preserved: removal.preserveResources,
      observedAt: AT.toISOString(),
    });
  }
  private report(kind: string, app: PushApplication): Promise<ApplicationStatusWire> {
    this.calls.push(`${kind} ${app.id}`);
    this.manifests.set(app.id, app.manifests);
    return Promise.resolve({
      id: app.id,
      commit: app.commit,
      bundleId: app.bundleId,
      sync: 'Synced',
      health: 'Healthy',
      message: '',
      resourceCount: app.manifests.length,
      problems: [],
      drift: [],
      driftCorrected: false,
      observedAt: AT.toISOString(),
    });
  }
}

describe('push mode: one pass over a kubeconfig cluster (bundles in Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let bundles: BundleStore;
  const web = buildBundle([configMap('web'), configMap('web-2')]);

  beforeAll(async () => {
    db = await createTestDatabase('push_sync');
    pool = createPool(db.url, { max: 3 });
    bundles = new BundleStore(pool);
    await bundles.put(web);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const setup = (state: DesiredResponse | null) => {
    const applier = new RecordingApplier();
    const recorded: { clusterId: string; report: StatusRequest; reporter: string }[] = [];
    const reads: string[] = [];
    const deps: PushSyncDeps = {
      desired: { read: (id) => (reads.push(id), Promise.resolve(state)) },
      bundles: {
        get: (id) => {
          reads.push(`bundle ${id}`);
          return bundles.get(id);
        },
      },
      status: {
        record: (clusterId, report, reporter) =>
          Promise.resolve(recorded.push({ clusterId, report, reporter })),
      },
      applierFor: () => Promise.resolve(applier),
      now: () => AT,
    };
    return { applier, recorded, reads, deps };
  };
  const desired = (bundleB = web.id): DesiredResponse => ({
    clusterId: 'c1',
    revision: 'r1',
    applications: [
      {
        id: APP_A,
        name: 'web-a',
        namespace: 'web',
        bundleId: web.id,
        commit: COMMIT,
        prune: true,
        selfHeal: false,
      },
      {
        id: APP_B,
        name: 'web-b',
        namespace: 'web',
        bundleId: bundleB,
        commit: COMMIT,
        prune: false,
        selfHeal: true,
      },
    ],
    removals: [{ id: GONE, preserveResources: false }],
  });

  it('applies each Application with its bundle, removes deleted ones and records as the worker', async () => {
    const { applier, recorded, reads, deps } = setup(desired());
    const result = await pushCluster(deps, 'c1', 'apply');
    expect(result).toEqual({
      clusterId: 'c1',
      revision: 'r1',
      applications: 2,
      removals: 1,
      missingBundles: 0,
    });
    expect(applier.calls).toEqual([`apply ${APP_A}`, `apply ${APP_B}`, `remove ${GONE}`]);
    expect(applier.manifests.get(APP_A)).toEqual(web.manifests);
    // One shared bundle is read once.
    expect(reads.filter((r) => r.startsWith('bundle'))).toEqual([`bundle ${web.id}`]);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ clusterId: 'c1', reporter: 'worker' });
    expect(recorded[0]!.report.revision).toBe('r1');
    expect(recorded[0]!.report.applications.map((a) => [a.id, a.sync, a.resourceCount])).toEqual([
      [APP_A, 'Synced', 2],
      [APP_B, 'Synced', 2],
    ]);
    expect(recorded[0]!.report.removed).toEqual([
      { id: GONE, removed: 1, preserved: false, observedAt: AT.toISOString() },
    ]);
  });

  it('the drift pass assesses instead of applying', async () => {
    const { applier, deps } = setup(desired());
    await pushCluster(deps, 'c1', 'assess');
    expect(applier.calls).toEqual([`assess ${APP_A}`, `assess ${APP_B}`, `remove ${GONE}`]);
  });

  it('reports an Application whose bundle is missing instead of failing the cluster', async () => {
    const missing = 'f'.repeat(64);
    const { applier, recorded, deps } = setup(desired(missing));
    const result = await pushCluster(deps, 'c1', 'apply');
    expect(result.missingBundles).toBe(1);
    expect(applier.calls).toEqual([`apply ${APP_A}`, `remove ${GONE}`]);
    expect(recorded[0]!.report.applications[1]).toMatchObject({
      id: APP_B,
      sync: 'Unknown',
      health: 'Unknown',
      commit: null,
      message: expect.stringContaining(missing),
    });
  });

  it('does nothing for a cluster without desired state', async () => {
    const { applier, recorded, deps } = setup(null);
    expect(await pushCluster(deps, 'c1', 'apply')).toMatchObject({
      revision: null,
      applications: 0,
    });
    expect(applier.calls).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('opens the sealed kubeconfig of a cluster, and says why it cannot', async () => {
    const box = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);
    await expect(openKubeconfig(pool, box, 'c-none')).rejects.toThrow(KubeconfigUnavailable);
    await pool.query(
      `INSERT INTO cluster_kubeconfigs (cluster_id, sealed, fingerprint, key_id) VALUES ($1, $2, 'f', 'k1')`,
      ['c-sealed', box.seal(KUBECONFIG, 'cluster/c-sealed/kubeconfig')],
    );
    const kc = await openKubeconfig(pool, box, 'c-sealed');
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    const other = new SecretBox([{ id: 'k2', key: randomBytes(32) }]);
    await expect(openKubeconfig(pool, other, 'c-sealed')).rejects.toThrow(/c-sealed/);
  });

  it('drives the real ClusterSync over the sealed kubeconfig (kube-sim): apply, assess, remove', async () => {
    const sim: KubeSim = await startKubeSim();
    try {
      const cluster = sim.addCluster('pushed');
      const box = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);
      await pool.query(
        `INSERT INTO cluster_kubeconfigs (cluster_id, sealed, fingerprint, key_id) VALUES ($1, $2, 'f', 'k1')`,
        ['c-sim', box.seal(cluster.kubeconfigYaml(), 'cluster/c-sim/kubeconfig')],
      );
      const state: DesiredResponse = {
        clusterId: 'c-sim',
        revision: 'r1',
        applications: [
          {
            id: APP_A,
            name: 'web-a',
            namespace: 'default',
            bundleId: web.id,
            commit: COMMIT,
            prune: true,
            selfHeal: false,
          },
        ],
        removals: [],
      };
      const recorded: StatusRequest[] = [];
      const deps: PushSyncDeps = {
        desired: { read: () => Promise.resolve(state) },
        bundles,
        status: { record: (_id, report) => Promise.resolve(recorded.push(report)) },
        applierFor: (id) => kubeconfigApplier(pool, box, id),
        now: () => AT,
      };
      await pushCluster(deps, 'c-sim', 'apply');
      const ref = { apiVersion: 'v1', kind: 'ConfigMap' };
      expect(cluster.get(ref, 'default', 'web')?.metadata.labels).toMatchObject({
        'flotilla.dev/application': APP_A,
      });
      expect(recorded[0]!.applications[0]).toMatchObject({
        id: APP_A,
        commit: COMMIT,
        bundleId: web.id,
        sync: 'Synced',
        health: 'Healthy',
      });
      await pushCluster(deps, 'c-sim', 'assess');
      expect(recorded[1]!.applications[0]).toMatchObject({ sync: 'Synced' });
      // Deleted: the worker removes what it deployed.
      state.applications = [];
      state.removals = [{ id: APP_A, preserveResources: false }];
      await pushCluster(deps, 'c-sim', 'apply');
      expect(recorded[2]!.removed[0]).toMatchObject({ id: APP_A, removed: 2, preserved: false });
      expect(cluster.get(ref, 'default', 'web')).toBeUndefined();
    } finally {
      await sim.close();
    }
  });
});

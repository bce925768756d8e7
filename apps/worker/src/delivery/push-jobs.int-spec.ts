import type {
  ApplicationStatusWire,
  DesiredResponse,
  JobPayload,
  StatusRequest,
} from '@flotilla/contracts';
import { JOB_QUEUE, jobIds } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationStream,
  deliveryStream,
  type ApplicationMetadata,
  type JsonObjectValue,
} from '@flotilla/domain';
import { EventStore } from '@flotilla/event-store';
import { ClusterInventory } from '@flotilla/inventory';
import {
  CLUSTER_DESIRED_TABLE,
  DELIVERIES_TABLE,
  flotillaEventRegistry,
  type FlotillaEvent,
} from '@flotilla/projections';
import { BundleStore, buildBundle } from '@flotilla/render';
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { FACTS, flushDatabaseKeys, runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import type { PushPorts } from './push-jobs';
import type { PushApplication, PushApplier } from './push-sync';
import { Redis } from 'ioredis';

const SET = '7a1e9b63-8b1f-4d4c-8e6a-4a5f3c2d8b99';
const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const SPEC: JsonObjectValue = {
  project: 'default',
  source: { repoURL: 'https://git.example/apps.git', targetRevision: 'main', path: 'web' },
  destination: { server: 'https://10.0.0.1', namespace: 'web' },
};
const COMMIT = 'd'.repeat(40);

/** Stands in for `ClusterSync`: records what it was asked to do. */
class RecordingApplier implements PushApplier {
  readonly calls: string[] = [];
  apply(app: PushApplication) {
    return this.report('apply', app);
  }
  assess(app: PushApplication) {
    return this.report('assess', app);
  }
  remove(removal: { id: string; preserveResources: boolean }) {
    this.calls.push(`remove ${removal.id}`);
    return Promise.resolve({
      id: removal.id,
      removed: 1,
      preserved: false,
      observedAt: new Date().toISOString(),
    });
  }
  private report(kind: string, app: PushApplication): Promise<ApplicationStatusWire> {
    this.calls.push(`${kind} ${app.id} ${app.manifests.length}`);
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
      observedAt: new Date().toISOString(),
    });
  }
}

/** Stands in for H's DesiredStateReader: the same rows, read the same way. */
const desiredFrom =
  (pool: Pool) =>
  async (clusterId: string): Promise<DesiredResponse | null> => {
    const rev = await pool.query<{ revision: string }>(
      `SELECT revision FROM ${CLUSTER_DESIRED_TABLE} WHERE cluster_id = $1`,
      [clusterId],
    );
    if (!rev.rows[0]) return null;
    const { rows } = await pool.query(
      `SELECT application_id AS id, name, namespace, bundle_id AS "bundleId", commit, prune,
              self_heal AS "selfHeal", deleted, preserve_resources AS "preserveResources"
         FROM ${DELIVERIES_TABLE} WHERE cluster_id = $1 ORDER BY application_id`,
      [clusterId],
    );
    return {
      clusterId,
      revision: rev.rows[0].revision,
      applications: rows
        .filter((r) => !r.deleted && r.bundleId)
        .map(({ deleted: _d, preserveResources: _p, ...app }) => app),
      removals: rows
        .filter((r) => r.deleted)
        .map((r) => ({ id: r.id, preserveResources: r.preserveResources })),
    };
  };

describe('push mode on the worker (desired revision → push job → applier → status)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let store: EventStore<FlotillaEvent>;
  let worker: RunningWorker;
  const applier = new RecordingApplier();
  const recorded: { clusterId: string; report: StatusRequest }[] = [];
  const bundle = buildBundle([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { a: '1' } },
  ]);

  beforeAll(async () => {
    db = await createTestDatabase('push_jobs');
    pool = createPool(db.url, { max: 4 });
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    const bundles = new BundleStore(pool);
    await bundles.put(bundle);
    const ports: PushPorts = {
      desired: { read: desiredFrom(pool) },
      bundles,
      status: {
        record: (clusterId, report) => Promise.resolve(recorded.push({ clusterId, report })),
      },
      applierFor: () => Promise.resolve(applier),
    };
    worker = await createWorker(testWorkerConfig(db.url, { PUSH_RESYNC_SECONDS: '3600' }), {
      push: ports,
    });
  });
  afterAll(async () => {
    await worker.stop();
    redis.disconnect();
    await pool.end();
    await db.drop();
  });

  const deliver = async (name: string, clusterId: string) => {
    const id = applicationId(SET, name);
    const meta = { actor: 'worker', tenantId: 'team-p' };
    await store.append(
      applicationStream(id),
      'any',
      [
        {
          type: 'ApplicationCreated',
          data: {
            applicationSetId: SET,
            tenant: 'team-p',
            name,
            clusterId,
            namespace: 'web',
            project: 'default',
            spec: SPEC,
            metadata: META,
            digest: applicationDigest(SPEC, META),
          },
        },
      ],
      meta,
    );
    await store.append(
      deliveryStream(id),
      'any',
      [
        {
          type: 'ApplicationRendered',
          data: {
            clusterId,
            digest: applicationDigest(SPEC, META),
            targetRevision: 'main',
            commit: COMMIT,
            bundleId: bundle.id,
            sourceType: 'Directory',
            objectCount: 1,
            namespace: 'web',
            prune: true,
            selfHeal: false,
          },
        },
      ],
      meta,
    );
    return id;
  };

  it('applies a kubeconfig cluster when its revision changes, and only kubeconfig clusters', async () => {
    const inventory = new ClusterInventory(pool, store, () => new Date());
    const { clusterId } = await inventory.register(
      { mode: 'kubeconfig', tenant: 'team-p', name: 'pushed', facts: FACTS, labels: {} },
      { actor: 'test' },
    );
    const pushed = await deliver('web-pushed', clusterId);
    // An agent's cluster (not a kubeconfig cluster here): its agent pulls, the worker does not push.
    const pulled = await deliver('web-pulled', 'agent-cluster');
    await eventually(
      () =>
        expect(recorded.map((r) => r.report.applications.map((a) => a.id))).toContainEqual([
          pushed,
        ]),
      15_000,
    );
    expect(applier.calls).toContain(`apply ${pushed} 1`);
    expect(applier.calls.some((c) => c.includes(pulled))).toBe(false);
    const last = recorded[recorded.length - 1]!;
    expect(last.clusterId).toBe(clusterId);
    const { rows } = await pool.query<{ revision: string }>(
      `SELECT revision FROM ${CLUSTER_DESIRED_TABLE} WHERE cluster_id = $1`,
      [clusterId],
    );
    expect(last.report.revision).toBe(rows[0]!.revision);
  });

  it('the resync assesses every kubeconfig cluster, and re-queues what a Redis flush lost', async () => {
    await flushDatabaseKeys(redis, worker.identity);
    applier.calls.length = 0;
    const payload: JobPayload = { type: 'push-resync' };
    const { result } = await runJob<{ clusters: number }>(worker, payload, 'push-resync/test');
    expect(result.clusters).toBe(1);
    await eventually(() => {
      expect(applier.calls.filter((c) => c.startsWith('assess'))).toHaveLength(1);
      // The apply of the current revision was lost with Redis: queued and run again.
      expect(applier.calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
    }, 15_000);
    expect(JOB_QUEUE['push-cluster']).toBe('cluster-push');
    expect(jobIds.pushApply('c', 'r', 1)).toBe('push/c/r/1');
  });
});

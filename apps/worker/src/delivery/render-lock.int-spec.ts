import { jobIds, QUEUES } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { DELIVERIES_TABLE, flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import {
  createTestDatabase,
  createTestRepository,
  type TestDatabase,
  type TestRepository,
} from '@flotilla/testing';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppsetFleet, manifest } from '../appsets/appset.fixture';
import { finishedJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';

const TENANT = 'team-l';

/**
 * Render jobs run one at a time (an advisory lock). Those that wait for the lock must not hold a
 * pool connection while they wait: with a burst of them queued, they once filled the worker's
 * pool and the holder, needing one more connection for its own queries, waited for ever.
 */
describe('render jobs waiting for the render lock (worker, real Postgres and Redis)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  let repo: TestRepository;

  beforeAll(async () => {
    repo = createTestRepository('lock-manifests');
    repo.commit({
      'web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n',
    });
    db = await createTestDatabase('render_lock');
    pool = createPool(db.url, { max: 2 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
    worker = await createWorker(
      testWorkerConfig(db.url, {
        GIT_CACHE_DIR: join(repo.dir, '..', 'cache'),
        GIT_ALLOW_FILE_URLS: 'true',
        DATABASE_POOL_SIZE: '2',
      }),
    );
    await fleet.tenant(TENANT, [{ clusterSelector: {}, namespaces: ['apps'] }]);
    for (const name of ['eu-1', 'eu-2']) await fleet.cluster(TENANT, name, {});
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
    repo.remove();
  });

  it('six render jobs queued at once on a pool of two connections all finish', async () => {
    await fleet.createSet(
      TENANT,
      manifest('web', [{ clusters: {} }], {
        repoURL: repo.url,
        path: 'web',
        appName: 'web-{{.name}}',
        destination: { server: '{{.server}}', namespace: 'apps' },
      }),
    );
    await fleet.settled(worker);
    const ids = Array.from({ length: 6 }, (_, i) => jobIds.render('all', 1000 + i));
    await Promise.all(ids.map((id) => worker.jobs.add({ type: 'render', all: true }, id)));
    const results = await Promise.all(
      ids.map((id) => finishedJob<{ rendered: number }>(worker, QUEUES.delivery, id, 30_000)),
    );
    for (const { result } of results) expect(result.rendered).toBe(2);
    const { rows } = await pool.query<{ commit: string | null }>(
      `SELECT commit FROM ${DELIVERIES_TABLE} WHERE NOT deleted`,
    );
    expect(rows.map((r) => r.commit)).toEqual([repo.head(), repo.head()]);
  }, 60_000);
});

import { jobIds } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationStream,
  type ApplicationMetadata,
  type JsonObjectValue,
} from '@flotilla/domain';
import { EventStore, ProjectionRunner, type Projection } from '@flotilla/event-store';
import { repositoryKey } from '@flotilla/git';
import {
  applicationsProjection,
  clustersProjection,
  deliveriesProjection,
  DELIVERIES_TABLE,
  flotillaEventRegistry,
  type FlotillaEvent,
} from '@flotilla/projections';
import {
  createTestDatabase,
  createTestRepository,
  eventually,
  type TestDatabase,
  type TestRepository,
} from '@flotilla/testing';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppsetFleet } from '../appsets/appset.fixture';
import { flushDatabaseKeys, runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';

const TENANT = 'team-q';
const SET = '0b5f6a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

interface Row {
  commit: string | null;
  bundle_id: string | null;
  render_error_code: string | null;
}

describe('rendering keeps its promises across limits and a lost Redis (worker, real Git)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let store: EventStore<FlotillaEvent>;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  let repo: TestRepository;
  let cluster: string;
  const start = () =>
    createWorker(
      testWorkerConfig(db.url, {
        GIT_CACHE_DIR: join(repo.dir, '..', 'cache'),
        GIT_ALLOW_FILE_URLS: 'true',
        MAX_BUNDLE_BYTES: '1024',
      }),
    );
  const row = async (name: string): Promise<Row | undefined> =>
    (
      await pool.query<Row>(
        `SELECT commit, bundle_id, render_error_code FROM ${DELIVERIES_TABLE}
          WHERE name = $1 AND NOT deleted`,
        [name],
      )
    ).rows[0];
  /** Appends an Application as a generation would, without a generation job. */
  const createApplication = async (name: string) => {
    const spec: JsonObjectValue = {
      project: 'default',
      source: { repoURL: repo.url, targetRevision: 'main', path: 'small' },
      destination: { server: 'https://10.0.0.1', namespace: 'apps' },
    };
    await store.append(
      applicationStream(applicationId(SET, name)),
      'no_stream',
      [
        {
          type: 'ApplicationCreated',
          data: {
            applicationSetId: SET,
            tenant: TENANT,
            name,
            clusterId: cluster,
            namespace: 'apps',
            project: 'default',
            spec,
            metadata: META,
            digest: applicationDigest(spec, META),
          },
        },
      ],
      { actor: 'system:generation', tenantId: TENANT },
    );
  };

  beforeAll(async () => {
    repo = createTestRepository('limits');
    repo.commit({ 'small/config.yaml': cm('small', '1') });
    db = await createTestDatabase('render_recovery');
    pool = createPool(db.url, { max: 4 });
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    fleet = new AppsetFleet(pool, store);
    await fleet.tenant(TENANT);
    cluster = await fleet.cluster(TENANT, 'eu-1', {});
    worker = await start();
  });
  afterAll(async () => {
    await worker.stop();
    redis.disconnect();
    await pool.end();
    await db.drop();
    repo.remove();
  });

  it('refuses a bundle over MAX_BUNDLE_BYTES with BundleTooLarge and keeps the last good one', async () => {
    await createApplication('small-app');
    await eventually(async () => {
      expect(await row('small-app')).toMatchObject({
        commit: repo.head(),
        render_error_code: null,
      });
    }, 20_000);
    const good = await row('small-app');
    // A small file whose aliases (well under the alias limit) expand past MAX_BUNDLE_BYTES.
    const keys = Array.from({ length: 40 }, (_, i) => `  k${i}: *v`).join('\n');
    const expanding = {
      'small/expands.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: expands\nanchor: &v "${'y'.repeat(60)}"\ndata:\n${keys}\n`,
    };
    const big = repo.commit(expanding);
    await runJob(
      worker,
      { type: 'git-refresh', repoURL: repo.url },
      jobIds.gitRefresh(repositoryKey(repo.url), big),
    );
    await eventually(async () => {
      expect(await row('small-app')).toMatchObject({
        render_error_code: 'BundleTooLarge',
        bundle_id: good!.bundle_id,
        commit: good!.commit,
      });
    }, 20_000);
    repo.commit(Object.fromEntries(Object.keys(expanding).map((path) => [path, null])));
  });

  it('renders what the read model has pending after Redis lost every job (start-up sweep)', async () => {
    await worker.stop();
    await createApplication('late-app');
    // The read model takes the Application while no worker runs: no trigger will ever fire for it.
    for (const p of [applicationsProjection, clustersProjection, deliveriesProjection])
      await new ProjectionRunner(
        pool,
        store,
        p as unknown as Projection<FlotillaEvent>,
        null,
      ).catchUp();
    expect(await row('late-app')).toMatchObject({ bundle_id: null });
    await flushDatabaseKeys(redis, worker.identity);
    worker = await start();
    await eventually(async () => {
      expect(await row('late-app')).toMatchObject({ commit: repo.head(), render_error_code: null });
    }, 20_000);
  });
});

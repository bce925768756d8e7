import { jobIds } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import type { JsonObjectValue } from '@flotilla/domain';
import { EventStore } from '@flotilla/event-store';
import { repositoryKey } from '@flotilla/git';
import {
  CLUSTER_DESIRED_TABLE,
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
import { join } from 'node:path';
import type { Pool } from 'pg';
import { AppsetFleet } from '../appsets/appset.fixture';
import { runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';

const TENANT = 'team-r';
const cm = (name: string, value: string, namespace?: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}data:
  value: "${value}"
`;
const BOMB = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
apiVersion: v1
kind: ConfigMap
metadata: { name: bomb }
data: { d: *d }
`;

const appSet = (name: string, repoURL: string, path: string): JsonObjectValue => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name },
  spec: {
    goTemplate: true,
    generators: [{ clusters: {} }],
    template: {
      metadata: { name: `${name}-{{.name}}` },
      spec: {
        project: 'default',
        source: { repoURL, targetRevision: 'main', path },
        destination: { server: '{{.server}}', namespace: 'apps' },
        syncPolicy: { automated: { prune: true } },
      },
    },
  },
});

interface DeliveryRow {
  name: string;
  cluster_id: string;
  commit: string | null;
  bundle_id: string | null;
  prune: boolean;
  self_heal: boolean;
  render_error_code: string | null;
  render_error_message: string | null;
  render_failing: boolean;
}

describe('rendering Applications into bundles (worker, real Git, real Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  let repo: TestRepository;

  const deliveries = async (set: string): Promise<DeliveryRow[]> =>
    (
      await pool.query<DeliveryRow>(
        `SELECT d.name, d.cluster_id, d.commit, d.bundle_id, d.prune, d.self_heal,
                d.render_error_code, d.render_error_message,
                coalesce(d.render_failed_digest = d.app_digest, false) AS render_failing
           FROM ${DELIVERIES_TABLE} d JOIN application_sets_v1 s
             ON s.id = d.application_set_id
          WHERE s.name = $1 AND NOT d.deleted ORDER BY d.name`,
        [set],
      )
    ).rows;
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n);
  const refresh = (commit: string) =>
    runJob(
      worker,
      { type: 'git-refresh', repoURL: repo.url },
      jobIds.gitRefresh(repositoryKey(repo.url), commit),
    );

  beforeAll(async () => {
    repo = createTestRepository('manifests');
    repo.commit({
      'web/config.yaml': cm('web-config', '1'),
      'evil/config.yaml': cm('evil', '1', 'kube-system'),
      'bomb/bomb.yaml': BOMB,
    });
    db = await createTestDatabase('render');
    pool = createPool(db.url, { max: 4 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
    worker = await createWorker(
      testWorkerConfig(db.url, {
        GIT_CACHE_DIR: join(repo.dir, '..', 'cache'),
        GIT_ALLOW_FILE_URLS: 'true',
      }),
    );
    await fleet.tenant(TENANT, [{ clusterSelector: {}, namespaces: ['apps'] }]);
    for (const name of ['eu-1', 'eu-2', 'us-1']) await fleet.cluster(TENANT, name, {});
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
    repo.remove();
  });

  it('renders every Application once into one shared bundle, and each cluster gets a revision', async () => {
    await fleet.createSet(TENANT, appSet('web', repo.url, 'web'));
    await eventually(async () => {
      const rows = await deliveries('web');
      expect(rows).toHaveLength(3);
      for (const row of rows)
        expect(row).toMatchObject({ commit: repo.head(), prune: true, self_heal: false });
    }, 20_000);
    const rows = await deliveries('web');
    expect(new Set(rows.map((r) => r.bundle_id)).size).toBe(1);
    expect(await count('SELECT count(*) AS n FROM bundles')).toBe(1);
    const { rows: revisions } = await pool.query<{ revision: string }>(
      `SELECT revision FROM ${CLUSTER_DESIRED_TABLE} ORDER BY cluster_id`,
    );
    expect(revisions).toHaveLength(3);
    for (const r of revisions) expect(r.revision).toMatch(/^[0-9a-f]{32}$/);
  });

  it('appends nothing when a resync finds nothing changed', async () => {
    await fleet.settled(worker);
    const before = await fleet.eventCount();
    await runJob(worker, { type: 'render', all: true }, jobIds.render('all', 1));
    expect(await fleet.eventCount()).toBe(before);
  });

  it('re-renders to the new commit after a push, and keeps the last good bundle when the next fails', async () => {
    const second = repo.commit({ 'web/config.yaml': cm('web-config', '2') });
    await refresh(second);
    await eventually(async () => {
      for (const row of await deliveries('web')) expect(row.commit).toBe(second);
    }, 20_000);
    const good = (await deliveries('web'))[0]?.bundle_id;
    expect(await count('SELECT count(*) AS n FROM bundles')).toBe(2);

    const third = repo.commit({ 'web/bomb.yaml': BOMB });
    await refresh(third);
    await eventually(async () => {
      for (const row of await deliveries('web'))
        expect(row).toMatchObject({
          render_error_code: 'AliasLimitExceeded',
          bundle_id: good,
          commit: second,
        });
    }, 20_000);
    repo.commit({ 'web/bomb.yaml': null });
  });

  it('refuses an object outside the tenant (a namespace it may not use), naming it', async () => {
    await fleet.createSet(TENANT, appSet('evil', repo.url, 'evil'));
    await eventually(async () => {
      const rows = await deliveries('evil');
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row).toMatchObject({ render_error_code: 'PolicyViolation', bundle_id: null });
        expect(row.render_error_message).toMatch(
          /^ConfigMap kube-system\/evil: namespace kube-system on cluster .* is not permitted/,
        );
      }
    }, 20_000);
  });
});

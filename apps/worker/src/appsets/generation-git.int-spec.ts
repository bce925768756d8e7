import { jobIds } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { repositoryKey } from '@flotilla/git';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { runJob, testWorkerConfig } from '../testing/worker-fixture';
import { createWorker, type RunningWorker } from '../worker';
import { AppsetFleet, manifest } from './appset.fixture';

const TENANT = 'team-g';
const gitDirectories = (name: string, repoURL: string) =>
  manifest(name, [{ git: { repoURL, revision: 'main', directories: [{ path: 'apps/*' }] } }], {
    appName: 'git-{{.path.basename}}',
    path: '{{.path.path}}',
    destination: { name: 'prod-eu', namespace: 'apps' },
  });

describe('ApplicationSet generation from Git', () => {
  let db: TestDatabase;
  let pool: Pool;
  let fleet: AppsetFleet;
  let worker: RunningWorker;
  let dir: string;
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  const addApp = (name: string) => {
    mkdirSync(join(repo, 'apps', name), { recursive: true });
    writeFileSync(join(repo, 'apps', name, 'kustomization.yaml'), `resources: []\n# ${name}\n`);
    git('add', '.');
    git('commit', '-q', '-m', `add ${name}`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-appset-git-'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    git('init', '-q', '-b', 'main');
    addApp('api');
    addApp('ui');
    db = await createTestDatabase('appset_git');
    pool = createPool(db.url, { max: 4 });
    fleet = new AppsetFleet(pool, new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()));
    worker = await createWorker(
      testWorkerConfig(db.url, {
        GIT_CACHE_DIR: join(dir, 'cache'),
        GIT_ALLOW_FILE_URLS: 'true',
      }),
    );
    await fleet.tenant(TENANT);
    await fleet.cluster(TENANT, 'prod-eu', { env: 'prod' });
    await fleet.settled(worker);
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a push and its git-refresh job regenerate the ApplicationSets reading the repository', async () => {
    const url = `file://${repo}`;
    const id = await fleet.createSet(TENANT, gitDirectories('from-git', url));
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(['git-api', 'git-ui']);

    addApp('worker');
    const refresh = await runJob(
      worker,
      { type: 'git-refresh', repoURL: url },
      jobIds.gitRefresh(repositoryKey(url), 'push-1'),
    );
    expect(refresh.result).toEqual({ outcome: 'fetched', applicationSets: 1 });
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(['git-api', 'git-ui', 'git-worker']);

    // A refresh that finds nothing new requests nothing.
    const again = await runJob(
      worker,
      { type: 'git-refresh', repoURL: url },
      jobIds.gitRefresh(repositoryKey(url), 'push-1-again'),
    );
    expect(again.result).toEqual({ outcome: 'unchanged', applicationSets: 0 });
  });

  it('a generation reads the repository as it is now, not as a refresh last fetched it', async () => {
    const url = `file://${repo}`;
    const id = await fleet.createSet(TENANT, gitDirectories('no-webhook', url));
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(['git-api', 'git-ui', 'git-worker']);
    // A push no webhook reports (or one another worker fetched), then any other trigger.
    addApp('cron');
    const relabelled = gitDirectories('no-webhook', url);
    (relabelled['spec'] as { goTemplateOptions?: string[] }).goTemplateOptions = [
      'missingkey=error',
    ];
    await fleet.setEvent(id, TENANT, {
      type: 'ApplicationSetUpdated',
      data: { manifest: relabelled },
    });
    await fleet.settled(worker);
    expect(await fleet.names(id)).toEqual(['git-api', 'git-cron', 'git-ui', 'git-worker']);
  });

  it('a Git generator that cannot read its repository records a failure and deletes nothing', async () => {
    const id = await fleet.createSet(TENANT, gitDirectories('unreadable', `file://${repo}`));
    await fleet.settled(worker);
    const before = await fleet.applications(id);
    expect(before.map((a) => a.name)).toEqual(['git-api', 'git-cron', 'git-ui', 'git-worker']);

    const broken = gitDirectories('unreadable', `file://${join(dir, 'missing')}`);
    await fleet.setEvent(id, TENANT, { type: 'ApplicationSetUpdated', data: { manifest: broken } });
    await fleet.settled(worker);
    expect(await fleet.applications(id)).toEqual(before);
    const failures = await fleet.setEvents(id, 'ApplicationSetGenerationFailed');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.data).toMatchObject({ reason: 'GitError', manifestVersion: 3 });
    expect((await fleet.status(id))['failure']).toMatchObject({ reason: 'GitError' });

    // The same failure again is not recorded again (the resync also catches up the other
    // ApplicationSet reading the repository, whose push no webhook reported).
    const events = (await fleet.setEvents(id)).length;
    await runJob(worker, { type: 'appset-resync' }, 'git-resync-1');
    await fleet.settled(worker);
    expect(await fleet.setEvents(id)).toHaveLength(events);
    expect(await fleet.applications(id)).toEqual(before);
  });
});

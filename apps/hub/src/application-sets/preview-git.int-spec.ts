import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetTokens, issueToken, registerAgent, tenantSpec } from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';

const PREVIEW = `mutation($tenant: String!, $manifest: String!) {
  previewApplicationSet(tenant: $tenant, manifest: $manifest) {
    ok failure { reason message } created { name cluster { name } } } }`;
const gitManifest = (repoURL: string) => `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: from-git
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: ${repoURL}
        revision: main
        directories:
          - path: apps/*
  template:
    metadata:
      name: 'git-{{.path.basename}}'
    spec:
      project: default
      source:
        repoURL: ${repoURL}
        targetRevision: main
        path: '{{.path.path}}'
      destination:
        name: prod-eu
        namespace: apps
`;

describe('previews of ApplicationSets with Git generators (the hub reads its own mirrors)', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let dir: string;
  let repo: string;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
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
    writeFileSync(join(repo, 'apps', name, 'kustomization.yaml'), `resources: []\n`);
    git('add', '.');
    git('commit', '-q', '-m', `add ${name}`);
  };
  const preview = async (tenant: string, token: string) => {
    const res = await hub.graphql(
      PREVIEW,
      { tenant, manifest: gitManifest(`file://${repo}`) },
      token,
    );
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data?.['previewApplicationSet'] as {
      ok: boolean;
      failure: { reason: string; message: string } | null;
      created: { name: string; cluster: { name: string } }[];
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-preview-git-'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    git('init', '-q', '-b', 'main');
    addApp('api');
    addApp('ui');
    db = await createTestDatabase('preview_git');
    hub = await startTestHub(db.url, {
      GIT_ALLOW_FILE_URLS: 'true',
      GIT_CACHE_DIR: join(dir, 'cache'),
    });
    users = await fleetTokens();
    for (const [name, sourceRepos] of [
      ['team-a', [`file://${dir}/*`]],
      ['team-b', ['https://github.com/team-b/*']],
    ] as const) {
      const res = await hub.graphql(
        'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
        { spec: { ...tenantSpec(name), sourceRepos } },
        users.root,
      );
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    }
    for (const [tenant, user] of [
      ['team-a', users.alice],
      ['team-b', users.mallory],
    ] as const) {
      const token = await issueToken(hub, user, { tenant });
      await registerAgent(hub, token.value, 'prod-eu');
    }
  });
  afterAll(async () => {
    await hub.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates from the repository at the branch head, and sees a later push', async () => {
    const first = await preview('team-a', users.alice);
    expect(first).toMatchObject({ ok: true, failure: null });
    expect(first.created.map((a) => a.name)).toEqual(['git-api', 'git-ui']);
    addApp('db');
    const second = await preview('team-a', users.alice);
    expect(second.created.map((a) => a.name)).toEqual(['git-api', 'git-db', 'git-ui']);
  });

  it("refuses a repository outside the tenant's rules before fetching anything", async () => {
    const before = readdirSync(join(dir, 'cache')).length;
    const refused = await preview('team-b', users.mallory);
    expect(refused).toMatchObject({ ok: false, failure: { reason: 'GitError' } });
    expect(refused.failure?.message).toMatch(/is not permitted in tenant team-b/);
    expect(readdirSync(join(dir, 'cache'))).toHaveLength(before);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPool } from '@flotilla/database';
import { GitMirrorCache } from '@flotilla/git';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { buildBundle, isOwnedBy, withOwnership } from './bundle';
import { BundleStore } from './bundle.store';
import { ExternalTools } from './external-tools';
import { isRenderError } from './render-error';
import { renderLimits } from './render-limits';
import { SourceRenderer } from './source-type';

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};
const cm = (name: string, data: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;

let root: string;
let db: TestDatabase;
let pool: Pool;
let store: BundleStore;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...AUTHOR },
  }).trim();
}

function commit(repo: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'change');
  return git(repo, 'rev-parse', 'HEAD');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'flotilla-render-spec-'));
  db = await createTestDatabase('render');
  pool = createPool(db.url, { max: 2 });
  store = new BundleStore(pool);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('BundleStore', () => {
  const manifests = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'x' },
      data: { n: '1' },
    },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } },
  ];

  it('stores a bundle once however many Applications render it, and reads it back', async () => {
    // 50 clusters' Applications: the same manifests (the ownership is added at apply time).
    const applicationIds = Array.from(
      { length: 50 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const bundles = applicationIds.map(() => buildBundle(manifests));
    const writes = await Promise.all(bundles.map((b) => store.put(b)));
    expect(writes.filter(Boolean)).toHaveLength(1);
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM bundles');
    expect(rows[0]?.n).toBe('1');

    const bundle = bundles[0]!;
    const read = await store.get(bundle.id);
    expect(read).toEqual(bundle);
    // Read back from jsonb, the manifests still hash to the id.
    expect(buildBundle(read!.manifests).id).toBe(bundle.id);
    // Each Application's applier labels its own copy; the stored bundle is shared.
    const owned = applicationIds.map((id) => withOwnership(read!.manifests[0]!, id));
    expect(owned.every((o, i) => isOwnedBy(o, applicationIds[i]!))).toBe(true);
  });

  it('writes one narrow row per object with the bundle, in the same statement, once', async () => {
    const objects = [
      ...manifests,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: '' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'reader' },
        rules: [],
      },
      {
        apiVersion: 'example.com/v1beta2',
        kind: 'Widget',
        metadata: { name: 'w', namespace: 'y' },
      },
    ];
    const bundles = Array.from({ length: 20 }, () => buildBundle(objects));
    const writes = await Promise.all(bundles.map((b) => store.put(b)));
    expect(writes.filter(Boolean)).toHaveLength(1);
    const id = bundles[0]!.id;
    const { rows } = await pool.query(
      `SELECT ordinal, "group", version, kind, name, own_namespace FROM bundle_objects
        WHERE bundle_id = $1 ORDER BY ordinal`,
      [id],
    );
    // In the bundle's order (group, kind, namespace, name); the namespace as the manifest says.
    expect(rows).toEqual([
      { ordinal: 1, group: '', version: 'v1', kind: 'ConfigMap', name: 'a', own_namespace: 'x' },
      {
        ordinal: 2,
        group: '',
        version: 'v1',
        kind: 'ServiceAccount',
        name: 'web',
        own_namespace: '',
      },
      {
        ordinal: 3,
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        name: 'web',
        own_namespace: null,
      },
      {
        ordinal: 4,
        group: 'example.com',
        version: 'v1beta2',
        kind: 'Widget',
        name: 'w',
        own_namespace: 'y',
      },
      {
        ordinal: 5,
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        kind: 'ClusterRole',
        name: 'reader',
        own_namespace: null,
      },
    ]);
    // A bundle that fails to store leaves no objects behind.
    await expect(store.put({ ...bundles[0]!, id: 'not-a-digest' })).rejects.toThrow(/check/);
    const { rows: all } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bundle_objects WHERE bundle_id <> ALL($1::text[])',
      [[id, buildBundle(manifests).id]],
    );
    expect(all[0]?.n).toBe(0);
  });

  it('put is idempotent and has() says which ids are stored', async () => {
    const bundle = buildBundle([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }]);
    expect(await store.put(bundle)).toBe(true);
    expect(await store.put(bundle)).toBe(false);
    const missing = 'f'.repeat(64);
    expect(await store.has([bundle.id, missing, bundle.id])).toEqual(new Set([bundle.id]));
    expect(await store.has([])).toEqual(new Set());
    expect(await store.get(missing)).toBeUndefined();
  });

  it('refuses an id that is not a SHA-256', async () => {
    await expect(store.put({ ...buildBundle([]), id: 'not-a-digest' })).rejects.toThrow(/check/);
  });
});

describe('rendering from a real Git repository (GitMirrorCache, file:// URL)', () => {
  it('renders a directory source at a commit into a stored bundle, and a new commit into a new one', async () => {
    const repo = join(root, 'upstream');
    mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    const first = commit(repo, {
      'apps/web/cm.yaml': `${cm('web', { color: 'blue' })}---\n${cm('web-extra')}`,
      'apps/web/ns.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'web' },
      }),
      'apps/web/values.yaml': 'replicas: 2\n',
      'apps/web/nested/skipped.yaml': cm('not-recursed'),
      'README.md': '# config\n',
    });
    const url = `file://${repo}`;
    const mirrors = new GitMirrorCache({ directory: join(root, 'cache'), allowFileUrls: true });
    const renderer = new SourceRenderer(
      mirrors,
      renderLimits(),
      new ExternalTools({ path: '/nonexistent' }),
    );
    const request = (commitId: string) => ({
      source: { repoURL: url, path: 'apps/web', targetRevision: 'main' },
      commit: commitId,
      releaseName: 'web',
    });

    expect(await mirrors.resolveRevision(url, 'main')).toBe(first);
    const rendered = await renderer.render(request(first));
    expect(rendered.type).toBe('Directory');
    const bundle = buildBundle(rendered.objects);
    expect(
      bundle.manifests.map((m) => `${m.kind}/${(m.metadata as { name: string }).name}`),
    ).toEqual(['ConfigMap/web', 'ConfigMap/web-extra', 'Namespace/web']);
    expect(await store.put(bundle)).toBe(true);

    const second = commit(repo, { 'apps/web/cm.yaml': cm('web', { color: 'green' }) });
    await mirrors.fetch(url);
    const next = buildBundle((await renderer.render(request(second))).objects);
    expect(next.id).not.toBe(bundle.id);
    expect(await store.has([bundle.id, next.id])).toEqual(new Set([bundle.id]));

    // A chart in the same repository: Helm is not installed here, and the error says so.
    const third = commit(repo, {
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
    });
    await mirrors.fetch(url);
    const error = await renderer
      .render({ ...request(third), source: { repoURL: url, path: 'charts/web' } })
      .catch((e: unknown) => e);
    expect(isRenderError(error, 'ToolMissing')).toBe(true);
  });
});

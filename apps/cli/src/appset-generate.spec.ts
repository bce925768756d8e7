import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

// Runs the real CLI (TypeScript through @swc-node/register) as a child process.
const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'cli', 'src', 'main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
let repo: string;
let folder: string;
const REPO_URL = 'https://github.com/example/config.git';

function git(...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

function write(path: string, content: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

const list = (goTemplate: boolean, name: string, extra = '') => `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: guestbook, namespace: argocd}
spec:
  goTemplate: ${goTemplate}
  generators:
  - list:
      elements:
      - {cluster: dev, url: 'https://kubernetes.default.svc'}
      - {cluster: prod, url: 'https://prod.example.com'}
  template:
    metadata: {name: '${name}'}
    spec:
      project: default
      source: {repoURL: https://github.com/argoproj/argo-cd.git, targetRevision: HEAD, path: guestbook}
      destination: {server: '${goTemplate ? '{{.url}}' : '{{url}}'}', namespace: guestbook}
${extra}`;

const filesAppSet = (revision: string) => `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: files, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - git:
      repoURL: ${REPO_URL}
      revision: ${revision}
      files:
      - path: "cluster-config/**/config.json"
  template:
    metadata: {name: '{{.cluster.name}}-{{.path.basename}}'}
    spec:
      project: default
      source: {repoURL: ${REPO_URL}, targetRevision: ${revision}, path: '{{.path.path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.cluster.name}}'}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-'));
  repo = join(dir, 'repo');
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  write(join(repo, 'cluster-config/engineering/dev/config.json'), '{"cluster": {"name": "dev"}}');
  git('add', '.');
  git('commit', '-q', '-m', 'dev');
  git('tag', 'v1');
  write(join(repo, 'cluster-config/engineering/prod/config.json'), '{"cluster": {"name": "prod"}}');
  git('add', '.');
  git('commit', '-q', '-m', 'prod');
  // An uncommitted file must not be read: the CLI reads the repository at a revision.
  write(join(repo, 'cluster-config/engineering/wip/config.json'), '{"cluster": {"name": "wip"}}');
  folder = join(dir, 'folder');
  write(join(folder, 'apps/a/k.yaml'), 'x');
  write(join(folder, 'apps/b/k.yaml'), 'x');
  write(join(dir, 'list.yaml'), list(false, '{{cluster}}-guestbook'));
  write(
    join(dir, 'clusters.yaml'),
    '- {name: prod, server: "https://prod.example.com", labels: {env: prod}}\n',
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flotilla appset generate', () => {
  test('-o yaml (default): one document per Application', async () => {
    const r = await cli([
      'appset',
      'generate',
      '-f',
      join(dir, 'list.yaml'),
      '--clusters',
      join(dir, 'clusters.yaml'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => (Array.isArray(d) ? null : d.toJS()));
    expect(docs.map((d) => d.metadata.name)).toEqual(['dev-guestbook', 'prod-guestbook']);
    expect(docs[0]).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    });
  });

  test('-o json and -o params', async () => {
    const json = await cli([
      'appset',
      'generate',
      '-f',
      join(dir, 'list.yaml'),
      '--clusters',
      join(dir, 'clusters.yaml'),
      '-o',
      'json',
    ]);
    expect(json.code).toBe(0);
    expect(
      JSON.parse(json.stdout).map(
        (a: { spec: { destination: { server: string } } }) => a.spec.destination.server,
      ),
    ).toEqual(['https://kubernetes.default.svc', 'https://prod.example.com']);
    const params = await cli(['appset', 'generate', '-f', join(dir, 'list.yaml'), '-o', 'params']);
    expect(JSON.parse(params.stdout)).toEqual([
      { cluster: 'dev', url: 'https://kubernetes.default.svc' },
      { cluster: 'prod', url: 'https://prod.example.com' },
    ]);
  });

  test('a validation error prints the valid Applications, the error on stderr, and exits 1', async () => {
    const r = await cli(['appset', 'generate', '-f', join(dir, 'list.yaml'), '-o', 'json']);
    expect(r.code).toBe(1);
    expect(
      JSON.parse(r.stdout).map((a: { metadata: { name: string } }) => a.metadata.name),
    ).toEqual(['dev-guestbook']);
    expect(r.stderr).toContain(
      'application "prod-guestbook": application destination spec is invalid',
    );
  });

  test('--no-local-cluster: the in-cluster destination is gone too', async () => {
    const r = await cli([
      'appset',
      'generate',
      '-f',
      join(dir, 'list.yaml'),
      '--clusters',
      join(dir, 'clusters.yaml'),
      '--no-local-cluster',
      '-o',
      'json',
    ]);
    expect(r.code).toBe(1);
    expect(
      JSON.parse(r.stdout).map((a: { metadata: { name: string } }) => a.metadata.name),
    ).toEqual(['prod-guestbook']);
  });

  test.each<[string, string, string[]]>([
    ['HEAD', 'HEAD', ['dev-dev', 'prod-prod']],
    ['a tag', 'v1', ['dev-dev']],
    ['a branch', 'main', ['dev-dev', 'prod-prod']],
  ])('--repo with a Git repository read at %s', async (_name, revision, expected) => {
    const file = write(join(dir, `files-${revision}.yaml`), filesAppSet(revision));
    const r = await cli([
      'appset',
      'generate',
      '-f',
      file,
      '--repo',
      `${REPO_URL}=${repo}`,
      '-o',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      JSON.parse(r.stdout).map((a: { metadata: { name: string } }) => a.metadata.name),
    ).toEqual(expected);
  });

  test('--repo with a plain folder (git directories)', async () => {
    const file = write(
      join(dir, 'dirs.yaml'),
      filesAppSet('HEAD')
        .replace(
          'files:\n      - path: "cluster-config/**/config.json"',
          'directories:\n      - path: "apps/*"',
        )
        .replace("'{{.cluster.name}}-{{.path.basename}}'", "'{{.path.basename}}'")
        .replace("'{{.cluster.name}}'}", "'{{index .path.segments 0}}'}"),
    );
    const r = await cli([
      'appset',
      'generate',
      '-f',
      file,
      '--repo',
      `${REPO_URL}=${folder}`,
      '-o',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(
      JSON.parse(r.stdout).map((a: { metadata: { name: string } }) => a.metadata.name),
    ).toEqual(['a', 'b']);
  });

  test.each<[string, string, string[], RegExp]>([
    [
      'duplicate names',
      list(false, 'same'),
      [],
      /^error: ApplicationSet guestbook contains applications with duplicate name: same\n$/,
    ],
    [
      'an unknown generator',
      list(false, 'x').replace('- list:', '- lists:'),
      [],
      /^error: spec\.generators\[0\]: unknown generator "lists"\n$/,
    ],
    [
      'not an ApplicationSet',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      [],
      /^error: kind: expected "ApplicationSet", got "ConfigMap"\n$/,
    ],
    [
      'a Go template error',
      list(true, '{{.nope}}', '  goTemplateOptions: ["missingkey=error"]'),
      [],
      /^error: failed to execute go template \{\{\.nope\}\}: .*map has no entry for key "nope"/,
    ],
    [
      'a repository without --repo',
      filesAppSet('HEAD'),
      [],
      /^error: error generating params from git: no local path for repository https:\/\/github\.com\/example\/config\.git/,
    ],
    [
      'an unknown revision',
      filesAppSet('nope'),
      ['--repo', `${REPO_URL}=REPO`],
      /unable to resolve git revision "nope"/,
    ],
  ])('error: %s (stderr, exit 1, nothing on stdout)', async (name, manifest, extra, message) => {
    const file = write(join(dir, `err-${name.replace(/\W+/g, '-')}.yaml`), manifest);
    const r = await cli([
      'appset',
      'generate',
      '-f',
      file,
      ...extra.map((a) => a.replace('REPO', repo)),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('a bad --clusters file names the entry and field', async () => {
    const bad = write(join(dir, 'bad-clusters.yaml'), '- {name: a}\n');
    const r = await cli(['appset', 'generate', '-f', join(dir, 'list.yaml'), '--clusters', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${bad}: clusters[0].server: Required value\n`);
  });
});

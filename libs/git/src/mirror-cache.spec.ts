import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GitError, type GitErrorCode } from './git-error';
import { GitMirrorCache } from './mirror-cache';

// Real repositories made with the git CLI in a temp dir, served through file:// URLs; git itself
// runs through a wrapper that records its arguments (what `ps` would show) and, when asked to,
// what the askpass script answers and the ssh key file's mode.

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

let root: string;
let wrapper: string;
const logs = () => ({
  argv: join(root, 'argv.log'),
  askpass: join(root, 'askpass.log'),
  ssh: join(root, 'ssh.log'),
});

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...AUTHOR },
  }).trim();
}

/** A repository with a work tree; `files` are written and committed on the current branch. */
function commit(repo: string, message: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

function newRepo(name: string): { path: string; url: string } {
  const path = join(root, 'upstream', name);
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  return { path, url: `file://${path}` };
}

const argvLines = (): string[] =>
  existsSync(logs().argv) ? readFileSync(logs().argv, 'utf8').split('\n').filter(Boolean) : [];
const count = (subcommand: string) =>
  argvLines().filter((l) => l.split(' ').includes(subcommand)).length;

function cache(options: Partial<ConstructorParameters<typeof GitMirrorCache>[0]> = {}) {
  return new GitMirrorCache({
    directory: mkdtempSync(join(root, 'cache-')),
    allowFileUrls: true,
    gitBinary: wrapper,
    fetchTimeoutMs: 20_000,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GitError)) throw new Error(`expected a GitError, got ${String(error)}`);
  return error;
}
const codeOf = async (promise: Promise<unknown>): Promise<GitErrorCode> =>
  (await failure(promise)).code;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flotilla-git-spec-'));
  wrapper = join(root, 'git-wrapper.sh');
  const { argv, askpass, ssh } = logs();
  writeFileSync(
    wrapper,
    `#!/bin/sh
printf '%s\\n' "$*" >> '${argv}'
if [ -n "$GIT_ASKPASS" ]; then
  "$GIT_ASKPASS" "Username for 'https://example.com': " >> '${askpass}'
  "$GIT_ASKPASS" "Password for 'https://user@example.com': " >> '${askpass}'
fi
key=$(printf '%s' "$GIT_SSH_COMMAND" | sed -n "s/.* -i '\\([^']*\\)'.*/\\1/p")
if [ -n "$key" ]; then stat -c '%a' "$key" >> '${ssh}'; printf '%s\\n' "$key" >> '${ssh}'; fi
git "$@"; rc=$?
case " $* " in *" fetch "*) if [ -f '${root}/slow' ]; then touch '${root}/fetched'; sleep 1; fi ;; esac
exit $rc
`,
  );
  chmodSync(wrapper, 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  for (const file of Object.values(logs())) rmSync(file, { force: true });
});

describe('GitMirrorCache', () => {
  let upstream: { path: string; url: string };
  let first: string;
  let second: string;

  beforeAll(() => {
    upstream = newRepo('config');
    first = commit(upstream.path, 'first', {
      'apps/guestbook/config.json': '{"name":"guestbook"}',
      'apps/billing/config.json': '{"name":"billing"}',
      'README.md': 'hello\n',
    });
    git(upstream.path, 'tag', 'v1');
    git(upstream.path, 'checkout', '-q', '-b', 'dev');
    second = commit(upstream.path, 'dev only', { 'apps/dev-only/config.json': '{}' });
    git(upstream.path, 'checkout', '-q', 'main');
  });

  it('resolves branches, tags, commits and HEAD, and lists and reads a tree at a commit', async () => {
    const mirrors = cache();
    expect(await mirrors.resolveRevision(upstream.url, 'HEAD')).toBe(first);
    expect(await mirrors.resolveRevision(upstream.url, '')).toBe(first);
    expect(await mirrors.resolveRevision(upstream.url, 'main')).toBe(first);
    expect(await mirrors.resolveRevision(upstream.url, 'v1')).toBe(first);
    expect(await mirrors.resolveRevision(upstream.url, 'dev')).toBe(second);
    expect(await mirrors.resolveRevision(upstream.url, 'refs/heads/dev')).toBe(second);
    expect(await mirrors.resolveRevision(upstream.url, second)).toBe(second);
    expect((await mirrors.listDirectories(upstream.url, first)).sort()).toEqual([
      'apps',
      'apps/billing',
      'apps/guestbook',
    ]);
    expect((await mirrors.listFiles(upstream.url, second)).sort()).toEqual([
      'README.md',
      'apps/billing/config.json',
      'apps/dev-only/config.json',
      'apps/guestbook/config.json',
    ]);
    expect(await mirrors.readFile(upstream.url, first, 'apps/guestbook/config.json')).toBe(
      '{"name":"guestbook"}',
    );
    // One clone made the mirror; everything else was read from it.
    expect(count('clone')).toBe(1);
    expect(count('fetch')).toBe(0);
    // The same repository under another spelling of its URL shares the mirror.
    expect(await mirrors.resolveRevision(`${upstream.url}.git`, 'main')).toBe(first);
    expect(count('clone')).toBe(1);
  });

  it('keeps trees by commit: a second listing of one commit runs no git ls-tree', async () => {
    const mirrors = cache();
    await mirrors.listFiles(upstream.url, first);
    await mirrors.listDirectories(upstream.url, first);
    await mirrors.listFiles(upstream.url, first);
    expect(count('ls-tree')).toBe(1);
  });

  it('fetches once for a commit made after the mirror, and reports the refs that moved', async () => {
    const repo = newRepo('moving');
    const before = commit(repo.path, 'one', { 'a/x.yaml': 'a: 1' });
    commit(repo.path, 'on a branch', { 'b/y.yaml': 'b: 1' });
    git(repo.path, 'branch', 'doomed');
    const mirrors = cache();
    expect(await mirrors.resolveRevision(repo.url, 'main')).not.toBe(before);
    const head = await mirrors.resolveRevision(repo.url, 'main');

    const after = commit(repo.path, 'two', { 'c/z.yaml': 'c: 1' });
    git(repo.path, 'tag', 'v2');
    // Branches resolve from the mirror until it is fetched...
    expect(await mirrors.resolveRevision(repo.url, 'main')).toBe(head);
    expect(count('fetch')).toBe(0);
    // ...but a commit it does not hold triggers one fetch, then reads.
    expect(await mirrors.listDirectories(repo.url, after)).toEqual(['a', 'b', 'c']);
    expect(count('fetch')).toBe(1);
    expect(await mirrors.resolveRevision(repo.url, 'main')).toBe(after);

    git(repo.path, 'branch', '-D', 'doomed');
    const third = commit(repo.path, 'three', { 'd/w.yaml': 'd: 1' });
    expect(await mirrors.fetch(repo.url)).toEqual({
      url: repo.url,
      key: expect.stringMatching(/^[0-9a-f]{64}$/),
      created: false,
      changed: [
        { ref: 'refs/heads/doomed', from: head, to: null },
        { ref: 'refs/heads/main', from: after, to: third },
      ],
    });
    expect(await mirrors.fetch(repo.url)).toMatchObject({ changed: [] });
  });

  it('an unknown revision is RevisionNotFound after exactly one fetch', async () => {
    const mirrors = cache();
    await mirrors.resolveRevision(upstream.url, 'main');
    const error = await failure(mirrors.resolveRevision(upstream.url, 'no-such-branch'));
    expect(error.code).toBe('RevisionNotFound');
    expect(error.message).toBe(
      `unable to resolve git revision "no-such-branch" of ${upstream.url}`,
    );
    expect(count('fetch')).toBe(1);
    const missing = 'f'.repeat(40);
    expect(await codeOf(mirrors.listFiles(upstream.url, missing))).toBe('RevisionNotFound');
    expect(await codeOf(mirrors.readFile(upstream.url, missing, 'README.md'))).toBe(
      'RevisionNotFound',
    );
    // Revisions git could read as options or ranges are refused before any command.
    for (const bad of ['--upload-pack=touch /tmp/x', 'main..dev', 'main@{1}', 'a b']) {
      expect(await codeOf(mirrors.resolveRevision(upstream.url, bad))).toBe('RevisionNotFound');
    }
  });

  it('a missing path is PathNotFound, and so is a directory read as a file', async () => {
    const mirrors = cache();
    expect(await codeOf(mirrors.readFile(upstream.url, first, 'nope.yaml'))).toBe('PathNotFound');
    expect(await codeOf(mirrors.readFile(upstream.url, first, 'apps'))).toBe('PathNotFound');
  });

  it('an unreachable repository is RepositoryUnreachable, never an empty list', async () => {
    const mirrors = cache();
    const gone = `file://${join(root, 'upstream', 'never-existed')}`;
    for (const read of [
      mirrors.listFiles(gone, first),
      mirrors.listDirectories(gone, first),
      mirrors.resolveRevision(gone, 'main'),
      mirrors.fetch(gone),
    ]) {
      expect(await codeOf(read)).toBe('RepositoryUnreachable');
    }
    expect(await mirrors.has(gone)).toBe(false);

    // A mirror whose remote went away: a revision it lacks is "unreachable", not "not found".
    const repo = newRepo('vanishing');
    const only = commit(repo.path, 'one', { 'a/x.yaml': 'x' });
    expect(await mirrors.resolveRevision(repo.url, 'main')).toBe(only);
    rmSync(repo.path, { recursive: true, force: true });
    expect(await codeOf(mirrors.resolveRevision(repo.url, 'other'))).toBe('RepositoryUnreachable');
    // What the mirror holds stays readable.
    expect(await mirrors.listDirectories(repo.url, only)).toEqual(['a']);
  });

  it('an empty repository is reachable: HEAD is RevisionNotFound', async () => {
    const repo = newRepo('empty');
    const mirrors = cache();
    expect(await mirrors.fetch(repo.url)).toMatchObject({ created: true, changed: [] });
    expect(await codeOf(mirrors.resolveRevision(repo.url, 'HEAD'))).toBe('RevisionNotFound');
  });

  it('concurrent fetches of one repository share one git fetch', async () => {
    const repo = newRepo('busy');
    commit(repo.path, 'one', { 'a/x.yaml': 'x' });
    const mirrors = cache();
    await mirrors.fetch(repo.url);
    const next = commit(repo.path, 'two', { 'b/y.yaml': 'y' });
    const results = await Promise.all(Array.from({ length: 5 }, () => mirrors.fetch(repo.url)));
    expect(count('fetch')).toBe(1);
    for (const result of results) {
      expect(result.changed).toEqual([
        { ref: 'refs/heads/main', from: expect.any(String), to: next },
      ]);
    }
    // Concurrent first reads share the clone too.
    rmSync(logs().argv);
    const fresh = cache();
    await Promise.all([
      fresh.listFiles(repo.url, next),
      fresh.listDirectories(repo.url, next),
      fresh.resolveRevision(repo.url, 'main'),
    ]);
    expect(count('clone')).toBe(1);
  });

  it('a commit pushed while a fetch runs gets a follow-up fetch instead of joining it', async () => {
    const repo = newRepo('racing');
    commit(repo.path, 'one', { 'a/x.yaml': 'x' });
    const mirrors = cache();
    await mirrors.fetch(repo.url);
    writeFileSync(join(root, 'slow'), '');
    try {
      const running = mirrors.fetch(repo.url);
      // The running fetch has read the remote; it will not see what is pushed now.
      for (const deadline = Date.now() + 10_000; !existsSync(join(root, 'fetched'));) {
        if (Date.now() > deadline) throw new Error('the fetch did not run');
        await new Promise((r) => setTimeout(r, 10));
      }
      const late = commit(repo.path, 'late', { 'late/y.yaml': 'y' });
      rmSync(join(root, 'slow'));
      const [files] = await Promise.all([
        mirrors.listFiles(repo.url, late),
        mirrors.readFile(repo.url, late, 'late/y.yaml'),
      ]);
      expect(files.sort()).toEqual(['a/x.yaml', 'late/y.yaml']);
      await running;
      // The running fetch and one follow-up, shared by both readers.
      expect(count('fetch')).toBe(2);
    } finally {
      rmSync(join(root, 'slow'), { force: true });
      rmSync(join(root, 'fetched'), { force: true });
    }
  });

  it('refuses file URLs unless allowed, and URLs the tenant does not permit, before running git', async () => {
    const strict = cache({ allowFileUrls: false });
    expect(await codeOf(strict.resolveRevision(upstream.url, 'main'))).toBe('UrlRefused');
    expect(await codeOf(strict.fetch(upstream.url))).toBe('UrlRefused');
    const mirrors = cache();
    const tenantView = mirrors.source({
      checkURL: (url) => `source ${url} is not permitted in tenant team-a`,
    });
    const refused = await failure(tenantView.listFiles(upstream.url, first));
    expect(refused).toMatchObject({
      code: 'UrlRefused',
      message: `source ${upstream.url} is not permitted in tenant team-a`,
    });
    expect(argvLines()).toEqual([]);
  });

  it('passes https credentials through askpass and the environment, never argv', async () => {
    const mirrors = cache();
    const password = 'ghp_secretTOKENvalue0123456789';
    const view = mirrors.source({
      credentials: async () => ({ type: 'https', username: 'robot', password }),
    });
    expect(await view.resolveRevision(upstream.url, 'main')).toBe(first);
    await mirrors.fetch(upstream.url, { type: 'https', username: 'robot', password });
    expect(argvLines().length).toBeGreaterThan(1);
    for (const line of argvLines()) {
      expect(line).not.toContain(password);
      expect(line).not.toContain('robot');
    }
    // The askpass script answers git's prompts from the child's environment.
    expect(readFileSync(logs().askpass, 'utf8').split('\n').slice(0, 2)).toEqual([
      'robot',
      password,
    ]);
    // No credential directory is left behind.
    const tmp = join((mirrors as unknown as { tmp: string }).tmp);
    expect(execFileSync('ls', ['-A', tmp], { encoding: 'utf8' })).toBe('');
  });

  it('writes an ssh key 0600 for the run only, used with IdentitiesOnly', async () => {
    const mirrors = cache();
    const privateKey =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----';
    await mirrors.fetch(upstream.url, { type: 'ssh', privateKey });
    const [mode, keyPath] = readFileSync(logs().ssh, 'utf8').split('\n');
    expect(mode).toBe('600');
    expect(existsSync(keyPath!)).toBe(false);
    for (const line of argvLines()) expect(line).not.toContain('AAAA');
  });
});

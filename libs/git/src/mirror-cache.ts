import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitSource } from '@flotilla/generators';
import { GitError } from './git-error';
import { checkRevision, GitObjectReader, type GitTree } from './git-objects';
import { prepareCredentials, type RepositoryCredentials } from './repository-credentials';
import { parseRepositoryURL, type RepositoryURL } from './repository-url';
import { diffRefs, fetchError, type RefChange } from './fetch-outcome';
import { gitEnvironment } from './git-environment';
import { runGit } from './run-git';

export interface GitMirrorCacheOptions {
  /** Where the mirrors live (`GIT_CACHE_DIR`); one per process, git locks are not shared. */
  directory: string;
  /** Accept `file://` URLs (`GIT_ALLOW_FILE_URLS`; tests and the demo). */
  allowFileUrls?: boolean;
  /** Clone and fetch time limit (`GIT_FETCH_TIMEOUT_SECONDS`), default 120 s. */
  fetchTimeoutMs?: number;
  /** Time limit of local reads (rev-parse, ls-tree, cat-file), default 30 s. */
  readTimeoutMs?: number;
  /** Trees kept in memory, by commit (commits never change), default 256. */
  treeCacheSize?: number;
  /** The git executable (tests wrap it to record arguments). */
  gitBinary?: string;
}

/** How one caller may use the cache: which URLs its tenant permits, and their credentials. */
export interface RepositoryAccess {
  /** Undefined when `url` may be read, else why not; asked before anything is fetched. */
  checkURL?: (url: string) => string | undefined;
  /** Credentials for a private repository, if any (e.g. from `RepositoryCredentialStore`). */
  credentials?: (url: string) => Promise<RepositoryCredentials | undefined>;
}

/** What {@link GitMirrorCache.fetch} did. */
export interface FetchResult {
  url: string;
  /** The mirror's key (SHA-256 of the normalized URL). */
  key: string;
  /** True when this fetch created the mirror (every ref then shows as new). */
  created: boolean;
  changed: RefChange[];
}

const FULL_COMMIT = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

/**
 * Bare mirrors of remote repositories, one per normalized URL, read at a commit without a work
 * tree. Implements the generators' `GitSource` (without tenant checks or credentials; use
 * {@link source} for a tenant's view).
 *
 * Fetches of one repository never run at once: a caller arriving while one is in flight shares
 * it. A revision or commit missing from the mirror triggers one fetch before it is reported
 * missing. Every failure is a typed {@link GitError}; nothing returns an empty list because a
 * remote was unreachable. Git runs with an environment of our own: no system or global config,
 * a private `HOME`, no prompts, only the https and ssh protocols (and file when allowed).
 */
export class GitMirrorCache implements GitSource {
  private readonly fetchTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly treeCacheSize: number;
  private readonly home: string;
  private readonly tmp: string;
  private readonly inFlight = new Map<string, Promise<FetchResult>>();
  private readonly followUps = new Map<string, Promise<FetchResult>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly trees = new Map<string, GitTree>();
  private prepared: Promise<void> | null = null;

  constructor(private readonly options: GitMirrorCacheOptions) {
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 120_000;
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.treeCacheSize = options.treeCacheSize ?? 256;
    this.home = join(options.directory, '.home');
    this.tmp = join(options.directory, '.tmp');
  }

  /**
   * Creates the mirror of `url` or brings it up to date (`git fetch --prune`), and returns the
   * refs that changed. Concurrent calls for one repository share one fetch.
   */
  async fetch(url: string, credentials?: RepositoryCredentials): Promise<FetchResult> {
    return this.fetchRepository(this.parse(url), credentials);
  }

  /** Whether a mirror of `url` exists (the refresh job fetches only repositories in use). */
  async has(url: string): Promise<boolean> {
    return this.exists(this.parse(url));
  }

  /** A `GitSource` for one caller: URLs checked with `access.checkURL`, its credentials used. */
  source(access: RepositoryAccess = {}): GitSource {
    return {
      resolveRevision: (url, revision) => this.resolveWith(access, url, revision),
      listDirectories: async (url, commit) => [
        ...(await this.treeWith(access, url, commit)).directories,
      ],
      listFiles: async (url, commit) => [...(await this.treeWith(access, url, commit)).files],
      readFile: (url, commit, path) => this.readWith(access, url, commit, path),
    };
  }

  resolveRevision(repoURL: string, revision: string): Promise<string> {
    return this.resolveWith({}, repoURL, revision);
  }

  async listDirectories(repoURL: string, commit: string): Promise<string[]> {
    return [...(await this.treeWith({}, repoURL, commit)).directories];
  }

  async listFiles(repoURL: string, commit: string): Promise<string[]> {
    return [...(await this.treeWith({}, repoURL, commit)).files];
  }

  readFile(repoURL: string, commit: string, path: string): Promise<string> {
    return this.readWith({}, repoURL, commit, path);
  }

  private async resolveWith(access: RepositoryAccess, url: string, revision: string) {
    const wanted = revision.trim() === '' ? 'HEAD' : revision.trim();
    checkRevision(url.trim(), wanted);
    const { reader, fetchOnce } = await this.open(access, url);
    const candidates =
      wanted === 'HEAD' || wanted.startsWith('refs/') || FULL_COMMIT.test(wanted)
        ? [wanted]
        : [`refs/heads/${wanted}`, `refs/tags/${wanted}`, wanted];
    const found = await reader.resolveCommit(candidates);
    if (found) return found;
    await fetchOnce();
    const fetched = await reader.resolveCommit(candidates);
    if (fetched) return fetched;
    throw reader.revisionNotFound(wanted);
  }

  private async treeWith(access: RepositoryAccess, url: string, commit: string): Promise<GitTree> {
    const { repo, reader, fetchOnce } = await this.open(access, url);
    const cacheKey = `${repo.key}/${commit}`;
    const cached = this.trees.get(cacheKey);
    if (cached) {
      // Most recently used last: the oldest entry is the first to go.
      this.trees.delete(cacheKey);
      this.trees.set(cacheKey, cached);
      return cached;
    }
    await this.ensureCommit(repo, reader, fetchOnce, commit);
    const tree = await reader.tree(commit);
    if (FULL_COMMIT.test(commit)) {
      this.trees.set(cacheKey, tree);
      for (const key of this.trees.keys()) {
        if (this.trees.size <= this.treeCacheSize) break;
        this.trees.delete(key);
      }
    }
    return tree;
  }

  private async readWith(access: RepositoryAccess, url: string, commit: string, path: string) {
    const { repo, reader, fetchOnce } = await this.open(access, url);
    await this.ensureCommit(repo, reader, fetchOnce, commit);
    return reader.readFile(commit, path);
  }

  private async ensureCommit(
    repo: RepositoryURL,
    reader: GitObjectReader,
    fetchOnce: () => Promise<void>,
    commit: string,
  ): Promise<void> {
    checkRevision(repo.url, commit);
    if (await reader.hasCommit(commit)) return;
    await fetchOnce();
    if (!(await reader.hasCommit(commit))) throw reader.revisionNotFound(commit);
  }

  /**
   * Checks the URL (format, then tenant), creates the mirror on first use, and returns a reader
   * plus a function that fetches at most once for this call.
   */
  private async open(access: RepositoryAccess, url: string) {
    const repo = this.parse(url);
    const refusal = access.checkURL?.(repo.url);
    if (refusal !== undefined) throw new GitError('UrlRefused', refusal);
    let fetched = false;
    // Something is missing from the mirror: a fetch that started before we knew may not bring
    // it, so this one must start after now (callers in the same position share it).
    const fetchOnce = async (): Promise<void> => {
      if (fetched) return;
      fetched = true;
      await this.fetchRepository(repo, await access.credentials?.(repo.url), true);
    };
    if (!(await this.exists(repo))) {
      fetched = true;
      await this.fetchRepository(repo, await access.credentials?.(repo.url));
    }
    const dir = this.mirrorDir(repo);
    const reader = new GitObjectReader(
      (args) =>
        runGit(['--git-dir', dir, ...args], {
          env: gitEnvironment(this.home, this.options.allowFileUrls),
          timeoutMs: this.readTimeoutMs,
          binary: this.options.gitBinary,
        }),
      repo.url,
    );
    return { repo, reader, fetchOnce };
  }

  private parse(url: string): RepositoryURL {
    return parseRepositoryURL(url, { allowFileUrls: this.options.allowFileUrls });
  }

  private mirrorDir(repo: RepositoryURL): string {
    return join(this.options.directory, repo.key);
  }

  private async exists(repo: RepositoryURL): Promise<boolean> {
    return access(join(this.mirrorDir(repo), 'HEAD')).then(
      () => true,
      () => false,
    );
  }

  /**
   * Starts a fetch, or joins the one in flight. `startAfterNow`: join only a fetch that has not
   * started yet, i.e. queue one follow-up behind the running fetch, shared by all who need it.
   */
  private fetchRepository(
    repo: RepositoryURL,
    credentials: RepositoryCredentials | undefined,
    startAfterNow = false,
  ): Promise<FetchResult> {
    const running = this.inFlight.get(repo.key);
    if (running && startAfterNow) {
      let followUp = this.followUps.get(repo.key);
      if (!followUp) {
        followUp = running
          .catch(() => undefined)
          .then(() => {
            this.followUps.delete(repo.key);
            return this.fetchRepository(repo, credentials);
          });
        this.followUps.set(repo.key, followUp);
      }
      return followUp;
    }
    if (running) return running;
    const started = this.serialise(repo.key, () => this.update(repo, credentials)).finally(() => {
      if (this.inFlight.get(repo.key) === started) this.inFlight.delete(repo.key);
    });
    this.inFlight.set(repo.key, started);
    return started;
  }

  /** Runs `work` after every earlier piece of work on the same repository has finished. */
  private serialise<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.locks.get(key) === next) this.locks.delete(key);
      });
    return next;
  }

  private async update(
    repo: RepositoryURL,
    credentials: RepositoryCredentials | undefined,
  ): Promise<FetchResult> {
    await this.prepare();
    const dir = this.mirrorDir(repo);
    const session = await prepareCredentials(credentials, this.tmp, join(this.home, 'known_hosts'));
    const env = gitEnvironment(this.home, this.options.allowFileUrls, session.env);
    const network = (args: string[]) =>
      runGit(args, { env, timeoutMs: this.fetchTimeoutMs, binary: this.options.gitBinary });
    try {
      if (!(await this.exists(repo))) {
        // Cloned aside and renamed into place, so a half-made mirror is never read.
        const staging = join(this.tmp, `${repo.key}-${randomBytes(6).toString('hex')}`);
        try {
          await network(['clone', '--mirror', '--quiet', '--', repo.url, staging]);
          await rename(staging, dir);
        } finally {
          await rm(staging, { recursive: true, force: true });
        }
        const refs = await this.refs(dir);
        const changed = [...refs].map(([ref, to]) => ({ ref, from: null, to }));
        return { url: repo.url, key: repo.key, created: true, changed };
      }
      const before = await this.refs(dir);
      await network([
        '--git-dir',
        dir,
        'fetch',
        '--prune',
        '--quiet',
        '--no-write-fetch-head',
        '--',
        repo.url,
        '+refs/*:refs/*',
      ]);
      return {
        url: repo.url,
        key: repo.key,
        created: false,
        changed: diffRefs(before, await this.refs(dir)),
      };
    } catch (error) {
      throw fetchError(repo, error, this.fetchTimeoutMs);
    } finally {
      await session.dispose();
    }
  }

  private async refs(dir: string): Promise<Map<string, string>> {
    const out = await runGit(
      ['--git-dir', dir, 'for-each-ref', '--format=%(objectname) %(refname)'],
      {
        env: gitEnvironment(this.home, this.options.allowFileUrls),
        timeoutMs: this.readTimeoutMs,
        binary: this.options.gitBinary,
      },
    );
    const refs = new Map<string, string>();
    for (const line of out.toString('utf8').split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
    }
    return refs;
  }

  /** Creates the cache's private directories once; leftovers of an earlier run are removed. */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await mkdir(this.options.directory, { recursive: true, mode: 0o700 });
      await rm(this.tmp, { recursive: true, force: true });
      await mkdir(this.tmp, { mode: 0o700 });
      await mkdir(this.home, { recursive: true, mode: 0o700 });
    })().catch((error: unknown) => {
      this.prepared = null;
      throw error;
    });
    return this.prepared;
  }
}

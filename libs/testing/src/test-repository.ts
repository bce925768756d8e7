import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real local Git repository on branch `main`, for tests, benchmarks and the demo. */
export interface TestRepository {
  /** The work tree. */
  dir: string;
  /** `file://` URL of the repository (the worker and hub need GIT_ALLOW_FILE_URLS=true). */
  url: string;
  /**
   * Writes (or, with `null`, deletes) files relative to the work tree and commits them; returns
   * the new commit id.
   */
  commit(files: Record<string, string | null>, message?: string): string;
  /** The commit `main` points at. */
  head(): string;
  /** Deletes the repository. */
  remove(): void;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Flotilla Test',
  GIT_AUTHOR_EMAIL: 'test@flotilla.dev',
  GIT_COMMITTER_NAME: 'Flotilla Test',
  GIT_COMMITTER_EMAIL: 'test@flotilla.dev',
};

/** Creates an empty repository in a new temporary directory (or under `parent`). */
export function createTestRepository(name = 'repo', parent?: string): TestRepository {
  const base = parent ?? mkdtempSync(join(tmpdir(), 'flotilla-repo-'));
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...IDENTITY },
    }).trim();
  git('init', '-q', '-b', 'main');
  return {
    dir,
    url: `file://${dir}`,
    commit(files, message = 'change') {
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        if (content === null) {
          rmSync(file, { force: true });
          continue;
        }
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    head: () => git('rev-parse', 'HEAD'),
    remove: () => rmSync(parent ? dir : base, { recursive: true, force: true }),
  };
}

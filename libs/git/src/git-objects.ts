import { GitError } from './git-error';
import { GitCommandError } from './run-git';

/** Runs one git command against one repository and resolves with its stdout bytes. */
export type GitRun = (args: string[]) => Promise<Buffer>;

/** The paths of one commit's tree, slash-separated and relative to the root. */
export interface GitTree {
  readonly files: readonly string[];
  readonly directories: readonly string[];
}

/**
 * Parses `git ls-tree -r -t -z` output. Entries are `<mode> <type> <object>\t<path>`; trees are
 * directories, blobs (symbolic links included) are files, and submodules (type `commit`) are
 * neither, since they hold no content in this repository.
 */
export function parseTreeListing(stdout: string): GitTree {
  const files: string[] = [];
  const directories: string[] = [];
  for (const entry of stdout.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const type = entry.slice(0, tab).split(' ')[1];
    const path = entry.slice(tab + 1);
    if (type === 'blob') files.push(path);
    else if (type === 'tree') directories.push(path);
  }
  return { files, directories };
}

/** True when `s` contains whitespace or an ASCII control character. */
export function hasControlOrSpace(s: string): boolean {
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || /\s/.test(ch)) return true;
  }
  return false;
}

/**
 * A revision as a user wrote it (`main`, `v1.2`, `refs/heads/x`, a commit id, `HEAD`): refused
 * when git could read it as an option or as a revision range, before it reaches any command.
 */
export function checkRevision(repoURL: string, revision: string): string {
  const problem = revision.startsWith('-')
    ? 'must not start with "-"'
    : hasControlOrSpace(revision) || /[~^:?*[\\]/.test(revision)
      ? 'contains a character git does not allow in a ref'
      : revision.includes('..')
        ? 'must not contain ".."'
        : revision.includes('@{')
          ? 'must not contain "@{"'
          : revision.length > 255
            ? 'is longer than 255 characters'
            : undefined;
  if (problem) {
    throw new GitError(
      'RevisionNotFound',
      `unable to resolve git revision ${JSON.stringify(revision)} of ${repoURL}: the revision ${problem}`,
    );
  }
  return revision;
}

/**
 * Reads commits, trees and files of one repository with `git rev-parse`, `git ls-tree` and
 * `git cat-file`, without a work tree. Shared by the hub's mirrors and the CLI's local
 * repositories; each passes how git is run there.
 */
export class GitObjectReader {
  constructor(
    private readonly run: GitRun,
    private readonly repoURL: string,
  ) {}

  /** The commit the first of `candidates` names, or undefined when none names a commit. */
  async resolveCommit(candidates: readonly string[]): Promise<string | undefined> {
    for (const candidate of candidates) {
      try {
        const out = await this.run([
          'rev-parse',
          '--verify',
          '--quiet',
          '--end-of-options',
          `${candidate}^{commit}`,
        ]);
        const commit = out.toString('utf8').trim();
        if (commit) return commit;
      } catch (error) {
        // Exit 1 with --quiet: not a commit, try the next spelling. Anything else is git failing.
        if (!(error instanceof GitCommandError) || error.exitCode !== 1 || error.timedOut) {
          throw this.failed('rev-parse', error);
        }
      }
    }
    return undefined;
  }

  /** Whether `commit` is a commit in the repository. */
  async hasCommit(commit: string): Promise<boolean> {
    return (await this.resolveCommit([commit])) !== undefined;
  }

  /** Every file and directory of the tree at `commit`. */
  async tree(commit: string): Promise<GitTree> {
    try {
      const out = await this.run(['ls-tree', '-r', '-t', '-z', '--end-of-options', commit]);
      return parseTreeListing(out.toString('utf8'));
    } catch (error) {
      if (!(await this.hasCommit(commit))) throw this.revisionNotFound(commit);
      throw this.failed('ls-tree', error);
    }
  }

  /** The content of the file at `path` in `commit` (a symbolic link reads as its target). */
  async readFile(commit: string, path: string): Promise<string> {
    try {
      const out = await this.run(['cat-file', 'blob', `${commit}:${path}`]);
      return out.toString('utf8');
    } catch (error) {
      if (!(await this.hasCommit(commit))) throw this.revisionNotFound(commit);
      if (error instanceof GitCommandError && error.exitCode === 128 && !error.timedOut) {
        throw new GitError(
          'PathNotFound',
          `${path}: no such file at commit ${commit} of ${this.repoURL}`,
        );
      }
      throw this.failed('cat-file', error);
    }
  }

  /** The error for a revision that names no commit. */
  revisionNotFound(revision: string): GitError {
    return new GitError(
      'RevisionNotFound',
      `unable to resolve git revision ${JSON.stringify(revision)} of ${this.repoURL}`,
    );
  }

  private failed(what: string, error: unknown): GitError {
    return new GitError(
      'GitFailed',
      `git ${what} failed on ${this.repoURL}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

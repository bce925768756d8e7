import { GitError } from './git-error';
import type { RepositoryURL } from './repository-url';
import { GitCommandError } from './run-git';

/** One ref a fetch moved: `from` null when it is new, `to` null when it was deleted. */
export interface RefChange {
  ref: string;
  from: string | null;
  to: string | null;
}

/** The refs that differ between two `for-each-ref` snapshots, by ref name. */
export function diffRefs(before: Map<string, string>, after: Map<string, string>): RefChange[] {
  const changed: RefChange[] = [];
  for (const [ref, to] of after) {
    const from = before.get(ref) ?? null;
    if (from !== to) changed.push({ ref, from, to });
  }
  for (const [ref, from] of before) if (!after.has(ref)) changed.push({ ref, from, to: null });
  return changed.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

const AUTH_FAILURE =
  /authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(publickey|access denied|returned error: 40[13]|invalid username or password|invalid credentials/i;

/** A failed clone or fetch as a typed error: stderr's first lines say what happened. */
export function fetchError(repo: RepositoryURL, error: unknown, timeoutMs: number): GitError {
  if (error instanceof GitError) return error;
  if (!(error instanceof GitCommandError)) {
    return new GitError('GitFailed', `cannot fetch ${repo.url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (error.timedOut) {
    return new GitError(
      'RepositoryUnreachable',
      `cannot fetch ${repo.url}: no answer within ${Math.round(timeoutMs / 1000)} s`,
    );
  }
  const detail = error.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(hint|warning):/i.test(l))
    .slice(0, 3)
    .join('; ');
  const code = AUTH_FAILURE.test(error.stderr) ? 'AuthenticationFailed' : 'RepositoryUnreachable';
  return new GitError(code, `cannot fetch ${repo.url}: ${detail || error.message}`, {
    cause: error,
  });
}

/**
 * Why a Git operation failed: a closed set, so callers can tell an unreachable repository (keep
 * what was generated before) from an empty one or a missing path (generate nothing).
 */
export type GitErrorCode =
  /** The URL is not an allowed repository URL, or the tenant may not use it; nothing was run. */
  | 'UrlRefused'
  /** The remote did not answer, refused, timed out, or does not exist. */
  | 'RepositoryUnreachable'
  /** The remote wants credentials that were missing or wrong. */
  | 'AuthenticationFailed'
  /** Credentials given to the store are not usable (not a PEM key, ssh for an https URL). */
  | 'CredentialsInvalid'
  /** The branch, tag or commit is not in the repository (after a fetch). */
  | 'RevisionNotFound'
  /** The commit exists but the path does not (or is not a file). */
  | 'PathNotFound'
  /** Git failed locally: a corrupt mirror, a full disk, output over the size limit. */
  | 'GitFailed';

/**
 * A failed Git operation. Messages name the repository URL (never credentials) and what was
 * asked for; `code` says which kind of failure it is. Never thrown for "no files": an empty list
 * is only ever returned for a tree that is really empty.
 */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly code: GitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a {@link GitError}, optionally of one of `codes`. */
export function isGitError(error: unknown, ...codes: GitErrorCode[]): error is GitError {
  return error instanceof GitError && (codes.length === 0 || codes.includes(error.code));
}

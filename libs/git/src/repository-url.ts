import { createHash } from 'node:crypto';
import { normalizeRepoURL, type TenantPolicy } from '@flotilla/domain';
import { GitError } from './git-error';
import { hasControlOrSpace } from './git-objects';

/** How git reaches a repository: only these three, and `file` only where configured. */
export type RepositoryTransport = 'https' | 'ssh' | 'file';

/** A repository URL that passed {@link parseRepositoryURL}. */
export interface RepositoryURL {
  /** As given, trimmed: what git is run with. */
  readonly url: string;
  readonly transport: RepositoryTransport;
  /** Argo CD's normalized form (`normalizeRepoURL`): what tenants' `sourceRepos` match. */
  readonly normalized: string;
  /** SHA-256 (hex) of `normalized`: the mirror's directory name and the refresh job id. */
  readonly key: string;
}

export interface RepositoryURLOptions {
  /** Accept `file://` URLs (tests and the demo; `GIT_ALLOW_FILE_URLS`). */
  allowFileUrls?: boolean;
  /** The field named in errors (default `repoURL`). */
  field?: string;
}

const SCP_LIKE = /^([^@/:\s]+)@([^@/:\s]+):(.+)$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;

/**
 * Checks a repository URL before git sees it: `https://`, `ssh://` and scp-style `user@host:path`
 * (ssh) are accepted, `file://` only with `allowFileUrls`. Everything else is refused with a
 * {@link GitError} `UrlRefused` naming the field and the problem: plain `http://` and `git://`
 * (no integrity), remote helpers (`ext::` runs commands), local paths, anything git could read as
 * an option, and URLs with embedded credentials (those belong in the credential store).
 */
export function parseRepositoryURL(raw: string, options: RepositoryURLOptions = {}): RepositoryURL {
  const field = options.field ?? 'repoURL';
  const url = raw.trim();
  const refuse = (problem: string, shown = url): never => {
    throw new GitError('UrlRefused', `${field}: ${JSON.stringify(shown)} ${problem}`);
  };
  if (url === '') refuse('must not be empty');
  if (url.startsWith('-')) refuse('must not start with "-" (git would read it as an option)');
  if (hasControlOrSpace(url)) refuse('must not contain spaces or control characters');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  let transport: RepositoryTransport;
  if (scheme === 'https' || scheme === 'ssh') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return refuse('is not a valid URL');
    }
    if (parsed.password || (scheme === 'https' && parsed.username)) {
      parsed.username = parsed.username ? '***' : '';
      parsed.password = parsed.password ? '***' : '';
      refuse(
        'must not embed credentials: store them as repository credentials instead',
        parsed.toString(),
      );
    }
    if (!HOST.test(parsed.hostname)) refuse('must name a host');
    if (decodeURIComponent(parsed.username).startsWith('-')) refuse('has a user starting with "-"');
    if (parsed.pathname === '/' || parsed.pathname === '') refuse('must name a repository path');
    transport = scheme;
  } else if (scheme === 'file') {
    if (!options.allowFileUrls) {
      refuse('is a file URL: allowed only with GIT_ALLOW_FILE_URLS=true (tests and the demo)');
    }
    if (!/^file:\/\/(localhost)?\/./i.test(url)) refuse('must be file:///absolute/path');
    transport = 'file';
  } else if (scheme === 'http') {
    return refuse('uses plain http: only https://, ssh:// and git@host:path URLs are allowed');
  } else if (scheme === 'git') {
    return refuse(
      'uses git://, which is neither authenticated nor encrypted: use https:// or ssh://',
    );
  } else if (scheme !== undefined) {
    return refuse(`uses ${scheme}://: only https://, ssh:// and git@host:path URLs are allowed`);
  } else if (/^[A-Za-z0-9+.-]+::/.test(url)) {
    return refuse('names a git remote helper (like ext::), which can run commands: refused');
  } else {
    const scp = SCP_LIKE.exec(url);
    const [, user = '', host = '', path = ''] = scp ?? [];
    if (!scp || url.startsWith('/') || url.startsWith('.') || url.startsWith('~')) {
      return refuse(
        'is not a repository URL: use https://host/path, ssh://user@host/path or user@host:path (local paths are refused)',
      );
    }
    if (user.startsWith('-') || host.startsWith('-') || path.startsWith('-')) {
      refuse('has a part starting with "-" (ssh would read it as an option)');
    }
    if (!HOST.test(host)) refuse('must name a host');
    transport = 'ssh';
  }
  const normalized = normalizeRepoURL(url);
  return { url, transport, normalized, key: repositoryKey(url) };
}

/** The cache key of a repository URL: SHA-256 (hex) of its normalized form. */
export function repositoryKey(url: string): string {
  return createHash('sha256').update(normalizeRepoURL(url)).digest('hex');
}

/**
 * Whether a tenant may read a repository, from its `sourceRepos` rules: undefined when allowed,
 * else the reason. For {@link GitMirrorCache.source}'s `checkURL`, so that a tenant's generation
 * fetches only what its tenant permits.
 */
export function tenantRepositoryCheck(policy: TenantPolicy): (url: string) => string | undefined {
  return (url) => {
    // Sources are checked before destinations, so a refusal for "source" is about the URL only.
    const decision = policy.checkDeployment({
      repoURL: url,
      cluster: { name: '', labels: {} },
      namespace: '',
    });
    return !decision.allowed && decision.rule === 'source' ? decision.reason : undefined;
  };
}

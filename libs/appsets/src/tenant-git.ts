import type { JsonObjectValue } from '@flotilla/domain';
import type { GitSource } from '@flotilla/generators';
import {
  tenantRepositoryCheck,
  type GitMirrorCache,
  type RepositoryCredentialStore,
} from '@flotilla/git';
import { generationTargets } from './generation-targets';
import type { GenerationReader } from './generation-reader';

/** Where a failed fetch before a generation is reported (it is not fatal: see below). */
export type FetchProblem = (url: string, error: Error) => void;

/**
 * Git as one tenant may see it: only repositories its rules allow (checked before any fetch),
 * with its own stored credentials, from this process's mirror cache. Shared by the worker
 * (generation) and the hub (previews).
 */
export class TenantGit {
  constructor(
    private readonly mirrors: GitMirrorCache,
    private readonly credentials: RepositoryCredentialStore,
    private readonly reader: GenerationReader,
    private readonly onFetchProblem: FetchProblem = () => undefined,
  ) {}

  /**
   * The GitSource a generation of `manifest` for `tenant` reads through, with the mirrors its
   * Git generators read fetched first (branches resolve from a mirror as last fetched, and the
   * push that triggered this run may have been fetched by another process). Undefined when the
   * tenant's rules cannot be read: Git generators then fail, never read as empty.
   */
  async sourceFor(tenant: string, manifest: JsonObjectValue): Promise<GitSource | undefined> {
    const policy = await this.reader.policy(tenant).catch(() => undefined);
    if (!policy) return undefined;
    const checkURL = tenantRepositoryCheck(policy);
    const forTenant = this.credentials.forTenant(tenant);
    for (const url of generationTargets(manifest).generatorRepoURLs) {
      try {
        if (checkURL(url) === undefined && (await this.mirrors.has(url)))
          await this.mirrors.fetch(url, await forTenant(url));
      } catch (error) {
        // Reading the mirror afterwards fails or succeeds on its own; a stale mirror is reported.
        this.onFetchProblem(url, error as Error);
      }
    }
    return this.mirrors.source({ checkURL, credentials: forTenant });
  }
}

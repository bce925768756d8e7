import type { JobOn, QUEUES } from '@flotilla/contracts';
import { liveTarget } from '@flotilla/event-store';
import { repositoryKey, type GitMirrorCache, type RepositoryCredentialStore } from '@flotilla/git';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { GenerationRequests } from './generation-requests';
import { GENERATION_TRIGGERS_VERSION } from './generation-triggers.projection';

/** The trigger projection's table of what each ApplicationSet reads. */
export const GENERATION_TARGETS = liveTarget({ version: GENERATION_TRIGGERS_VERSION }).table(
  'generation_targets',
);

export interface GitJobDeps {
  pool: Pool;
  mirrors: GitMirrorCache;
  credentials: RepositoryCredentialStore;
  requests: GenerationRequests;
  logger: Logger;
  /** Called after a fetch moved a repository's refs (rendering re-resolves its Applications). */
  onMoved?: (url: string) => Promise<void>;
}

/** Live ApplicationSets reading repository `key`, with their tenants. */
async function readers(pool: Pool, key: string) {
  const { rows } = await pool.query<{ id: string; tenant: string }>(
    `SELECT application_set_id AS id, tenant FROM ${GENERATION_TARGETS}
      WHERE $1 = ANY(repo_keys) AND NOT deleted ORDER BY application_set_id`,
    [key],
  );
  return rows;
}

/**
 * Fetches one mirror (only one this worker already has: a webhook must not make it clone
 * anything) with the credentials of a tenant that reads it; answers whether refs moved.
 */
async function refresh(deps: GitJobDeps, url: string, tenant: string | undefined) {
  if (!(await deps.mirrors.has(url))) return null;
  const credentials = tenant ? await deps.credentials.get(tenant, url) : undefined;
  const result = await deps.mirrors.fetch(url, credentials);
  return result.changed.length > 0;
}

/** `git-refresh` (a push webhook): fetch, then regenerate the ApplicationSets reading it. */
export function gitRefreshProcessor(deps: GitJobDeps) {
  return async (job: Job<Extract<JobOn<typeof QUEUES.gitRefresh>, { type: 'git-refresh' }>>) => {
    const url = job.data.repoURL;
    let key: string;
    try {
      key = repositoryKey(url);
    } catch (error) {
      return { outcome: 'skipped', reason: (error as Error).message };
    }
    const sets = await readers(deps.pool, key);
    const changed = await refresh(deps, url, sets[0]?.tenant);
    if (changed === null) return { outcome: 'skipped', reason: 'not mirrored by this worker' };
    if (!changed) return { outcome: 'unchanged', applicationSets: 0 };
    await deps.onMoved?.(url);
    const requested = await deps.requests.request(
      sets.map((s) => s.id),
      'git-push',
    );
    return { outcome: 'fetched', applicationSets: requested };
  };
}

/**
 * `appset-resync` (every APPSET_RESYNC_SECONDS): fetches the mirrors live ApplicationSets read,
 * requests a generation of every live ApplicationSet (Argo CD's periodic requeue: what a missed
 * webhook or an outside change left behind is caught here), and re-queues requests Redis lost.
 */
export function appsetResyncProcessor(deps: GitJobDeps) {
  return async () => {
    const { rows } = await deps.pool.query<{ id: string; tenant: string; repo_urls: string[] }>(
      `SELECT application_set_id AS id, tenant, repo_urls FROM ${GENERATION_TARGETS}
        WHERE NOT deleted ORDER BY application_set_id`,
    );
    const repos = new Map<string, { url: string; tenant: string }>();
    for (const row of rows)
      for (const url of row.repo_urls) {
        try {
          const key = repositoryKey(url);
          if (!repos.has(key)) repos.set(key, { url, tenant: row.tenant });
        } catch {
          // Not a repository URL: generation reports it.
        }
      }
    let fetched = 0;
    for (const { url, tenant } of repos.values()) {
      try {
        if ((await refresh(deps, url, tenant)) !== null) fetched++;
      } catch (error) {
        // Generation reads the mirror and reports the failure on the ApplicationSet.
        deps.logger.warn({ url, err: (error as Error).message }, 'resync fetch failed');
      }
    }
    const requested = await deps.requests.request(
      rows.map((r) => r.id),
      'resync',
    );
    const redispatched = await deps.requests.dispatch();
    return { fetched, requested, redispatched };
  };
}

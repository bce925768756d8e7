import { Inject, Injectable } from '@nestjs/common';
import {
  ApplicationSetGeneration,
  GenerationReader,
  TenantGit,
  type GenerationSubject,
  type PlannedGeneration,
} from '@flotilla/appsets';
import type { HubConfig } from '@flotilla/config';
import { GitMirrorCache, RepositoryCredentialStore } from '@flotilla/git';
import { SecretBox } from '@flotilla/secrets';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { HUB_CONFIG, LOGGER, PG_POOL } from '../infra/tokens';
import type {
  ApplicationSetPreview,
  PreviewApplication,
  PreviewClusterChanges,
} from './application-set-preview.model';
import { ApplicationSetReadModel } from './application-set.read-model';

type Placement = { clusterId: string; namespace: string };

const EMPTY = {
  created: [],
  updated: [],
  deleted: [],
  unchanged: [],
  skipped: { updates: [], deletions: [] },
  held: null,
  violations: [],
  validationErrors: [],
  clusters: [],
};

/**
 * Previews a manifest: generation against the tenant's fleet and a plan against the
 * Applications the ApplicationSet of that name has now, exactly as the worker would run it, but
 * nothing is written. Git generators read the hub's own mirrors (GIT_CACHE_DIR), through the
 * tenant's rules and credentials, fetched before each preview like the worker does.
 */
@Injectable()
export class ApplicationSetPreviewService {
  private readonly git: TenantGit;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly reads: ApplicationSetReadModel,
  ) {
    const mirrors = new GitMirrorCache({
      directory: config.GIT_CACHE_DIR,
      allowFileUrls: config.GIT_ALLOW_FILE_URLS,
      fetchTimeoutMs: config.GIT_FETCH_TIMEOUT_SECONDS * 1000,
    });
    const credentials = new RepositoryCredentialStore(pool, new SecretBox(config.SECRETS_KEYS));
    this.git = new TenantGit(mirrors, credentials, new GenerationReader(pool), (url, error) =>
      logger.warn({ url, err: error.message }, 'mirror fetch before preview failed'),
    );
  }

  /** Plans `input` against the fleet and the Applications of `applicationSetId` as they are now. */
  async preview(input: GenerationSubject): Promise<ApplicationSetPreview> {
    const git = await this.git.sourceFor(input.tenant, input.manifest);
    const generation = new ApplicationSetGeneration({ pool: this.pool, ...(git ? { git } : {}) });
    const result = await generation.plan(input);
    if (!result.ok)
      return {
        ok: false,
        applicationSetId: input.applicationSetId,
        failure: {
          reason: result.reason,
          message: result.message,
          manifestVersion: null,
          at: null,
        },
        ...EMPTY,
      };
    const placements = await this.reads.placements(input.applicationSetId);
    const names = await this.clusterNames(result, placements);
    return {
      ok: true,
      applicationSetId: input.applicationSetId,
      failure: null,
      ...toLists(result, placements, names),
      held: result.plan.held ? { ...result.plan.held, at: null } : null,
      violations: result.violations,
      validationErrors: result.validationErrors,
    };
  }

  /** Names of every cluster the preview mentions: the tenant's live ones, then any others. */
  private async clusterNames(
    result: PlannedGeneration,
    placements: Map<string, Placement>,
  ): Promise<Map<string, string>> {
    const names = new Map(Object.entries(result.clusterNames));
    const missing = [...placements.values()].map((p) => p.clusterId).filter((id) => !names.has(id));
    for (const [id, name] of await this.reads.clusterNames(missing)) names.set(id, name);
    return names;
  }
}

function toLists(
  result: PlannedGeneration,
  placements: Map<string, Placement>,
  names: Map<string, string>,
): Pick<
  ApplicationSetPreview,
  'created' | 'updated' | 'deleted' | 'unchanged' | 'skipped' | 'clusters'
> {
  const at = (name: string, p: Placement | undefined): PreviewApplication => ({
    name,
    cluster: { id: p?.clusterId ?? '', name: p ? (names.get(p.clusterId) ?? null) : null },
    namespace: p?.namespace ?? '',
  });
  const current = (name: string) => at(name, placements.get(name));
  const { plan } = result;
  const lists = {
    created: plan.create.map((d) => at(d.name, d)),
    updated: plan.update.map((u) => at(u.desired.name, u.desired)),
    deleted: plan.delete.map((d) => current(d.name)),
    unchanged: plan.unchanged.map(current),
  };
  return {
    ...lists,
    skipped: {
      updates: plan.skipped.update.map(current),
      deletions: plan.skipped.delete.map(current),
    },
    clusters: perCluster(lists),
  };
}

function perCluster(
  lists: Record<'created' | 'updated' | 'deleted' | 'unchanged', PreviewApplication[]>,
): PreviewClusterChanges[] {
  const byId = new Map<string, PreviewClusterChanges>();
  for (const kind of ['created', 'updated', 'deleted', 'unchanged'] as const) {
    for (const app of lists[kind]) {
      let entry = byId.get(app.cluster.id);
      if (!entry) {
        entry = { cluster: app.cluster, created: 0, updated: 0, deleted: 0, unchanged: 0 };
        byId.set(app.cluster.id, entry);
      }
      entry[kind]++;
    }
  }
  return [...byId.values()].sort((a, b) =>
    (a.cluster.name ?? a.cluster.id).localeCompare(b.cluster.name ?? b.cluster.id),
  );
}

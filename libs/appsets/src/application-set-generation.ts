import {
  applicationDigest,
  DEFAULT_DELETION_BRAKE,
  planReconciliation,
  readApplicationsSync,
  type ApplicationMetadata,
  type DeletionBrake,
  type DesiredApplication,
  type GenerationFailureReason,
  type GenerationValidationError,
  type GenerationViolation,
  type JsonObjectValue,
  type ReconciliationPlan,
  type TenantPolicy,
} from '@flotilla/domain';
import {
  generateApplications,
  ManifestError,
  readApplicationSet,
  type Application,
  type GitSource,
} from '@flotilla/generators';
import type { Pool } from 'pg';
import { ClusterIndex, type FleetCluster } from './fleet-clusters';
import { GenerationInputError, GenerationReader } from './generation-reader';

/** What one generation works on: an ApplicationSet's manifest, stored or proposed. */
export interface GenerationSubject {
  /** Null for a manifest not stored yet (a preview of a new ApplicationSet). */
  applicationSetId: string | null;
  tenant: string;
  manifest: JsonObjectValue;
  /** A held deletion set someone confirmed (see `planReconciliation`). */
  confirmedDeletions?: readonly string[];
}

/** A generation that produced a plan. */
export interface PlannedGeneration {
  ok: true;
  plan: ReconciliationPlan;
  /** Generated Applications the tenant may not deploy: neither created nor changed. */
  violations: GenerationViolation[];
  /** Applications Argo CD would refuse (bad name, unknown destination): left out. */
  validationErrors: GenerationValidationError[];
  /** Cluster id → name, for every live cluster of the tenant. */
  clusterNames: Record<string, string>;
}

/** A generation that failed: nothing may change (an error is never an empty result). */
export interface FailedGeneration {
  ok: false;
  reason: GenerationFailureReason;
  message: string;
}

export type GenerationPreview = PlannedGeneration | FailedGeneration;

/** Dependencies of {@link ApplicationSetGeneration}. */
export interface GenerationDeps {
  pool: Pool;
  /** Git access for Git generators; without it they fail (as GitError), never yield nothing. */
  git?: GitSource;
  brake?: DeletionBrake;
}

const NO_GIT: GitSource = {
  resolveRevision: () => Promise.reject(new Error('no Git access is configured on this process')),
  listDirectories: () => Promise.reject(new Error('no Git access is configured on this process')),
  listFiles: () => Promise.reject(new Error('no Git access is configured on this process')),
  readFile: () => Promise.reject(new Error('no Git access is configured on this process')),
};

/** A GitSource that remembers whether any call failed, to tell Git errors from template ones. */
function recordingGit(git: GitSource): { git: GitSource; failed: () => boolean } {
  let failed = false;
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        failed = true;
        throw error;
      }
    };
  return {
    git: {
      resolveRevision: wrap(git.resolveRevision.bind(git)),
      listDirectories: wrap(git.listDirectories.bind(git)),
      listFiles: wrap(git.listFiles.bind(git)),
      readFile: wrap(git.readFile.bind(git)),
    },
    failed: () => failed,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every repository an Application reads (`spec.source` and each of `spec.sources`). */
function repositoriesOf(spec: Record<string, unknown>): string[] {
  const sources = [spec['source'], ...(Array.isArray(spec['sources']) ? spec['sources'] : [])];
  return sources
    .filter(isObject)
    .map((s) => s['repoURL'])
    .filter((u): u is string => typeof u === 'string');
}

function metadataOf(app: Application): ApplicationMetadata {
  return {
    labels: app.metadata.labels ?? {},
    annotations: app.metadata.annotations ?? {},
    finalizers: app.metadata.finalizers ?? [],
  };
}

/** Checks one Application against the tenant's rules: the first refusal, if any. */
function violationOf(
  app: Application,
  cluster: FleetCluster,
  policy: TenantPolicy,
): GenerationViolation | undefined {
  const destination = isObject(app.spec['destination']) ? app.spec['destination'] : {};
  const namespace = typeof destination['namespace'] === 'string' ? destination['namespace'] : '';
  const repos = repositoriesOf(app.spec);
  for (const repoURL of repos.length > 0 ? repos : ['']) {
    const decision = policy.checkDeployment({
      repoURL,
      cluster: { name: cluster.name, server: cluster.record.server, labels: cluster.labels },
      namespace,
    });
    if (!decision.allowed)
      return {
        application: app.metadata.name,
        cluster: cluster.name,
        rule: decision.rule,
        reason: decision.reason,
      };
  }
  return undefined;
}

/**
 * Generation of one ApplicationSet against the fleet: reads the tenant's live clusters and
 * rules, runs Argo CD's generators (no implicit in-cluster destination: the hub deploys only to
 * registered clusters), checks every Application against the tenant, resolves destinations to
 * cluster ids, and plans against the Applications that exist. Writes nothing: the hub previews
 * with it, the worker applies its plan.
 */
export class ApplicationSetGeneration {
  private readonly reader: GenerationReader;

  constructor(private readonly deps: GenerationDeps) {
    this.reader = new GenerationReader(deps.pool);
  }

  /** Generates and plans; any failure is a {@link FailedGeneration}, never an empty plan. */
  async plan(subject: GenerationSubject): Promise<GenerationPreview> {
    let syncPolicy: ReturnType<typeof readApplicationsSync>;
    let appSet: ReturnType<typeof readApplicationSet>;
    try {
      syncPolicy = readApplicationsSync(subject.manifest);
      appSet = readApplicationSet(subject.manifest);
    } catch (error) {
      return { ok: false, reason: 'ManifestError', message: (error as Error).message };
    }
    let clusters: FleetCluster[];
    let policy: TenantPolicy;
    try {
      [clusters, policy] = await Promise.all([
        this.reader.clusters(subject.tenant),
        this.reader.policy(subject.tenant),
      ]);
    } catch (error) {
      return failure(error, 'ClusterLookupError');
    }
    const index = new ClusterIndex(clusters);
    const git = recordingGit(this.deps.git ?? NO_GIT);
    let generated: Awaited<ReturnType<typeof generateApplications>>;
    try {
      generated = await generateApplications(appSet, {
        clusters: clusters.map((c) => c.record),
        localCluster: false,
        git: git.git,
      });
    } catch (error) {
      if (error instanceof ManifestError)
        return { ok: false, reason: 'ManifestError', message: error.message };
      return failure(error, git.failed() ? 'GitError' : 'TemplateError');
    }
    if (generated.error !== undefined)
      return {
        ok: false,
        reason: git.failed() ? 'GitError' : 'TemplateError',
        message: generated.error,
      };

    const desired: DesiredApplication[] = [];
    const violations: GenerationViolation[] = [];
    const validationErrors: GenerationValidationError[] = [...generated.validationErrors];
    for (const app of generated.applications) {
      const cluster = index.resolve(app.spec['destination']);
      if (!cluster) {
        validationErrors.push({
          application: app.metadata.name,
          message: 'the destination is not a live cluster of this tenant',
        });
        continue;
      }
      const violation = violationOf(app, cluster, policy);
      if (violation) {
        violations.push(violation);
        continue;
      }
      const spec = app.spec as JsonObjectValue;
      const metadata = metadataOf(app);
      const destination = isObject(app.spec['destination']) ? app.spec['destination'] : {};
      desired.push({
        name: app.metadata.name,
        clusterId: cluster.id,
        namespace: typeof destination['namespace'] === 'string' ? destination['namespace'] : '',
        project: typeof app.spec['project'] === 'string' ? app.spec['project'] : '',
        spec,
        metadata,
        digest: applicationDigest(spec, metadata),
      });
    }

    let current;
    try {
      current = await this.reader.current(subject.applicationSetId);
    } catch (error) {
      return failure(error, 'ClusterLookupError');
    }
    // An Application that exists but now breaks the tenant's rules (or lost its destination) is
    // left as it is and reported: a rule change must not wipe a fleet.
    const keep = new Set([
      ...violations.map((v) => v.application),
      ...validationErrors.map((v) => v.application),
    ]);
    const plan = planReconciliation({
      desired,
      current: current.filter((c) => !keep.has(c.name)),
      policy: syncPolicy.policy,
      preserveResourcesOnDeletion: syncPolicy.preserveResourcesOnDeletion,
      brake: this.deps.brake ?? DEFAULT_DELETION_BRAKE,
      ...(subject.confirmedDeletions ? { confirmedDeletions: subject.confirmedDeletions } : {}),
    });
    plan.unchanged = [
      ...plan.unchanged,
      ...current.filter((c) => keep.has(c.name)).map((c) => c.name),
    ].sort();
    return { ok: true, plan, violations, validationErrors, clusterNames: index.names() };
  }
}

function failure(error: unknown, fallback: GenerationFailureReason): FailedGeneration {
  if (error instanceof GenerationInputError)
    return {
      ok: false,
      reason: 'ClusterLookupError',
      message: error.message,
    };
  return { ok: false, reason: fallback, message: (error as Error).message ?? String(error) };
}

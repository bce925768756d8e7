import { DomainError } from '../domain-error';
import type { ApplicationMetadata, JsonObjectValue } from './application.events';

/**
 * Argo CD's `spec.syncPolicy.applicationsSync`: what the ApplicationSet may do to Applications
 * that already exist. Every policy creates missing Applications. `create-only`: never update nor
 * delete; `create-update`: update (spec and metadata replaced as generated) but never delete;
 * `create-delete`: delete but never update; `sync` (the default): all three.
 */
export type ApplicationsSyncPolicy = 'create-only' | 'create-update' | 'create-delete' | 'sync';

const POLICIES: readonly ApplicationsSyncPolicy[] = [
  'create-only',
  'create-update',
  'create-delete',
  'sync',
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `spec.syncPolicy.applicationsSync` (default `sync`) and
 * `spec.syncPolicy.preserveResourcesOnDeletion` (default false) from a manifest. Throws
 * `DomainError('BAD_USER_INPUT')` naming the field for a value Argo CD's CRD would refuse.
 */
export function readApplicationsSync(manifest: unknown): {
  policy: ApplicationsSyncPolicy;
  preserveResourcesOnDeletion: boolean;
} {
  const spec = isObject(manifest) ? manifest.spec : undefined;
  const syncPolicy = isObject(spec) ? spec.syncPolicy : undefined;
  if (!isObject(syncPolicy)) return { policy: 'sync', preserveResourcesOnDeletion: false };
  const { applicationsSync, preserveResourcesOnDeletion } = syncPolicy;
  const field = 'manifest.spec.syncPolicy';
  if (
    applicationsSync !== undefined &&
    applicationsSync !== null &&
    applicationsSync !== '' &&
    !POLICIES.includes(applicationsSync as ApplicationsSyncPolicy)
  ) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}.applicationsSync: must be one of ${POLICIES.join(', ')}`,
      `${field}.applicationsSync`,
    );
  }
  if (
    preserveResourcesOnDeletion !== undefined &&
    preserveResourcesOnDeletion !== null &&
    typeof preserveResourcesOnDeletion !== 'boolean'
  ) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}.preserveResourcesOnDeletion: must be a boolean`,
      `${field}.preserveResourcesOnDeletion`,
    );
  }
  return {
    policy: (applicationsSync || 'sync') as ApplicationsSyncPolicy,
    preserveResourcesOnDeletion: preserveResourcesOnDeletion === true,
  };
}

/** An Application a generation produced, with its destination resolved to one of our clusters. */
export interface DesiredApplication {
  name: string;
  clusterId: string;
  namespace: string;
  project: string;
  spec: JsonObjectValue;
  metadata: ApplicationMetadata;
  /** `applicationDigest(spec, metadata)`. */
  digest: string;
}

/** An Application of the ApplicationSet as it exists now (from the read model). */
export interface CurrentApplication {
  name: string;
  id: string;
  digest: string;
  clusterId: string;
  /**
   * Its finalizers, when known. Argo CD deletes an Application's resources only through the
   * `resources-finalizer.argocd.argoproj.io` finalizer (or `/<policy>` variants): without one,
   * the resources stay even when `preserveResourcesOnDeletion` is false.
   */
  finalizers?: readonly string[];
}

/** How many deletions one generation may apply before they wait for a confirmation. */
export interface DeletionBrake {
  /** Share of the current Applications (0..1). */
  share: number;
  /** Deletions always allowed, however few Applications exist. */
  minimum: number;
}

/** The brake the hub uses: a quarter of the Applications, but never fewer than five. */
export const DEFAULT_DELETION_BRAKE: DeletionBrake = Object.freeze({ share: 0.25, minimum: 5 });

export interface ReconciliationInput {
  desired: readonly DesiredApplication[];
  current: readonly CurrentApplication[];
  policy: ApplicationsSyncPolicy;
  preserveResourcesOnDeletion: boolean;
  brake: DeletionBrake;
  /** A held deletion set someone confirmed; it applies only if it is exactly this run's set. */
  confirmedDeletions?: readonly string[];
}

export interface PlannedUpdate {
  desired: DesiredApplication;
  id: string;
  previousDigest: string;
}

export interface PlannedDeletion {
  name: string;
  id: string;
  preserveResources: boolean;
}

export interface HeldDeletions {
  /** Application names, sorted. */
  deletions: string[];
  currentCount: number;
  /** The most deletions applied without confirmation. */
  threshold: number;
}

/** What one generation changes. Every list is sorted by Application name. */
export interface ReconciliationPlan {
  create: DesiredApplication[];
  update: PlannedUpdate[];
  delete: PlannedDeletion[];
  /** Names generated exactly as they exist (same digest, same cluster). */
  unchanged: string[];
  /** Names that differ (`update`) or are gone (`delete`) but the policy leaves as they are. */
  skipped: { update: string[]; delete: string[] };
  /** Deletions over the brake, not applied; null when none are held. */
  held: HeldDeletions | null;
  /**
   * Desired names given more than once (the first is planned). The generator already fails a
   * run with duplicate names, as Argo CD does; this only keeps a caller's bug from doubling one.
   */
  duplicates: string[];
}

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

function preservesResources(app: CurrentApplication, preserveOnDeletion: boolean): boolean {
  if (preserveOnDeletion || app.finalizers === undefined) return preserveOnDeletion;
  return !app.finalizers.some(
    (f) => f === RESOURCES_FINALIZER || f.startsWith(`${RESOURCES_FINALIZER}/`),
  );
}

/**
 * The most deletions one run applies unconfirmed: `max(floor(share × currentCount), minimum)`.
 * With the default brake, 5 of 5 and 6 of 24 go through; 7 of 24 wait.
 */
export function deletionThreshold(brake: DeletionBrake, currentCount: number): number {
  return Math.max(Math.floor(brake.share * currentCount), brake.minimum);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * Plans one generation: which Applications to create, update and delete, given what was
 * generated and what exists. Pure and deterministic (every list sorted by name). Only real
 * differences count: an equal digest on the same cluster is unchanged. The `applicationsSync`
 * policy decides what may change; deletions beyond {@link deletionThreshold} are held (creates
 * and updates still go ahead) unless `confirmedDeletions` is exactly the set to delete.
 */
export function planReconciliation(input: ReconciliationInput): ReconciliationPlan {
  const desired = new Map<string, DesiredApplication>();
  const duplicates = new Set<string>();
  for (const app of input.desired) {
    if (desired.has(app.name)) duplicates.add(app.name);
    else desired.set(app.name, app);
  }
  const current = new Map<string, CurrentApplication>();
  for (const app of input.current) if (!current.has(app.name)) current.set(app.name, app);

  const mayUpdate = input.policy === 'create-update' || input.policy === 'sync';
  const mayDelete = input.policy === 'create-delete' || input.policy === 'sync';
  const plan: ReconciliationPlan = {
    create: [],
    update: [],
    delete: [],
    unchanged: [],
    skipped: { update: [], delete: [] },
    held: null,
    duplicates: [...duplicates].sort(),
  };
  for (const app of [...desired.values()].sort(byName)) {
    const existing = current.get(app.name);
    if (!existing) plan.create.push(app);
    else if (existing.digest === app.digest && existing.clusterId === app.clusterId)
      plan.unchanged.push(app.name);
    else if (mayUpdate)
      plan.update.push({ desired: app, id: existing.id, previousDigest: existing.digest });
    else plan.skipped.update.push(app.name);
  }
  const gone = [...current.values()].filter((app) => !desired.has(app.name)).sort(byName);
  if (!mayDelete) {
    plan.skipped.delete = gone.map((app) => app.name);
    return plan;
  }
  const deletions = gone.map((app) => app.name);
  const threshold = deletionThreshold(input.brake, current.size);
  const confirmed =
    input.confirmedDeletions !== undefined && sameSet(input.confirmedDeletions, deletions);
  if (deletions.length > threshold && !confirmed) {
    plan.held = { deletions, currentCount: current.size, threshold };
    return plan;
  }
  plan.delete = gone.map((app) => ({
    name: app.name,
    id: app.id,
    preserveResources: preservesResources(app, input.preserveResourcesOnDeletion),
  }));
  return plan;
}

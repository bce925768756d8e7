import type { HealthStatusCode } from '../health/health-status';

/**
 * The contract between the callers of the cluster applier (the agent's sync loop, the worker's
 * push mode for kubeconfig clusters) and its implementation. Same code on both sides: what an
 * agent does inside a cluster, the worker does from outside with a kubeconfig.
 */

/** A manifest as rendered (JSON object with apiVersion, kind, metadata.name). */
export type Manifest = Record<string, unknown>;

/** One Application the cluster should run, with its bundle's manifests. */
export interface DesiredApplication {
  /** Application id (uuid): the ownership label value. */
  id: string;
  name: string;
  /** Destination namespace: given to namespaced objects that name none. */
  namespace: string;
  bundleId: string;
  commit: string;
  manifests: readonly Manifest[];
  /** Delete owned objects that left the manifests. */
  prune: boolean;
  /** Put drifted objects back (the drift is reported either way). */
  selfHeal: boolean;
}

/** Which object on the cluster (`group` `''` for core, `namespace` `''` when cluster-scoped). */
export interface ResourceKey {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export type SyncCode = 'Synced' | 'OutOfSync' | 'Unknown';

/** One resource that is not Synced and Healthy, and why. */
export interface ResourceProblemReport extends ResourceKey {
  sync: SyncCode;
  health: HealthStatusCode | null;
  message: string;
}

/** A drifted resource with a readable diff of the managed fields (`- applied`, `+ live`). */
export interface ResourceDriftReport extends ResourceKey {
  diff: string;
}

/** What the applier observed of one Application; the agent sends it as is in `POST /status`. */
export interface ApplicationReport {
  id: string;
  /** What is applied (null when nothing could be applied yet). */
  commit: string | null;
  bundleId: string | null;
  sync: SyncCode;
  health: HealthStatusCode;
  /** What went wrong applying, or `''`. */
  message: string;
  resourceCount: number;
  /** At most 100, worst first. */
  problems: ResourceProblemReport[];
  /** At most 100. */
  drift: ResourceDriftReport[];
  /** Self-heal put the drifted resources back in this pass. */
  driftCorrected: boolean;
  /** ISO-8601 instant of the observation (the apply's end, for a sync). */
  observedAt: string;
}

/** What removing a deleted Application did. */
export interface RemovalReport {
  id: string;
  removed: number;
  preserved: boolean;
  observedAt: string;
}

/** A deleted Application to clean up after. */
export interface ApplicationRemoval {
  id: string;
  /** Keep what it deployed (Argo CD's preserveResourcesOnDeletion); only forget it. */
  preserveResources: boolean;
}

/**
 * What the agent's sync loop and the worker's push mode drive: one per cluster. Implemented by
 * `ClusterSync` over @kubernetes/client-node; tests of the callers may pass their own.
 */
export interface ClusterApplier {
  /** Applies the Application (server-side apply, in order), prunes when allowed, and assesses it. */
  apply(app: DesiredApplication): Promise<ApplicationReport>;
  /** Assesses without applying: health, sync and drift; self-heals drift when `app.selfHeal`. */
  assess(app: DesiredApplication): Promise<ApplicationReport>;
  /** Removes what a deleted Application deployed (owned objects only), unless preserved. */
  remove(removal: ApplicationRemoval): Promise<RemovalReport>;
  /**
   * Watches the objects we own; calls `onChange(applicationId)` when one changes behind our back
   * (debounced). Resolves to a function that stops watching.
   */
  watch(onChange: (applicationId: string) => void): Promise<() => void>;
}

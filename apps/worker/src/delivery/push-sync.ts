import type {
  ApplicationRemovalWire,
  ApplicationStatusWire,
  DesiredApplicationWire,
  DesiredResponse,
  StatusRequest,
} from '@flotilla/contracts';
import { ClusterSync, loadKubeConfig } from '@flotilla/kube';
import type { Bundle } from '@flotilla/render';
import type { SecretBox } from '@flotilla/secrets';
import type { Pool } from 'pg';
import { kubeconfigContext } from '../fleet/secrets-reseal.processor';

/**
 * Push mode: what an agent does inside its cluster, the worker does from outside for a
 * kubeconfig cluster, with the same applier (`ClusterSync` from @flotilla/kube), the same desired
 * state (`DesiredStateReader` from @flotilla/delivery) and the same status recording
 * (`StatusRecorder`, reporter `worker`). The ports below are the subsets push mode uses, typed
 * on the agent protocol's wire shapes, so that those classes fit them as they are.
 */

/** One Application with its bundle's manifests (`DesiredApplication` in libs/kube). */
export interface PushApplication extends DesiredApplicationWire {
  manifests: readonly Record<string, unknown>[];
}

/** What one removal did (`RemovalReport` in libs/kube). */
export type PushRemovalReport = StatusRequest['removed'][number];

/** The part of `ClusterApplier` push mode drives. */
export interface PushApplier {
  apply(app: PushApplication): Promise<ApplicationStatusWire>;
  assess(app: PushApplication): Promise<ApplicationStatusWire>;
  remove(removal: ApplicationRemovalWire): Promise<PushRemovalReport>;
}

/** A cluster's desired state (`DesiredStateReader`); null when the cluster has none. */
export interface DesiredStateSource {
  read(clusterId: string): Promise<DesiredResponse | null>;
}

/** Records what the cluster reported (`StatusRecorder`), appending only what changed. */
export interface StatusSink {
  record(clusterId: string, report: StatusRequest, reporter: 'worker'): Promise<unknown>;
}

/** Where bundles come from (`BundleStore`). */
export interface BundleSource {
  get(id: string): Promise<Bundle | undefined>;
}

export interface PushSyncDeps {
  desired: DesiredStateSource;
  bundles: BundleSource;
  status: StatusSink;
  /** The applier of a cluster (built from its sealed kubeconfig, see {@link openKubeconfig}). */
  applierFor(clusterId: string): Promise<PushApplier>;
  now: () => Date;
}

/**
 * `apply`: a new desired revision, applied in full. `assess`: the drift pass, which only looks
 * (and self-heals where the Application asks for it), so that drift is reported between changes.
 */
export type PushMode = 'apply' | 'assess';

/** What one push pass did. */
export interface PushResult {
  clusterId: string;
  revision: string | null;
  applications: number;
  removals: number;
  /** Applications whose bundle is not stored (reported Unknown, not applied). */
  missingBundles: number;
}

/**
 * One push pass over a kubeconfig cluster: loads its desired state and bundles, applies (or
 * assesses) each Application, removes what deleted Applications left, and records the reports.
 * A bundle that cannot be found is reported on its Application instead of failing the pass, so
 * one bad row cannot keep a cluster from the rest of its desired state.
 */
export async function pushCluster(
  deps: PushSyncDeps,
  clusterId: string,
  mode: PushMode,
): Promise<PushResult> {
  const state = await deps.desired.read(clusterId);
  if (!state) return { clusterId, revision: null, applications: 0, removals: 0, missingBundles: 0 };
  const applier = await deps.applierFor(clusterId);
  const bundles = await loadBundles(deps.bundles, state.applications);
  const reports: ApplicationStatusWire[] = [];
  let missingBundles = 0;
  for (const app of state.applications) {
    const bundle = bundles.get(app.bundleId);
    if (!bundle) {
      missingBundles += 1;
      reports.push(missingBundleReport(app, deps.now()));
      continue;
    }
    const desired: PushApplication = { ...app, manifests: bundle.manifests };
    reports.push(await (mode === 'apply' ? applier.apply(desired) : applier.assess(desired)));
  }
  const removed: PushRemovalReport[] = [];
  for (const removal of state.removals) removed.push(await applier.remove(removal));
  await deps.status.record(
    clusterId,
    { revision: state.revision, applications: reports, removed },
    'worker',
  );
  return {
    clusterId,
    revision: state.revision,
    applications: reports.length,
    removals: removed.length,
    missingBundles,
  };
}

async function loadBundles(
  source: BundleSource,
  applications: readonly DesiredApplicationWire[],
): Promise<Map<string, Bundle>> {
  const found = new Map<string, Bundle>();
  // Many Applications share one bundle: each is read once.
  for (const id of new Set(applications.map((a) => a.bundleId))) {
    const bundle = await source.get(id);
    if (bundle) found.set(id, bundle);
  }
  return found;
}

function missingBundleReport(app: DesiredApplicationWire, at: Date): ApplicationStatusWire {
  return {
    id: app.id,
    commit: null,
    bundleId: null,
    sync: 'Unknown',
    health: 'Unknown',
    message: `bundle ${app.bundleId} is not stored; nothing was applied`,
    resourceCount: 0,
    problems: [],
    drift: [],
    driftCorrected: false,
    observedAt: at.toISOString(),
  };
}

/** Why a kubeconfig cluster's applier cannot be built. */
export class KubeconfigUnavailable extends Error {
  constructor(
    readonly clusterId: string,
    message: string,
  ) {
    super(`cluster ${clusterId}: ${message}`);
  }
}

/**
 * Opens a kubeconfig cluster's sealed kubeconfig (as the probe does) for its applier:
 * `new ClusterSync(await openKubeconfig(pool, box, id), { fieldManager: 'flotilla' })`.
 */
export async function openKubeconfig(
  pool: Pick<Pool, 'query'>,
  box: SecretBox,
  clusterId: string,
): Promise<ReturnType<typeof loadKubeConfig>> {
  const { rows } = await pool.query<{ sealed: string }>(
    'SELECT sealed FROM cluster_kubeconfigs WHERE cluster_id = $1',
    [clusterId],
  );
  const sealed = rows[0]?.sealed;
  if (sealed === undefined)
    throw new KubeconfigUnavailable(clusterId, 'no kubeconfig is stored for this cluster');
  try {
    return loadKubeConfig(box.open(sealed, kubeconfigContext(clusterId)));
  } catch (error) {
    throw new KubeconfigUnavailable(clusterId, (error as Error).message);
  }
}

/**
 * The applier of a kubeconfig cluster: `ClusterSync` (field manager `flotilla`, as the agent)
 * over its sealed kubeconfig. Typed as {@link PushApplier}, so a change of either shape fails here.
 */
export async function kubeconfigApplier(
  pool: Pick<Pool, 'query'>,
  box: SecretBox,
  clusterId: string,
  warn: (message: string) => void = () => undefined,
): Promise<PushApplier> {
  const kubeConfig = await openKubeconfig(pool, box, clusterId);
  return new ClusterSync(kubeConfig, { fieldManager: 'flotilla', logger: { warn } });
}

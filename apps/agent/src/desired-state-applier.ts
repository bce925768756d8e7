import type {
  ApplicationRemovalWire,
  ApplicationStatusWire,
  DesiredApplicationWire,
  DesiredResponse,
} from '@flotilla/contracts';
import type {
  ApplicationReport,
  ClusterApplier,
  DesiredApplication,
  Manifest,
} from '@flotilla/kube';
import { BundleCache } from './bundle-cache';
import type { StatusReports } from './status-reports';

/** A bundle asked of the hub: its manifests, gone for good (404), or to be asked again soon. */
export type FetchedBundle =
  | { kind: 'ok'; manifests: readonly Manifest[] }
  | { kind: 'missing'; message: string }
  | { kind: 'retry'; message: string };

/** What a {@link DesiredStateApplier} works with. */
export interface DesiredStateApplierOptions {
  applier: ClusterApplier;
  /** Where every report goes; only changes are sent from there. */
  reports: StatusReports;
  /** Asks the hub for a bundle (the cache is here). */
  fetchBundle: (bundleId: string) => Promise<FetchedBundle>;
  stopped: () => boolean;
  now: () => number;
  /** A failure worth counting and logging. */
  onError: (message: string) => void;
  bundleCacheSize?: number;
}

interface HeldApplication {
  wire: DesiredApplicationWire;
  /** What was last applied (with its manifests); undefined until it could be. */
  applied?: DesiredApplication;
  /**
   * The last apply did not leave it Synced (an object refused, the API server unreachable or
   * resetting connections): it is applied again on the next pass, which the loop backs off.
   */
  retryApply?: boolean;
}

const BUNDLE_FETCHES_AT_ONCE = 4;

/**
 * The cluster's desired state as the agent holds it, and what of it is applied: applies what is
 * new or changed, removes what was deleted (once per process), assesses what is applied, and
 * offers every report to {@link StatusReports}. Not reentrant: the delivery loop runs one call
 * at a time.
 */
export class DesiredStateApplier {
  private readonly apps = new Map<string, HeldApplication>();
  /** Removals done in this process (removing is idempotent, so a restart may redo them). */
  private readonly removedIds = new Set<string>();
  private removals: ApplicationRemovalWire[] = [];
  private readonly bundles: BundleCache;
  /** The revision held (the last one `GET /desired` answered). */
  revision: string | undefined;
  /** The revision whose every Application was applied (Synced) or has no bundle, removals done. */
  appliedRevision: string | undefined;
  /**
   * Applications whose last report was still on its way (Progressing, or Missing right after
   * an apply): the loop looks again soon rather than at the next drift pass, as a watch can miss
   * a rollout that finished before it was watching its kind.
   */
  readonly settling = new Set<string>();

  constructor(private readonly options: DesiredStateApplierOptions) {
    this.bundles = new BundleCache(options.bundleCacheSize);
  }

  get size(): number {
    return this.apps.size;
  }

  has(applicationId: string): boolean {
    return this.apps.has(applicationId);
  }

  ids(): string[] {
    return [...this.apps.keys()];
  }

  /** Takes a new desired state; what left it is forgotten (its removal says what to delete). */
  adopt(desired: DesiredResponse): void {
    this.revision = desired.revision;
    const ids = new Set(desired.applications.map((a) => a.id));
    for (const id of this.apps.keys())
      if (!ids.has(id)) {
        this.apps.delete(id);
        this.settling.delete(id);
        this.options.reports.forget(id);
      }
    for (const wire of desired.applications) {
      const held = this.apps.get(wire.id);
      if (held) held.wire = wire;
      else this.apps.set(wire.id, { wire });
    }
    // Only removals the hub still lists need remembering.
    const listed = new Set(desired.removals.map((r) => r.id));
    for (const id of this.removedIds) if (!listed.has(id)) this.removedIds.delete(id);
    this.removals = desired.removals.filter((r) => !this.removedIds.has(r.id));
  }

  /**
   * Removes, then applies what is new or changed. Returns false when something has to be tried
   * again soon (the hub or the cluster failed); an Application whose bundle is missing is
   * reported instead, and tried again on the next call.
   */
  async reconcile(): Promise<boolean> {
    const stopped = this.options.stopped;
    let complete = await this.remove();
    const due = [...this.apps.values()].flatMap((held) => {
      const action = actionFor(held);
      return action ? [{ held, action }] : [];
    });
    const fetched = await this.fetchBundles(
      due.filter((d) => d.action === 'apply').map((d) => d.held.wire.bundleId),
    );
    for (const { held, action } of due) {
      if (stopped()) return false;
      const bundle = action === 'apply' ? fetched.get(held.wire.bundleId) : undefined;
      const manifests =
        action === 'assess'
          ? held.applied?.manifests
          : bundle?.kind === 'ok'
            ? bundle.manifests
            : undefined;
      if (!manifests) {
        if (bundle?.kind === 'missing') this.options.reports.offer(this.missingBundle(held));
        else complete = false;
        continue;
      }
      const app: DesiredApplication = { ...held.wire, manifests };
      const applier = this.options.applier;
      const report = action === 'apply' ? await applier.apply(app) : await applier.assess(app);
      held.applied = app;
      if (action === 'apply') {
        held.retryApply = report.sync !== 'Synced';
        if (held.retryApply) complete = false;
      }
      this.offer(report);
    }
    if (complete && this.revision !== undefined) this.appliedRevision = this.revision;
    return complete;
  }

  /** Assesses the Applications named that are applied and unchanged since. */
  async assess(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (this.options.stopped()) return;
      const held = this.apps.get(id);
      // One not applied yet, or changed meanwhile, is for the next reconcile to apply.
      if (!held?.applied || actionFor(held)) continue;
      this.offer(await this.options.applier.assess(held.applied));
    }
  }

  private offer(report: ApplicationReport): void {
    if (report.health === 'Progressing' || report.health === 'Missing')
      this.settling.add(report.id);
    else this.settling.delete(report.id);
    this.options.reports.offer(report);
  }

  /** The removals not done yet; false when one failed (the cluster is unreachable). */
  private async remove(): Promise<boolean> {
    let complete = true;
    for (const removal of this.removals) {
      if (this.options.stopped()) return false;
      try {
        this.options.reports.removed(await this.options.applier.remove(removal));
        this.removedIds.add(removal.id);
      } catch (error) {
        complete = false;
        this.options.onError(`removing Application ${removal.id}: ${(error as Error).message}`);
      }
    }
    this.removals = this.removals.filter((r) => !this.removedIds.has(r.id));
    return complete;
  }

  /** Each bundle once, from the cache or the hub, a few at a time. */
  private async fetchBundles(ids: readonly string[]): Promise<Map<string, FetchedBundle>> {
    const fetched = new Map<string, FetchedBundle>();
    const queue = [...new Set(ids)];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const cached = this.bundles.get(id);
        const bundle: FetchedBundle = cached
          ? { kind: 'ok', manifests: cached }
          : await this.options.fetchBundle(id);
        if (bundle.kind === 'ok') this.bundles.set(id, bundle.manifests);
        fetched.set(id, bundle);
      }
    };
    await Promise.all(Array.from({ length: BUNDLE_FETCHES_AT_ONCE }, worker));
    return fetched;
  }

  /** The report of an Application whose bundle the hub does not serve. */
  private missingBundle(held: HeldApplication): ApplicationStatusWire {
    return {
      id: held.wire.id,
      commit: held.applied?.commit ?? null,
      bundleId: held.applied?.bundleId ?? null,
      sync: 'Unknown',
      health: 'Unknown',
      message: `bundle ${held.wire.bundleId} is missing on the hub; it is asked for again on the next pass`,
      resourceCount: 0,
      problems: [],
      drift: [],
      driftCorrected: false,
      observedAt: new Date(this.options.now()).toISOString(),
    };
  }
}

/**
 * What an Application needs: `apply` when it is new (every one after a start), its bundle,
 * namespace or policy changed, or its last apply did not take; `assess` when only its commit or name did (same manifests, so
 * the report names the new commit without writing to the cluster).
 */
function actionFor(held: HeldApplication): 'apply' | 'assess' | undefined {
  const { applied, wire } = held;
  if (
    !applied ||
    held.retryApply ||
    applied.bundleId !== wire.bundleId ||
    applied.namespace !== wire.namespace ||
    applied.prune !== wire.prune ||
    applied.selfHeal !== wire.selfHeal
  )
    return 'apply';
  if (applied.commit !== wire.commit || applied.name !== wire.name) return 'assess';
  return undefined;
}

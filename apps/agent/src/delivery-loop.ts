import type {
  ApplicationRemovalWire,
  ApplicationStatusWire,
  DesiredApplicationWire,
  DesiredResponse,
} from '@flotilla/contracts';
import type { ClusterApplier, DesiredApplication, Manifest } from '@flotilla/kube';
import { Backoff, type BackoffOptions } from './backoff';
import { BundleCache } from './bundle-cache';
import type { AgentLogger, Sleep } from './agent.types';
import type { HubClient, HubFailure } from './hub-client';
import { StatusReports } from './status-reports';

/** Everything a {@link DeliveryLoop} needs; the agent passes its own clock, sleep and hub. */
export interface DeliveryLoopOptions {
  hub: HubClient;
  applier: ClusterApplier;
  /** The credential to use now: it changes when the agent rotates it. */
  credential: () => string | undefined;
  /** Ends the loop, and aborts its calls to the hub. */
  signal: AbortSignal;
  sleep: Sleep;
  now: () => number;
  random: () => number;
  logger: AgentLogger;
  backoff?: BackoffOptions;
  /** How long the hub may hold `GET /desired` (at most 60). */
  desiredWaitSeconds: number;
  /** How often every Application is assessed for health and drift (fractions allowed). */
  driftIntervalSeconds: number;
  /** How long after a watch event its Application is assessed, gathering more events. */
  watchSettleMs?: number;
  bundleCacheSize?: number;
}

/** What the delivery loop has done, for the agent's snapshot. */
export interface DeliverySnapshot {
  /** The desired-state revision held (the last one `GET /desired` answered). */
  desiredRevision?: string;
  /** The revision whose every Application was applied or reported failed, removals done. */
  appliedRevision?: string;
  /** Applications in the desired state held. */
  applications: number;
  /** `POST /status` calls the hub accepted. */
  statusReports: number;
  /** Failures of any kind (hub calls, missing bundles, removals). */
  deliveryErrors: number;
  lastDeliveryError?: string;
}

interface HeldApplication {
  wire: DesiredApplicationWire;
  /** What was last applied (with its manifests); undefined until it could be. */
  applied?: DesiredApplication;
}

type FetchedBundle =
  | { kind: 'ok'; manifests: readonly Manifest[] }
  | { kind: 'missing'; message: string }
  | { kind: 'retry'; message: string };

const DEFAULT_WATCH_SETTLE_MS = 250;
const BUNDLE_FETCHES_AT_ONCE = 4;

/**
 * The agent's delivery: long-polls the desired state, fetches the bundles it lacks, applies
 * what changed and removes what was deleted, then reports only the Applications whose status
 * changed. A second loop assesses health and drift on a timer and soon after a watch event.
 * Both share one applier, one at a time. Failures back off; nothing spins.
 */
export class DeliveryLoop {
  private readonly apps = new Map<string, HeldApplication>();
  /** Removals done in this process (removing is idempotent, so a restart may redo them). */
  private readonly removedIds = new Set<string>();
  private removals: ApplicationRemovalWire[] = [];
  private readonly bundles: BundleCache;
  private readonly reports = new StatusReports();
  private readonly pollBackoff: Backoff;
  private readonly reportBackoff: Backoff;
  private reportNotBefore = 0;
  private nextDriftAt: number;
  private readonly dirty = new Set<string>();
  private dirtyAt: number | undefined;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly wakers: { poll?: AbortController; local?: AbortController } = {};
  private readonly state: DeliverySnapshot = {
    applications: 0,
    statusReports: 0,
    deliveryErrors: 0,
  };

  constructor(private readonly options: DeliveryLoopOptions) {
    this.bundles = new BundleCache(options.bundleCacheSize);
    this.pollBackoff = new Backoff(options.random, options.backoff);
    this.reportBackoff = new Backoff(options.random, options.backoff);
    this.nextDriftAt = options.now() + this.driftIntervalMs;
  }

  snapshot(): DeliverySnapshot {
    return { ...this.state };
  }

  get appliedRevision(): string | undefined {
    return this.state.appliedRevision;
  }

  /** A heartbeat named the hub's desired revision: a loop backing off need not wait it out. */
  noteDesiredRevision(revision: string | null): void {
    if (revision !== null && revision !== this.state.desiredRevision) this.wake('poll');
  }

  /** Runs until the signal aborts. */
  async run(): Promise<void> {
    const watching = this.options.applier
      .watch((id) => this.changedBehindOurBack(id))
      .catch((error: unknown) => {
        this.error(`watching the cluster: ${(error as Error).message}; drift is still assessed`);
        return undefined;
      });
    try {
      await Promise.all([this.pollLoop(), this.localLoop()]);
    } finally {
      (await watching)?.();
    }
  }

  private get stopped(): boolean {
    return this.options.signal.aborted;
  }

  private get driftIntervalMs(): number {
    return this.options.driftIntervalSeconds * 1000;
  }

  /** Long-polls the desired state and applies it. */
  private async pollLoop(): Promise<void> {
    let retrying = false;
    while (!this.stopped) {
      const credential = this.options.credential();
      if (!credential) {
        await this.pause('poll', this.pollBackoff.next());
        continue;
      }
      const wait = retrying ? 0 : this.options.desiredWaitSeconds;
      const answer = await this.options.hub.desired(credential, this.state.desiredRevision, wait);
      if (this.stopped) return;
      if (!answer.ok) {
        this.failed('GET /desired', answer.failure);
        await this.pause('poll', this.delay(this.pollBackoff, answer.failure));
        continue;
      }
      const value = answer.value;
      const complete = await this.guard(() =>
        this.exclusive(() => {
          if (value.changed) this.adopt(value.desired);
          return this.reconcile();
        }),
      );
      retrying = !complete;
      if (complete) this.pollBackoff.reset();
      else await this.pause('poll', this.pollBackoff.next());
    }
  }

  /** Drift on a timer and after watch events, and retries of reports the hub did not take. */
  private async localLoop(): Promise<void> {
    while (!this.stopped) {
      const now = this.options.now();
      const driftDue = now >= this.nextDriftAt;
      const settled = this.dirtyAt !== undefined && now >= this.dirtyAt;
      if (driftDue || settled) {
        const ids = driftDue ? [...this.apps.keys()] : [...this.dirty];
        if (driftDue) this.nextDriftAt = now + this.driftIntervalMs;
        this.dirty.clear();
        this.dirtyAt = undefined;
        if (!(await this.guard(() => this.exclusive(() => this.assess(ids)))))
          await this.pause('local', this.reportBackoff.next());
      } else if (this.reports.waiting && now >= this.reportNotBefore) {
        if (!(await this.guard(() => this.exclusive(() => this.flush()))))
          this.reportNotBefore = this.options.now() + this.reportBackoff.next();
      }
      const next = Math.min(
        this.nextDriftAt,
        this.dirtyAt ?? Infinity,
        this.reports.waiting ? this.reportNotBefore : Infinity,
      );
      const delay = next - this.options.now();
      if (delay > 0) await this.pause('local', delay);
    }
  }

  /** Takes a new desired state; what left it is forgotten (its removal says what to delete). */
  private adopt(desired: DesiredResponse): void {
    this.state.desiredRevision = desired.revision;
    const ids = new Set(desired.applications.map((a) => a.id));
    for (const id of this.apps.keys())
      if (!ids.has(id)) {
        this.apps.delete(id);
        this.reports.forget(id);
        this.dirty.delete(id);
      }
    for (const wire of desired.applications) {
      const held = this.apps.get(wire.id);
      if (held) held.wire = wire;
      else this.apps.set(wire.id, { wire });
    }
    this.state.applications = this.apps.size;
    // Only removals the hub still lists need remembering.
    const listed = new Set(desired.removals.map((r) => r.id));
    for (const id of this.removedIds) if (!listed.has(id)) this.removedIds.delete(id);
    this.removals = desired.removals.filter((r) => !this.removedIds.has(r.id));
  }

  /**
   * Removes, then applies what is new or changed. Returns false when something has to be tried
   * again soon (the hub or the cluster failed); a missing bundle is reported and retried on
   * the next pass instead.
   */
  private async reconcile(): Promise<boolean> {
    let complete = true;
    for (const removal of this.removals) {
      if (this.stopped) return false;
      try {
        const report = await this.options.applier.remove(removal);
        this.removedIds.add(removal.id);
        this.reports.removed(report);
      } catch (error) {
        complete = false;
        this.error(`removing Application ${removal.id}: ${(error as Error).message}`);
      }
    }
    this.removals = this.removals.filter((r) => !this.removedIds.has(r.id));
    const due = [...this.apps.values()].flatMap((held) => {
      const action = actionFor(held);
      return action ? [{ held, action }] : [];
    });
    const fetched = await this.fetchBundles(
      due.filter((d) => d.action === 'apply').map((d) => d.held.wire.bundleId),
    );
    for (const { held, action } of due) {
      if (this.stopped) return false;
      const wire = held.wire;
      const bundle = action === 'apply' ? fetched.get(wire.bundleId) : undefined;
      const manifests =
        action === 'assess'
          ? held.applied?.manifests
          : bundle?.kind === 'ok'
            ? bundle.manifests
            : undefined;
      if (!manifests) {
        if (bundle?.kind === 'missing') this.reports.offer(missingBundleReport(held, this.iso()));
        else complete = false;
        continue;
      }
      const app: DesiredApplication = { ...wire, manifests };
      const report =
        action === 'apply'
          ? await this.options.applier.apply(app)
          : await this.options.applier.assess(app);
      held.applied = app;
      this.reports.offer(report);
    }
    if (complete && this.state.desiredRevision !== undefined)
      this.state.appliedRevision = this.state.desiredRevision;
    await this.flush();
    return complete;
  }

  /** Each bundle once, from the cache or the hub. */
  private async fetchBundles(ids: readonly string[]): Promise<Map<string, FetchedBundle>> {
    const fetched = new Map<string, FetchedBundle>();
    const queue = [...new Set(ids)];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift())
        fetched.set(id, await this.fetchBundle(id));
    };
    await Promise.all(Array.from({ length: BUNDLE_FETCHES_AT_ONCE }, worker));
    return fetched;
  }

  private async fetchBundle(id: string): Promise<FetchedBundle> {
    const cached = this.bundles.get(id);
    if (cached) return { kind: 'ok', manifests: cached };
    const credential = this.options.credential();
    if (!credential) return { kind: 'retry', message: 'no credential' };
    const answer = await this.options.hub.bundle(credential, id);
    if (answer.ok) {
      this.bundles.set(id, answer.value.manifests);
      return { kind: 'ok', manifests: answer.value.manifests };
    }
    this.failed(`GET /bundles/${id}`, answer.failure);
    return answer.failure.kind === 'refused'
      ? { kind: 'missing', message: answer.failure.message }
      : { kind: 'retry', message: answer.failure.message };
  }

  /** Assesses the Applications named (those applied), then reports what changed. */
  private async assess(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (this.stopped) return;
      const held = this.apps.get(id);
      // One not applied yet, or changed meanwhile, is the poll loop's to apply.
      if (!held?.applied || actionFor(held)) continue;
      this.reports.offer(await this.options.applier.assess(held.applied));
    }
    await this.flush();
  }

  /** Sends what is waiting, unless a failed send's backoff still runs. */
  private async flush(): Promise<void> {
    if (this.options.now() < this.reportNotBefore) return;
    for (const batch of this.reports.batches(this.state.appliedRevision ?? null)) {
      const credential = this.options.credential();
      if (this.stopped || !credential) return;
      const answer = await this.options.hub.status(credential, batch.body);
      if (answer.ok) {
        this.reports.sent(batch);
        this.reportBackoff.reset();
        this.state.statusReports++;
        continue;
      }
      if (this.stopped) return;
      this.failed('POST /status', answer.failure);
      // A refused report would be refused again as is: later reports carry the news instead.
      if (answer.failure.kind === 'refused') this.reports.drop(batch);
      this.reportNotBefore = this.options.now() + this.delay(this.reportBackoff, answer.failure);
      this.wake('local');
      return;
    }
  }

  private changedBehindOurBack(applicationId: string): void {
    if (!this.apps.has(applicationId)) return;
    this.dirty.add(applicationId);
    this.dirtyAt ??= this.options.now() + (this.options.watchSettleMs ?? DEFAULT_WATCH_SETTLE_MS);
    this.wake('local');
  }

  /** Runs the applier's work one piece at a time across both loops. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work, work);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** A bug must not end delivery: it is logged and counts as a failed pass (the caller waits). */
  private async guard(work: () => Promise<boolean | void>): Promise<boolean> {
    try {
      return (await work()) !== false;
    } catch (error) {
      this.error(`delivery failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
      return false;
    }
  }

  private async pause(which: 'poll' | 'local', ms: number): Promise<void> {
    if (this.stopped) return;
    const wake = new AbortController();
    this.wakers[which] = wake;
    try {
      await this.options.sleep(ms, AbortSignal.any([this.options.signal, wake.signal]));
    } finally {
      if (this.wakers[which] === wake) this.wakers[which] = undefined;
    }
  }

  private wake(which: 'poll' | 'local'): void {
    this.wakers[which]?.abort();
  }

  private delay(backoff: Backoff, failure: HubFailure): number {
    return backoff.next(failure.kind === 'retry' ? failure.retryAfterMs : undefined);
  }

  private failed(what: string, failure: HubFailure): void {
    if (this.stopped) return;
    this.error(`${what}: ${failure.message}`);
  }

  private error(message: string): void {
    this.state.deliveryErrors++;
    this.state.lastDeliveryError = message;
    this.options.logger.warn({ errors: this.state.deliveryErrors }, `agent: delivery: ${message}`);
  }

  private iso(): string {
    return new Date(this.options.now()).toISOString();
  }
}

/**
 * What an Application needs: `apply` when it is new (every one after a start) or its bundle,
 * namespace or policy changed; `assess` when only its commit or name did (same manifests, so
 * the report names the new commit without writing to the cluster).
 */
function actionFor(held: HeldApplication): 'apply' | 'assess' | undefined {
  const { applied, wire } = held;
  if (
    !applied ||
    applied.bundleId !== wire.bundleId ||
    applied.namespace !== wire.namespace ||
    applied.prune !== wire.prune ||
    applied.selfHeal !== wire.selfHeal
  )
    return 'apply';
  if (applied.commit !== wire.commit || applied.name !== wire.name) return 'assess';
  return undefined;
}

/** The report of an Application whose bundle the hub does not serve. */
function missingBundleReport(held: HeldApplication, observedAt: string): ApplicationStatusWire {
  const message = `bundle ${held.wire.bundleId} is missing on the hub; it is asked for again on the next pass`;
  return {
    id: held.wire.id,
    commit: held.applied?.commit ?? null,
    bundleId: held.applied?.bundleId ?? null,
    sync: 'Unknown',
    health: 'Unknown',
    message: message.slice(0, 4096),
    resourceCount: 0,
    problems: [],
    drift: [],
    driftCorrected: false,
    observedAt,
  };
}

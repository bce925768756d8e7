import type { ClusterApplier } from '@flotilla/kube';
import { Backoff, type BackoffOptions } from './backoff';
import type { AgentLogger, Sleep } from './agent.types';
import { DesiredStateApplier, type FetchedBundle } from './desired-state-applier';
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
  /** How long the hub may hold `GET /desired` (1 to 60). */
  desiredWaitSeconds: number;
  /** How often every Application is assessed for health and drift (fractions allowed). */
  driftIntervalSeconds: number;
  /** How long after a watch event its Application is assessed, gathering more events. */
  watchSettleMs?: number;
  bundleCacheSize?: number;
  /** Told each time the whole desired state has been applied (metrics). */
  onSynced?: () => void;
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

const DEFAULT_WATCH_SETTLE_MS = 250;
/** The longest wait before an Application still settling is looked at again. */
const SETTLING_MAX_MS = 30_000;
/** The pause after a long-poll that came back early without news (a hub shutting down). */
const EARLY_ANSWER_PAUSE_MS = 1_000;

/**
 * The agent's delivery: long-polls the desired state, then applies it through
 * {@link DesiredStateApplier} and reports only the Applications whose status changed. A second
 * loop assesses health and drift on a timer and soon after a watch event, and retries reports
 * the hub did not take. Both share one applier, one call at a time. Failures back off; nothing
 * spins.
 */
export class DeliveryLoop {
  private readonly desired: DesiredStateApplier;
  private readonly reports = new StatusReports();
  private readonly pollBackoff: Backoff;
  private readonly reportBackoff: Backoff;
  private reportNotBefore = 0;
  private nextDriftAt: number;
  private readonly dirty = new Set<string>();
  private dirtyAt: number | undefined;
  /** Follow-ups of Applications still settling since the last apply (1 s, 2 s, 4 s, …). */
  private settlingRound = 0;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly wakers: { poll?: AbortController; local?: AbortController } = {};
  private statusReports = 0;
  private deliveryErrors = 0;
  private lastDeliveryError: string | undefined;

  constructor(private readonly options: DeliveryLoopOptions) {
    this.pollBackoff = new Backoff(options.random, options.backoff);
    this.reportBackoff = new Backoff(options.random, options.backoff);
    this.nextDriftAt = options.now() + this.driftIntervalMs;
    this.desired = new DesiredStateApplier({
      applier: options.applier,
      reports: this.reports,
      fetchBundle: (id) => this.fetchBundle(id),
      stopped: () => this.stopped,
      now: options.now,
      onError: (message) => this.error(message),
      ...(options.bundleCacheSize ? { bundleCacheSize: options.bundleCacheSize } : {}),
    });
  }

  snapshot(): DeliverySnapshot {
    const { revision, appliedRevision } = this.desired;
    return {
      ...(revision !== undefined ? { desiredRevision: revision } : {}),
      ...(appliedRevision !== undefined ? { appliedRevision } : {}),
      applications: this.desired.size,
      statusReports: this.statusReports,
      deliveryErrors: this.deliveryErrors,
      ...(this.lastDeliveryError ? { lastDeliveryError: this.lastDeliveryError } : {}),
    };
  }

  get appliedRevision(): string | undefined {
    return this.desired.appliedRevision;
  }

  /** A heartbeat named the hub's desired revision: a loop backing off need not wait it out. */
  noteDesiredRevision(revision: string | null): void {
    if (revision !== null && revision !== this.desired.revision) this.wake('poll');
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
      const held = this.desired.revision;
      const askedAt = this.options.now();
      const answer = await this.options.hub.desired(credential, held, wait);
      if (this.stopped) return;
      if (!answer.ok) {
        this.failed('GET /desired', answer.failure);
        await this.pause('poll', this.delay(this.pollBackoff, answer.failure));
        continue;
      }
      const value = answer.value;
      const complete = await this.guard(() =>
        this.exclusive(async () => {
          if (value.changed) {
            this.desired.adopt(value.desired);
            this.settlingRound = 0;
          }
          const done = await this.desired.reconcile();
          await this.flush();
          return done;
        }),
      );
      this.followSettling();
      retrying = !complete;
      if (complete) {
        this.pollBackoff.reset();
        this.options.onSynced?.();
      }
      if (!complete) await this.pause('poll', this.pollBackoff.next());
      else if (wait > 0 && this.desired.revision === held && this.answeredEarly(askedAt, wait))
        await this.pause('poll', EARLY_ANSWER_PAUSE_MS);
    }
  }

  /** No news well before the wait was over: the hub is going away, or ignores the wait. */
  private answeredEarly(askedAt: number, waitSeconds: number): boolean {
    return this.options.now() - askedAt < (waitSeconds * 1000) / 2;
  }

  /** Drift on a timer and after watch events, and retries of reports the hub did not take. */
  private async localLoop(): Promise<void> {
    while (!this.stopped) {
      const now = this.options.now();
      const driftDue = now >= this.nextDriftAt;
      const settled = this.dirtyAt !== undefined && now >= this.dirtyAt;
      if (driftDue || settled) {
        const ids = driftDue ? this.desired.ids() : [...this.dirty];
        if (driftDue) this.nextDriftAt = now + this.driftIntervalMs;
        this.dirty.clear();
        this.dirtyAt = undefined;
        const assessed = await this.guard(() =>
          this.exclusive(async () => {
            await this.desired.assess(ids);
            await this.flush();
          }),
        );
        this.followSettling();
        if (!assessed) await this.pause('local', this.reportBackoff.next());
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

  private async fetchBundle(id: string): Promise<FetchedBundle> {
    const credential = this.options.credential();
    if (!credential) return { kind: 'retry', message: 'no credential' };
    const answer = await this.options.hub.bundle(credential, id);
    if (answer.ok) return { kind: 'ok', manifests: answer.value.manifests };
    this.failed(`GET /bundles/${id}`, answer.failure);
    return answer.failure.kind === 'refused'
      ? { kind: 'missing', message: answer.failure.message }
      : { kind: 'retry', message: answer.failure.message };
  }

  /** Sends what is waiting, unless a failed send's backoff still runs. */
  private async flush(): Promise<void> {
    if (this.options.now() < this.reportNotBefore) return;
    for (const batch of this.reports.batches(this.desired.appliedRevision ?? null)) {
      const credential = this.options.credential();
      if (this.stopped || !credential) return;
      const answer = await this.options.hub.status(credential, batch.body);
      if (answer.ok) {
        this.reports.sent(batch);
        this.reportBackoff.reset();
        this.statusReports++;
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

  /**
   * Applications still settling (a rollout in progress) are assessed again soon, backing off up
   * to 30 s: their health comes back without waiting for the drift pass, even when no watch
   * event says so.
   */
  private followSettling(): void {
    if (this.desired.settling.size === 0) {
      this.settlingRound = 0;
      return;
    }
    for (const id of this.desired.settling) this.dirty.add(id);
    const delay = Math.min(1000 * 2 ** this.settlingRound, SETTLING_MAX_MS, this.driftIntervalMs);
    this.settlingRound = Math.min(this.settlingRound + 1, 16);
    const at = this.options.now() + delay;
    this.dirtyAt = Math.min(this.dirtyAt ?? Infinity, at);
    this.wake('local');
  }

  private changedBehindOurBack(applicationId: string): void {
    if (!this.desired.has(applicationId)) return;
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
    this.deliveryErrors++;
    this.lastDeliveryError = message;
    this.options.logger.warn({ errors: this.deliveryErrors }, `agent: delivery: ${message}`);
  }
}

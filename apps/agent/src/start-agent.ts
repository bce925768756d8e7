import { randomBytes } from 'node:crypto';
import { DESIRED_MAX_WAIT_SECONDS, type AgentStatusWire } from '@flotilla/contracts';
import { ClusterSync } from '@flotilla/kube';
import { meteredApplier } from './agent-metrics';
import { Backoff, heartbeatDelayMs } from './backoff';
import { ClusterFactsReader } from './cluster-facts.reader';
import { rotationDue } from './credential-rotation';
import type { StoredCredential } from './credential.store';
import { HubClient, type HubFailure } from './hub-client';
import { DeliveryLoop } from './delivery-loop';
import { credentialRefusal, registrationRefusal } from './refusals';
import {
  AGENT_VERSION,
  timerSleep,
  type AgentLogger,
  type AgentOptions,
  type AgentSnapshot,
  type RunningAgent,
} from './agent.types';

const silent: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
const DEFAULT_FACTS_TIMEOUT_MS = 20_000;
const DEFAULT_DESIRED_WAIT_SECONDS = 30;
const DEFAULT_DRIFT_INTERVAL_SECONDS = 180;

/**
 * Starts an agent loop: load the stored credential or register (storing the credential before
 * using it), then heartbeat with fresh facts, rotating the credential when the rule of
 * docs/agent-protocol.md says so. Failures back off exponentially with full jitter; a refused
 * credential is logged and retried only at the cap, never answered by registering again.
 * Cheap enough that one process can run thousands.
 */
export function startAgent(options: AgentOptions): RunningAgent {
  const agent = new AgentRun(options);
  const done = agent.run().catch((error: unknown) => {
    agent.log.error({ err: error }, 'agent: the loop ended unexpectedly');
  });
  return {
    async stop() {
      agent.abort();
      await done;
    },
    snapshot: () => agent.snapshot(),
  };
}

class AgentRun {
  readonly log: AgentLogger;
  private readonly controller = new AbortController();
  private readonly hub: HubClient;
  /** Registration and heartbeats: reset by every accepted heartbeat. */
  private readonly backoff: Backoff;
  /** Rotation has its own: a failing rotation must not hold back heartbeats. */
  private readonly rotationBackoff: Backoff;
  private rotationNotBefore = 0;
  private readonly now: () => number;
  private readonly random: () => number;
  private credential: StoredCredential | undefined;
  private readonly facts: ClusterFactsReader;
  private intervalSeconds = 30;
  private state: Omit<AgentSnapshot, keyof ReturnType<DeliveryLoop['snapshot']>>;
  private readonly delivery: DeliveryLoop | undefined;

  constructor(private readonly options: AgentOptions) {
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(this.random, options.backoff);
    this.rotationBackoff = new Backoff(this.random, options.backoff);
    this.facts = new ClusterFactsReader(
      options.kubeConfig,
      options.agentVersion ?? AGENT_VERSION,
      options.factsTimeoutMs ?? DEFAULT_FACTS_TIMEOUT_MS,
    );
    this.hub = new HubClient(
      options.hubUrl,
      options.fetch ?? fetch,
      this.now,
      this.controller.signal,
      options.metrics,
    );
    this.state = {
      clusterName: options.clusterName,
      phase: 'starting',
      registered: false,
      heartbeats: 0,
      heartbeatsFailed: 0,
      rotations: 0,
      failures: 0,
    };
    this.delivery = options.delivery === false ? undefined : this.deliveryLoop();
  }

  snapshot(): AgentSnapshot {
    const delivery = this.delivery?.snapshot() ?? {
      applications: 0,
      statusReports: 0,
      deliveryErrors: 0,
    };
    return { ...this.state, ...delivery };
  }

  private deliveryLoop(): DeliveryLoop {
    const options = this.options;
    const log = this.log;
    const applier =
      options.applier ??
      new ClusterSync(options.kubeConfig, {
        fieldManager: 'flotilla',
        now: () => new Date(this.now()),
        logger: { warn: (message) => log.warn({}, `agent: ${message}`) },
      });
    const metrics = options.metrics;
    return new DeliveryLoop({
      hub: this.hub,
      applier: metrics ? meteredApplier(applier, metrics) : applier,
      ...(metrics ? { onSynced: () => metrics.synced(this.now()) } : {}),
      credential: () => this.credential?.credential,
      signal: this.controller.signal,
      sleep: (ms, signal) => (options.sleep ?? defaultSleep)(ms, signal),
      now: this.now,
      random: this.random,
      logger: log,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      desiredWaitSeconds: Math.max(
        1,
        Math.min(
          options.desiredWaitSeconds ?? DEFAULT_DESIRED_WAIT_SECONDS,
          DESIRED_MAX_WAIT_SECONDS,
        ),
      ),
      driftIntervalSeconds: options.driftIntervalSeconds ?? DEFAULT_DRIFT_INTERVAL_SECONDS,
    });
  }

  abort(): void {
    this.controller.abort();
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  async run(): Promise<void> {
    try {
      this.credential = (await this.loadCredential()) ?? (await this.registerAndStore());
      // Delivery runs beside the heartbeats from here on, with whatever credential is current.
      const delivery = this.credential && !this.stopped ? this.delivery?.run() : undefined;
      if (delivery)
        this.log.info({ clusterId: this.credential?.clusterId }, 'agent: delivery started');
      try {
        while (this.credential && !this.stopped) await this.sleep(await this.beat());
      } finally {
        await delivery;
      }
    } finally {
      this.state.phase = 'stopped';
    }
  }

  /** The stored credential, or undefined when there is none; retries while the store fails. */
  private async loadCredential(): Promise<StoredCredential | undefined> {
    const store = this.options.store;
    while (!this.stopped) {
      try {
        const stored = await store.load();
        if (!stored) return undefined;
        this.log.info(
          { clusterId: stored.clusterId, store: store.location },
          'agent: credential loaded',
        );
        if (stored.hubUrl && stored.hubUrl !== this.options.hubUrl) {
          this.log.warn(
            { issuedBy: stored.hubUrl, hub: this.options.hubUrl },
            `agent: the stored credential was issued by ${stored.hubUrl}; using it with ${this.options.hubUrl}. If this is another hub, it will refuse it: delete ${store.location} and register with a token of this hub`,
          );
        }
        this.adopt(stored);
        return stored;
      } catch (error) {
        const message = `loading the credential from ${store.location}: ${(error as Error).message}`;
        await this.sleep(this.fail({ kind: 'retry', message }));
      }
    }
    return undefined;
  }

  /** Registers, then stores the credential before returning it (the token is spent by then). */
  private async registerAndStore(): Promise<StoredCredential | undefined> {
    this.state.phase = 'registering';
    const store = this.options.store;
    let pending: StoredCredential | undefined;
    let answerMayBeLost = false;
    // One id for every retry of this registration: if an answer is lost, the hub recognises the
    // retry and answers it with a new credential for the same cluster instead of a refusal.
    const attemptId = randomBytes(24).toString('base64url');
    while (!this.stopped) {
      if (!pending) {
        const attempt = await this.register(answerMayBeLost, attemptId);
        if (!attempt.ok) {
          answerMayBeLost ||= attempt.failure.kind === 'retry';
          await this.sleep(this.fail(attempt.failure));
          continue;
        }
        pending = attempt.credential;
      }
      try {
        await store.save(pending);
        this.backoff.reset();
        this.state.registered = true;
        this.adopt(pending);
        this.log.info(
          { clusterId: pending.clusterId, store: store.location },
          'agent: registered; credential stored',
        );
        return pending;
      } catch (error) {
        const message = `storing the credential in ${store.location} (it is kept in memory and not used until stored): ${(error as Error).message}`;
        await this.sleep(this.fail({ kind: 'retry', message }));
      }
    }
    return undefined;
  }

  /** One registration attempt. */
  private async register(
    answerMayBeLost: boolean,
    attemptId: string,
  ): Promise<{ ok: true; credential: StoredCredential } | { ok: false; failure: HubFailure }> {
    const token = await this.options.registrationToken().catch((error: Error) => {
      this.log.error({ err: error.message }, 'agent: reading the registration token failed');
      return undefined;
    });
    if (!token) {
      const message =
        'no stored credential and no registration token: set FLOTILLA_REGISTRATION_TOKEN or FLOTILLA_REGISTRATION_TOKEN_FILE (create one with createRegistrationToken)';
      return { ok: false, failure: { kind: 'unauthenticated', message } };
    }
    const facts = await this.facts.read(this.now());
    if (!facts.ok) return { ok: false, failure: { kind: 'retry', message: facts.message } };
    const answer = await this.hub.register({
      token,
      name: this.options.clusterName,
      ...(this.options.labels ? { labels: this.options.labels } : {}),
      facts: facts.facts,
      attemptId,
    });
    if (!answer.ok)
      return { ok: false, failure: registrationRefusal(answer.failure, answerMayBeLost) };
    this.intervalSeconds = answer.value.heartbeatIntervalSeconds;
    return {
      ok: true,
      credential: {
        clusterId: answer.value.clusterId,
        credential: answer.value.credential,
        credentialExpiresAt: answer.value.credentialExpiresAt,
        receivedAt: new Date(this.now()).toISOString(),
        hubUrl: this.options.hubUrl,
      },
    };
  }

  /** One heartbeat (after a rotation when one is due); returns how long to wait. */
  private async beat(): Promise<number> {
    await this.rotateIfDue();
    const credential = this.credential;
    if (!credential) return this.backoff.capMs;
    // At most one read per half interval: retries after a failed heartbeat reuse it.
    const read = await this.facts.read(this.now(), (this.intervalSeconds * 1000) / 2);
    if (read.ok) this.state.kubernetesVersion = read.facts.kubernetesVersion;
    const facts = read.ok ? read.facts : this.facts.lastKnown;
    if (!facts) return this.fail({ kind: 'retry', message: read.ok ? '' : read.message });
    const status: AgentStatusWire = read.ok
      ? { state: 'Running' }
      : { state: 'Degraded', message: read.message.slice(0, 1024) };
    const answer = await this.hub.heartbeat(credential.credential, {
      facts,
      status,
      ...(this.delivery ? { appliedRevision: this.delivery.appliedRevision ?? null } : {}),
    });
    if (!answer.ok) {
      if (!this.stopped) this.state.heartbeatsFailed++;
      return this.fail(credentialRefusal(answer.failure, this.options.store.location));
    }
    this.backoff.reset();
    this.delivery?.noteDesiredRevision(answer.value.desiredRevision);
    this.intervalSeconds = answer.value.heartbeatIntervalSeconds;
    if (this.state.phase !== 'running')
      this.log.info(
        { clusterId: credential.clusterId, intervalSeconds: this.intervalSeconds },
        'agent: the hub accepts heartbeats',
      );
    this.state.phase = 'running';
    this.state.status = status.state;
    this.state.heartbeats++;
    this.state.credentialExpiresAt = answer.value.credentialExpiresAt;
    return heartbeatDelayMs(this.intervalSeconds, this.random);
  }

  /**
   * Rotates crash-safely when due: the new credential is stored before it is used. When the
   * answer is lost, or storing fails, the agent keeps the credential it holds (it works through
   * the grace period) and rotates again with it later; the hub then keeps that one as the
   * previous credential and drops the unstored one (docs/agent-protocol.md). Failures wait on
   * their own backoff and never skip the heartbeat that follows.
   */
  private async rotateIfDue(): Promise<void> {
    const credential = this.credential;
    const now = this.now();
    if (!credential || !rotationDue(credential, now) || now < this.rotationNotBefore) return;
    const failure = await this.rotate(credential);
    if (!failure) {
      this.rotationBackoff.reset();
      this.rotationNotBefore = 0;
      return;
    }
    // A refused credential shows again on the heartbeat, which says what to do.
    if (failure.kind === 'unauthenticated') return;
    this.state.failures++;
    this.state.lastError = failure.message;
    const retryAfter = failure.kind === 'retry' ? failure.retryAfterMs : undefined;
    const delay =
      failure.kind === 'retry' ? this.rotationBackoff.next(retryAfter) : this.rotationBackoff.capMs;
    this.rotationNotBefore = this.now() + delay;
    this.log.warn(
      { delayMs: delay, expiresAt: credential.credentialExpiresAt },
      `agent: rotating the credential: ${failure.message}; the current one stays in use`,
    );
  }

  private async rotate(credential: StoredCredential): Promise<HubFailure | undefined> {
    const answer = await this.hub.rotate(credential.credential);
    if (!answer.ok) return answer.failure;
    const next: StoredCredential = {
      ...credential,
      credential: answer.value.credential,
      credentialExpiresAt: answer.value.credentialExpiresAt,
      receivedAt: new Date(this.now()).toISOString(),
      hubUrl: this.options.hubUrl,
    };
    try {
      await this.options.store.save(next);
    } catch (error) {
      return {
        kind: 'retry',
        message: `storing the rotated credential in ${this.options.store.location}: ${(error as Error).message}`,
      };
    }
    this.adopt(next);
    this.state.rotations++;
    this.log.info(
      { clusterId: next.clusterId, expiresAt: next.credentialExpiresAt },
      'agent: credential rotated and stored',
    );
    return undefined;
  }

  private adopt(credential: StoredCredential): void {
    this.credential = credential;
    this.state.clusterId = credential.clusterId;
    this.state.credentialExpiresAt = credential.credentialExpiresAt;
  }

  /** Records a failure and returns the delay before the next attempt. */
  private fail(failure: HubFailure): number {
    if (this.stopped) return 0;
    this.state.failures++;
    this.state.lastError = failure.message;
    if (failure.kind === 'retry') {
      const delay = this.backoff.next(failure.retryAfterMs);
      if (this.state.phase !== 'registering') this.state.phase = 'retrying';
      this.log.warn(
        { delayMs: delay, attempt: this.backoff.attempts },
        `agent: ${failure.message}`,
      );
      return delay;
    }
    // Retrying as is cannot help; try again rarely in case an operator fixes it meanwhile.
    if (failure.kind === 'unauthenticated' && this.credential) this.state.phase = 'unauthenticated';
    this.log.error({ delayMs: this.backoff.capMs }, `agent: ${failure.message}`);
    return this.backoff.capMs;
  }

  private sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? defaultSleep)(ms, this.controller.signal);
  }
}

const defaultSleep = timerSleep();

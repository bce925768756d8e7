import { readClusterFacts, type ClusterFacts } from '@flotilla/kube';
import type { AgentStatusWire } from '@flotilla/contracts';
import type { KubeConfig } from '@kubernetes/client-node';
import { Backoff, heartbeatDelayMs, type BackoffOptions } from './backoff';
import { rotationDue } from './credential-rotation';
import type { CredentialStore, StoredCredential } from './credential.store';
import { HubClient, type HubFailure } from './hub-client';

/** The version the agent reports in its facts. */
export const AGENT_VERSION = '0.1.0';

/** The logging the agent needs; a pino logger fits. */
export interface AgentLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Everything one agent needs; the process boundaries (HTTP, clock, randomness) are injected. */
export interface AgentOptions {
  hubUrl: string;
  clusterName: string;
  labels?: Record<string, string>;
  /** The registration token, asked for only when the agent has no stored credential. */
  registrationToken: () => Promise<string | undefined>;
  /** Where the cluster's facts are read. */
  kubeConfig: KubeConfig;
  store: CredentialStore;
  logger?: AgentLogger;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** A number in [0, 1). */
  random?: () => number;
  backoff?: BackoffOptions;
  agentVersion?: string;
}

/** What the agent is doing. */
export type AgentPhase =
  'starting' | 'registering' | 'running' | 'retrying' | 'unauthenticated' | 'stopped';

/** A cheap view of one agent, for logs, status lines and tests. */
export interface AgentSnapshot {
  clusterName: string;
  phase: AgentPhase;
  clusterId?: string;
  /** True when this run registered (rather than loading a stored credential). */
  registered: boolean;
  heartbeats: number;
  rotations: number;
  /** Failed attempts of any kind since start. */
  failures: number;
  lastError?: string;
  credentialExpiresAt?: string;
  kubernetesVersion?: string;
}

/** A running agent. */
export interface RunningAgent {
  /** Stops at once (an in-flight call is aborted); resolves when the loop has ended. */
  stop(): Promise<void>;
  snapshot(): AgentSnapshot;
}

const silent: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };

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
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private readonly random: () => number;
  private credential: StoredCredential | undefined;
  private facts: ClusterFacts | undefined;
  private intervalSeconds = 30;
  private state: AgentSnapshot;

  constructor(private readonly options: AgentOptions) {
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(this.random, options.backoff);
    this.hub = new HubClient(
      options.hubUrl,
      options.fetch ?? fetch,
      this.now,
      this.controller.signal,
    );
    this.state = {
      clusterName: options.clusterName,
      phase: 'starting',
      registered: false,
      heartbeats: 0,
      rotations: 0,
      failures: 0,
    };
  }

  snapshot(): AgentSnapshot {
    return { ...this.state };
  }

  abort(): void {
    this.controller.abort();
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  async run(): Promise<void> {
    try {
      this.credential = await this.obtainCredential();
      while (this.credential && !this.stopped) await this.sleep(await this.beat());
    } finally {
      this.state.phase = 'stopped';
    }
  }

  /** The stored credential, or a new one from registering (stored before it is returned). */
  private async obtainCredential(): Promise<StoredCredential | undefined> {
    const store = this.options.store;
    while (!this.stopped) {
      try {
        const stored = await store.load();
        if (stored) {
          this.log.info(
            { clusterId: stored.clusterId, store: store.location },
            'agent: credential loaded',
          );
          this.adopt(stored);
          return stored;
        }
        break;
      } catch (error) {
        await this.sleep(
          this.fail({
            kind: 'retry',
            message: `loading the credential: ${(error as Error).message}`,
          }),
        );
      }
    }
    this.state.phase = 'registering';
    let pending: StoredCredential | undefined;
    while (!this.stopped) {
      pending ??= await this.register();
      if (!pending) continue;
      try {
        // Stored before first use: the token is spent, so this credential must not be lost.
        await store.save(pending);
        this.state.registered = true;
        this.adopt(pending);
        this.log.info(
          { clusterId: pending.clusterId, store: store.location },
          'agent: registered; credential stored',
        );
        return pending;
      } catch (error) {
        await this.sleep(
          this.fail({
            kind: 'retry',
            message: `storing the credential: ${(error as Error).message}`,
          }),
        );
      }
    }
    return undefined;
  }

  /** One registration attempt; undefined after a failure (already waited for). */
  private async register(): Promise<StoredCredential | undefined> {
    const token = await this.options.registrationToken().catch((error: Error) => {
      this.log.error({ err: error }, 'agent: reading the registration token failed');
      return undefined;
    });
    if (!token) {
      const message =
        'no stored credential and no registration token: set FLOTILLA_REGISTRATION_TOKEN or FLOTILLA_REGISTRATION_TOKEN_FILE (create one with createRegistrationToken)';
      await this.sleep(this.fail({ kind: 'unauthenticated', message }));
      return undefined;
    }
    const facts = await this.readFacts();
    if (!facts.ok) {
      await this.sleep(this.fail({ kind: 'retry', message: facts.message }));
      return undefined;
    }
    const answer = await this.hub.register({
      token,
      name: this.options.clusterName,
      ...(this.options.labels ? { labels: this.options.labels } : {}),
      facts: facts.facts,
    });
    if (!answer.ok) {
      const failure =
        answer.failure.kind === 'unauthenticated'
          ? {
              ...answer.failure,
              message: `${answer.failure.message}; the registration token is expired, used up or revoked: create a new one`,
            }
          : answer.failure;
      await this.sleep(this.fail(failure));
      return undefined;
    }
    this.intervalSeconds = answer.value.heartbeatIntervalSeconds;
    return {
      clusterId: answer.value.clusterId,
      credential: answer.value.credential,
      credentialExpiresAt: answer.value.credentialExpiresAt,
      receivedAt: new Date(this.now()).toISOString(),
    };
  }

  /** One heartbeat (after a rotation when one is due); returns how long to wait. */
  private async beat(): Promise<number> {
    const credential = this.credential;
    if (!credential) return this.backoff.capMs;
    if (rotationDue(credential, this.now())) {
      const failure = await this.rotate(credential);
      if (failure) return this.fail(failure);
    }
    const read = await this.readFacts();
    const facts = read.ok ? read.facts : this.facts;
    if (!facts) return this.fail({ kind: 'retry', message: read.ok ? '' : read.message });
    const status: AgentStatusWire = read.ok
      ? { state: 'Running' }
      : { state: 'Degraded', message: read.message.slice(0, 1024) };
    const answer = await this.hub.heartbeat(this.credential?.credential ?? credential.credential, {
      facts,
      status,
    });
    if (!answer.ok) {
      if (answer.failure.kind !== 'unauthenticated') return this.fail(answer.failure);
      return this.fail({
        kind: 'unauthenticated',
        message: `${answer.failure.message}; the hub refuses this cluster's credential (deregistered, expired or replaced). The agent will not register again by itself: create a registration token (mayReplace: true to keep the cluster), delete ${this.options.store.location}, and restart the agent`,
      });
    }
    this.backoff.reset();
    this.intervalSeconds = answer.value.heartbeatIntervalSeconds;
    this.state.phase = 'running';
    this.state.heartbeats++;
    this.state.credentialExpiresAt = answer.value.credentialExpiresAt;
    return heartbeatDelayMs(this.intervalSeconds, this.random);
  }

  /**
   * Rotates crash-safely: the new credential is stored before it is used. When the answer is
   * lost (or storing fails) the agent keeps the one it holds, which works through the grace
   * period, and rotates again with it at the next beat.
   */
  private async rotate(credential: StoredCredential): Promise<HubFailure | undefined> {
    const answer = await this.hub.rotate(credential.credential);
    if (!answer.ok) return answer.failure;
    const next: StoredCredential = {
      clusterId: credential.clusterId,
      credential: answer.value.credential,
      credentialExpiresAt: answer.value.credentialExpiresAt,
      receivedAt: new Date(this.now()).toISOString(),
    };
    try {
      await this.options.store.save(next);
    } catch (error) {
      return {
        kind: 'retry',
        message: `storing the rotated credential: ${(error as Error).message}`,
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

  private async readFacts(): Promise<
    { ok: true; facts: ClusterFacts } | { ok: false; message: string }
  > {
    try {
      const facts = await readClusterFacts(
        this.options.kubeConfig,
        this.options.agentVersion ?? AGENT_VERSION,
      );
      this.facts = facts;
      this.state.kubernetesVersion = facts.kubernetesVersion;
      return { ok: true, facts };
    } catch (error) {
      return { ok: false, message: `reading cluster facts: ${(error as Error).message}` };
    }
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
    const signal = this.controller.signal;
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }
}

import type { ClusterApplier } from '@flotilla/kube';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AgentMetrics } from './agent-metrics';
import type { BackoffOptions } from './backoff';
import type { CredentialStore } from './credential.store';

/** The version the agent reports in its facts (kept equal to package.json by a test). */
export const AGENT_VERSION = '0.1.0';

/** The logging the agent needs; a pino logger fits. */
export interface AgentLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Waits `ms`, or less when `signal` aborts (then resolves, never rejects). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

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
  /** How the agent waits between calls (default: a timer); tests pass a virtual clock's. */
  sleep?: Sleep;
  /** A number in [0, 1). */
  random?: () => number;
  backoff?: BackoffOptions;
  agentVersion?: string;
  /** How long reading the facts may take before it counts as failed (default 20 s). */
  factsTimeoutMs?: number;
  /** Pull, apply and report the desired state (default true; false: heartbeats only). */
  delivery?: boolean;
  /** What applies to the cluster (default: `ClusterSync` on `kubeConfig`, field manager flotilla, as push mode). */
  applier?: ClusterApplier;
  /** How long the hub may hold `GET /desired` open (default 30; 1 to 60). */
  desiredWaitSeconds?: number;
  /** How often every Application is assessed for health and drift (default 180). */
  driftIntervalSeconds?: number;
  /** Where calls to the hub, applies, drift and syncs are counted (default: nowhere). */
  metrics?: AgentMetrics;
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
  /** Heartbeats the hub accepted. */
  heartbeats: number;
  /** Heartbeats that failed (network, 5xx, 401, ...). */
  heartbeatsFailed: number;
  rotations: number;
  /** Failed attempts of any kind since start (registering, heartbeats, rotations, storing). */
  failures: number;
  lastError?: string;
  credentialExpiresAt?: string;
  kubernetesVersion?: string;
  /** The status sent with the last heartbeat: Degraded while the Kubernetes API fails. */
  status?: 'Running' | 'Degraded';
  /** The desired-state revision held (the last `GET /desired` answer). */
  desiredRevision?: string;
  /** The revision whose every Application was applied (Synced) or has no bundle; sent in heartbeats. */
  appliedRevision?: string;
  /** Applications in the desired state held. */
  applications: number;
  /** `POST /status` calls the hub accepted. */
  statusReports: number;
  /** Delivery failures of any kind (hub calls, missing bundles, removals). */
  deliveryErrors: number;
  lastDeliveryError?: string;
}

/** A running agent. */
export interface RunningAgent {
  /** Stops at once (an in-flight call is aborted); resolves when the loop has ended. */
  stop(): Promise<void>;
  snapshot(): AgentSnapshot;
}

/** A timer-based {@link Sleep}; `unref` lets a process with nothing else to do exit. */
export function timerSleep(options: { unref?: boolean } = {}): Sleep {
  return (ms, signal) => {
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (options.unref) timer.unref();
      signal.addEventListener('abort', done);
    });
  };
}

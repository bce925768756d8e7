import type { AgentConfig } from '@flotilla/config';
import type { AGENT_PATHS } from '@flotilla/contracts';
import type { ApplicationReport, ClusterApplier } from '@flotilla/kube';
import {
  counterOf,
  createMetricsRegistry,
  gaugeOf,
  histogramOf,
  METRICS,
  serveMetrics,
  type MetricsServer,
  type Registry,
} from '@flotilla/metrics';

/** The agent protocol endpoints, as metric labels. */
export type HubEndpoint = keyof typeof AGENT_PATHS;

/**
 * How a call to the hub ended: answered (`ok`, or `not_modified` for a long-poll without news),
 * `unauthenticated` (401), `refused` (another 4xx), or `unavailable` (unreachable, 5xx, 429, a
 * redirect or a body that breaks the protocol: the agent retries).
 */
export type HubCallOutcome = 'ok' | 'not_modified' | 'unauthenticated' | 'refused' | 'unavailable';

/**
 * One agent's metrics on a registry of its own: its calls to the hub, what it applied, the drift
 * it found and corrected, and when it last applied its whole desired state.
 */
export class AgentMetrics {
  readonly registry: Registry;
  private readonly hubCalls;
  private readonly hubDuration;
  private readonly applies;
  private readonly appliedObjects;
  private readonly driftDetected;
  private readonly driftCorrections;
  private readonly lastSync;

  /** `processMetrics`: add the process metrics (default true; off where many agents share a process). */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = createMetricsRegistry({
      app: 'agent',
      processMetrics: options.processMetrics ?? true,
    });
    this.hubCalls = counterOf(this.registry, METRICS.agentHubRequests);
    this.hubDuration = histogramOf(this.registry, METRICS.agentHubDuration);
    this.applies = counterOf(this.registry, METRICS.agentApplies);
    this.appliedObjects = counterOf(this.registry, METRICS.agentAppliedObjects);
    this.driftDetected = counterOf(this.registry, METRICS.agentDriftDetected);
    this.driftCorrections = counterOf(this.registry, METRICS.agentDriftCorrections);
    this.lastSync = gaugeOf(this.registry, METRICS.agentLastSync);
  }

  /** One call to the hub. */
  hubCall(endpoint: HubEndpoint, outcome: HubCallOutcome, seconds: number): void {
    this.hubCalls.inc({ endpoint, outcome });
    this.hubDuration.observe({ endpoint, outcome }, seconds);
  }

  /** What an apply (`applied`) or an assessment reported. */
  reported(report: ApplicationReport, applied: boolean): void {
    if (applied) {
      const synced = report.sync === 'Synced';
      this.applies.inc({ outcome: synced ? 'synced' : 'failed' });
      if (synced) this.appliedObjects.inc(report.resourceCount);
    }
    if (report.drift.length === 0) return;
    this.driftDetected.inc(report.drift.length);
    if (report.driftCorrected) this.driftCorrections.inc(report.drift.length);
  }

  /** The whole desired state is applied (milliseconds since the epoch). */
  synced(atMs: number): void {
    this.lastSync.set(atMs / 1000);
  }

  /** Serves `/metrics` on METRICS_HOST:METRICS_PORT; undefined when the port is 0 (off). */
  serve(
    config: Pick<AgentConfig, 'METRICS_HOST' | 'METRICS_PORT'>,
  ): Promise<MetricsServer | undefined> {
    if (config.METRICS_PORT === 0) return Promise.resolve(undefined);
    return serveMetrics(this.registry, { host: config.METRICS_HOST, port: config.METRICS_PORT });
  }
}

/** The applier, with what each apply and assessment reported counted. */
export function meteredApplier(applier: ClusterApplier, metrics: AgentMetrics): ClusterApplier {
  return {
    apply: async (app) => {
      const report = await applier.apply(app);
      metrics.reported(report, true);
      return report;
    },
    assess: async (app) => {
      const report = await applier.assess(app);
      metrics.reported(report, false);
      return report;
    },
    remove: (removal) => applier.remove(removal),
    watch: (onChange) => applier.watch(onChange),
  };
}

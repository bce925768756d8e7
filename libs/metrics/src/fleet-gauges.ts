import type { Registry } from 'prom-client';
import { METRICS } from './catalogue';
import { counterOf, gaugeOf } from './registry';

/** What the read models say of the fleet, as the gauges export it. */
export interface FleetSnapshot {
  clusters: readonly { tenant: string; connectivity: string; n: number }[];
  applications: readonly { tenant: string; health: string; sync: string; n: number }[];
  rollouts: readonly { tenant: string; state: string; n: number }[];
  projections: readonly {
    projection: string;
    lagEvents: number;
    lagSeconds: number;
    failed: boolean;
  }[];
}

export interface FleetGaugeOptions {
  /** How long one snapshot answers scrapes (several Prometheus servers, a dashboard refresh). Default 5 s. */
  cacheMs?: number;
  /** Told when loading a snapshot fails (the scrape still answers, without these gauges). */
  onError?: (error: Error) => void;
}

/**
 * Registers the read-model gauges (clusters, Applications, rollouts, projection lag), computed
 * when scraped: `load` runs at most once per `cacheMs`, however many gauges and scrapers ask, and
 * a failed load leaves the gauges out of that scrape (and counts a failure) instead of failing
 * it; the next window tries again.
 */
export function registerFleetGauges(
  registry: Registry,
  load: () => Promise<FleetSnapshot>,
  options: FleetGaugeOptions = {},
): void {
  const cacheMs = options.cacheMs ?? 5_000;
  let cached: { at: number; snapshot: Promise<FleetSnapshot | undefined> } | undefined;
  const snapshot = (): Promise<FleetSnapshot | undefined> => {
    const now = performance.now();
    if (!cached || now - cached.at >= cacheMs) {
      cached = {
        at: now,
        snapshot: load().catch((error: Error) => {
          failures.inc();
          options.onError?.(error);
          return undefined;
        }),
      };
    }
    return cached.snapshot;
  };
  // Waits for the load of this scrape, so that a failure shows in the same scrape.
  const failures = counterOf(registry, METRICS.scrapeQueryFailures, async () => {
    await snapshot();
  });
  gaugeOf(registry, METRICS.clusters, async (gauge) => {
    const s = await snapshot();
    gauge.reset();
    for (const r of s?.clusters ?? [])
      gauge.set({ tenant: r.tenant, connectivity: r.connectivity }, r.n);
  });
  gaugeOf(registry, METRICS.applications, async (gauge) => {
    const s = await snapshot();
    gauge.reset();
    for (const r of s?.applications ?? [])
      gauge.set({ tenant: r.tenant, health: r.health, sync: r.sync }, r.n);
  });
  gaugeOf(registry, METRICS.rollouts, async (gauge) => {
    const s = await snapshot();
    gauge.reset();
    for (const r of s?.rollouts ?? []) gauge.set({ tenant: r.tenant, state: r.state }, r.n);
  });
  const perProjection = (
    pick: (p: FleetSnapshot['projections'][number]) => number,
  ): Parameters<typeof gaugeOf>[2] => {
    return async (gauge) => {
      const s = await snapshot();
      gauge.reset();
      for (const p of s?.projections ?? []) gauge.set({ projection: p.projection }, pick(p));
    };
  };
  gaugeOf(
    registry,
    METRICS.projectionLagEvents,
    perProjection((p) => p.lagEvents),
  );
  gaugeOf(
    registry,
    METRICS.projectionLagSeconds,
    perProjection((p) => p.lagSeconds),
  );
  gaugeOf(
    registry,
    METRICS.projectionFailed,
    perProjection((p) => (p.failed ? 1 : 0)),
  );
}

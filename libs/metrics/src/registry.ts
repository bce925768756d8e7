import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC_PREFIX, type MetricDefinition, type MetricsApp } from './catalogue';

/** The label names of a definition, as a union of string literals. */
export type LabelsOf<D extends MetricDefinition> = D['labelNames'][number];

export interface MetricsRegistryOptions {
  app: MetricsApp;
  /**
   * Adds the process metrics (CPU, memory, event loop lag, GC, handles) under the `flotilla_`
   * prefix. Default true; a process that runs several apps (tests, the demo) registers them for
   * each, which only costs a few timers.
   */
  processMetrics?: boolean;
}

/**
 * A Registry of its own for one app instance (never prom-client's global one: tests start many
 * hubs and workers in one process, and each must count only its own work). Every series carries
 * `app="hub|worker|agent"`, so one dashboard tells the processes apart.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: options.app });
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  }
  return registry;
}

/** Registers the counter of a catalogue definition; `collect` (optional) runs on every scrape first. */
export function counterOf<D extends MetricDefinition & { kind: 'counter' }>(
  registry: Registry,
  definition: D,
  collect?: () => Promise<void>,
): Counter<LabelsOf<D>> {
  return new Counter({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames as readonly LabelsOf<D>[],
    registers: [registry],
    ...(collect ? { collect } : {}),
  });
}

/** Registers the histogram of a catalogue definition. */
export function histogramOf<D extends MetricDefinition & { kind: 'histogram' }>(
  registry: Registry,
  definition: D,
): Histogram<LabelsOf<D>> {
  return new Histogram({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames as readonly LabelsOf<D>[],
    ...(definition.buckets ? { buckets: [...definition.buckets] } : {}),
    registers: [registry],
  });
}

/**
 * Registers the gauge of a catalogue definition; `collect` (optional) runs on every scrape to
 * set its values.
 */
export function gaugeOf<D extends MetricDefinition & { kind: 'gauge' }>(
  registry: Registry,
  definition: D,
  collect?: (gauge: Gauge<LabelsOf<D>>) => Promise<void> | void,
): Gauge<LabelsOf<D>> {
  return new Gauge({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames as readonly LabelsOf<D>[],
    registers: [registry],
    ...(collect
      ? {
          async collect(this: Gauge<LabelsOf<D>>) {
            await collect(this);
          },
        }
      : {}),
  });
}

/** Seconds since `start` (a `performance.now()` reading), for histograms. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

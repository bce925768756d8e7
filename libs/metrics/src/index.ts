export { METRIC_PREFIX, METRICS, type MetricDefinition, type MetricsApp } from './catalogue';
export {
  counterOf,
  createMetricsRegistry,
  gaugeOf,
  histogramOf,
  secondsSince,
  type LabelsOf,
  type MetricsRegistryOptions,
} from './registry';
export { BoundedLabel } from './bounded-label';
export { serveMetrics, type MetricsServer, type ReadinessCheck } from './metrics-server';
export { registerFleetGauges, type FleetGaugeOptions, type FleetSnapshot } from './fleet-gauges';
export type { Registry } from 'prom-client';
export { parseMetrics, sumOf, type MetricSample } from './exposition';

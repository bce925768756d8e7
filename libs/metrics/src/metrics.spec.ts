import { Registry } from 'prom-client';
import { BoundedLabel } from './bounded-label';
import { METRICS } from './catalogue';
import { parseMetrics, sumOf } from './exposition';
import { registerFleetGauges, type FleetSnapshot } from './fleet-gauges';
import { serveMetrics } from './metrics-server';
import { counterOf, createMetricsRegistry } from './registry';

const snapshot = (clusters: number): FleetSnapshot => ({
  clusters: [{ tenant: 'team-a', connectivity: 'Ready', n: clusters }],
  applications: [{ tenant: 'team-a', health: 'Healthy', sync: 'Synced', n: 3 }],
  rollouts: [],
  projections: [{ projection: 'clusters', lagEvents: 2, lagSeconds: 1.5, failed: false }],
});

describe('libs/metrics', () => {
  it('follows the naming conventions in every catalogue entry', () => {
    for (const d of Object.values(METRICS)) {
      expect(d.name).toMatch(/^flotilla_[a-z0-9_]+$/);
      expect(d.name.endsWith('_total')).toBe(d.kind === 'counter');
      for (const label of d.labelNames) expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
    }
    const names = Object.values(METRICS).map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives each app a registry of its own, with the app label and the prefixed process metrics', async () => {
    const a = createMetricsRegistry({ app: 'worker' });
    const b = createMetricsRegistry({ app: 'worker', processMetrics: false });
    counterOf(a, METRICS.jobs).inc({ queue: 'q', job: 'j', outcome: 'completed' });
    counterOf(b, METRICS.jobs);
    const samples = parseMetrics(await a.metrics());
    expect(sumOf(samples, 'flotilla_jobs_total', { app: 'worker', queue: 'q' })).toBe(1);
    expect(samples.some((s) => s.name === 'flotilla_process_cpu_seconds_total')).toBe(true);
    expect(sumOf(parseMetrics(await b.metrics()), 'flotilla_jobs_total')).toBe(0);
  });

  it('keeps client-chosen label values bounded', () => {
    const label = new BoundedLabel(2);
    expect(label.of(undefined, 'anonymous')).toBe('anonymous');
    expect(label.of('Clusters', 'x')).toBe('Clusters');
    expect(label.of('bad name; drop', 'x')).toBe('other');
    expect(label.of('Rollouts', 'x')).toBe('Rollouts');
    expect(label.of('Third', 'x')).toBe('other');
    expect(label.of('Clusters', 'x')).toBe('Clusters');
  });

  it('reads the text format, escaped label values included', () => {
    const samples = parseMetrics(
      '# HELP x help\n# TYPE x counter\nx{a="1",b="q\\"uote"} 3\nx{a="2"} 4\ny 1.5e-3\n',
    );
    expect(samples).toEqual([
      { name: 'x', labels: { a: '1', b: 'q"uote' }, value: 3 },
      { name: 'x', labels: { a: '2' }, value: 4 },
      { name: 'y', labels: {}, value: 0.0015 },
    ]);
    expect(sumOf(samples, 'x')).toBe(7);
    expect(sumOf(samples, 'x', { a: '2' })).toBe(4);
  });

  it('serves GET /metrics in the registry content type, 404 elsewhere, and closes', async () => {
    const registry = createMetricsRegistry({ app: 'agent', processMetrics: false });
    counterOf(registry, METRICS.agentDriftCorrections).inc(2);
    const server = await serveMetrics(registry, { host: '127.0.0.1', port: 0 });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(sumOf(parseMetrics(await res.text()), 'flotilla_agent_drift_corrections_total')).toBe(2);
    expect((await fetch(`${server.url}/other`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(404);
    await server.close();
    await expect(fetch(`${server.url}/metrics`)).rejects.toThrow();
  });

  it('loads the fleet gauges once per scrape window, and leaves them out when loading fails', async () => {
    const registry = new Registry();
    let loads = 0;
    let fail = false;
    const errors: string[] = [];
    registerFleetGauges(
      registry,
      async () => {
        loads++;
        if (fail) throw new Error('database down');
        return snapshot(loads);
      },
      { cacheMs: 60_000, onError: (e) => errors.push(e.message) },
    );
    let samples = parseMetrics(await registry.metrics());
    expect(loads).toBe(1);
    expect(sumOf(samples, 'flotilla_clusters', { connectivity: 'Ready' })).toBe(1);
    expect(sumOf(samples, 'flotilla_applications', { health: 'Healthy' })).toBe(3);
    expect(sumOf(samples, 'flotilla_projection_lag_events', { projection: 'clusters' })).toBe(2);
    expect(sumOf(samples, 'flotilla_projection_lag_seconds', { projection: 'clusters' })).toBe(1.5);
    await registry.metrics();
    expect(loads).toBe(1);

    const failing = new Registry();
    fail = true;
    registerFleetGauges(
      failing,
      async () => {
        loads++;
        throw new Error('database down');
      },
      { onError: (e) => errors.push(e.message) },
    );
    samples = parseMetrics(await failing.metrics());
    expect(samples.filter((s) => s.name === 'flotilla_clusters')).toEqual([]);
    expect(sumOf(samples, 'flotilla_metrics_query_failures_total')).toBe(1);
    expect(errors).toEqual(['database down']);
  });
});

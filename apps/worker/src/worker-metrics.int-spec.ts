import { jobIds, QUEUES } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { ClusterInventory } from '@flotilla/inventory';
import { METRICS, parseMetrics, sumOf, type MetricSample } from '@flotilla/metrics';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createTestDatabase, eventually, freePort, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { FACTS, runJob, testWorkerConfig } from './testing/worker-fixture';
import { createWorker, type RunningWorker } from './worker';

describe('worker: /metrics on METRICS_PORT', () => {
  let db: TestDatabase;
  let pool: Pool;
  let worker: RunningWorker;
  let port: number;

  const scrape = async (): Promise<MetricSample[]> => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };

  beforeAll(async () => {
    db = await createTestDatabase('worker_metrics');
    pool = createPool(db.url, { max: 2 });
    port = await freePort();
    worker = await createWorker(
      testWorkerConfig(db.url, {
        METRICS_PORT: String(port),
        METRICS_HOST: '127.0.0.1',
        SWEEP_INTERVAL_SECONDS: '3600',
      }),
    );
  });
  afterAll(async () => {
    await worker.stop();
    await pool.end();
    await db.drop();
  });

  it('serves every metric of the catalogue meant for the worker, and 404 elsewhere', async () => {
    expect(worker.metricsUrl).toBe(`http://127.0.0.1:${port}`);
    const names = (await worker.metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const expected = Object.values(METRICS)
      .filter((d) => (d.apps as readonly string[]).includes('worker'))
      .map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(expected));
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    // The probes Kubernetes uses for the worker, on the same port.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
    const samples = await scrape();
    expect(sumOf(samples, 'flotilla_process_cpu_seconds_total', { app: 'worker' })).toBeGreaterThan(
      0,
    );
    // Every queue's depth, in each state, is there (zero or not).
    for (const queue of Object.values(QUEUES)) {
      const states = samples
        .filter((s) => s.name === 'flotilla_queue_jobs' && s.labels['queue'] === queue)
        .map((s) => s.labels['state']);
      expect(states.sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
    }
  });

  it('counts completed and failed jobs per queue and job name, with their durations', async () => {
    const labels = { queue: QUEUES.fleetUpkeep, job: 'connectivity-sweep' };
    const before = await scrape();
    await runJob(worker, { type: 'connectivity-sweep' }, jobIds.connectivitySweep(1));
    await runJob(worker, { type: 'connectivity-sweep' }, jobIds.connectivitySweep(2));
    // A payload this worker cannot read fails (UnrecoverableError) and stays failed.
    await worker.jobs
      .queue(QUEUES.fleetUpkeep)
      .add('connectivity-sweep', { type: 'no-such-job' } as never, { jobId: 'unreadable-1' });
    await eventually(async () =>
      expect(await worker.jobs.queue(QUEUES.fleetUpkeep).getJobState('unreadable-1')).toBe(
        'failed',
      ),
    );
    const after = await scrape();
    const moved = (name: string, more: Record<string, string>) =>
      sumOf(after, name, { ...labels, ...more }) - sumOf(before, name, { ...labels, ...more });
    expect(moved('flotilla_jobs_total', { outcome: 'completed' })).toBe(2);
    expect(moved('flotilla_job_duration_seconds_count', { outcome: 'completed' })).toBe(2);
    expect(moved('flotilla_jobs_total', { outcome: 'failed' })).toBe(1);
    expect(
      sumOf(after, 'flotilla_queue_jobs', { queue: QUEUES.fleetUpkeep, state: 'failed' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts the clusters from the read models it keeps, and reports projection lag', async () => {
    const inventory = new ClusterInventory(
      pool,
      new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()),
      () => new Date(),
    );
    await inventory.register(
      { mode: 'kubeconfig', tenant: 'team-m', name: 'metrics-push-1', facts: FACTS },
      { actor: 'test' },
    );
    await eventually(async () => {
      const samples = await scrape();
      expect(sumOf(samples, 'flotilla_clusters', { tenant: 'team-m' })).toBe(1);
      const lag = samples.filter((s) => s.name === 'flotilla_projection_lag_events');
      expect(lag.map((s) => s.labels['projection'])).toEqual(
        expect.arrayContaining(['clusters', 'rollouts', 'deliveries']),
      );
    });
  });
});

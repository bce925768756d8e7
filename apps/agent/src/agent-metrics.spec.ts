import type { DesiredApplicationWire } from '@flotilla/contracts';
import { ClusterSync, loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim, type SimCluster } from '@flotilla/kube-sim';
import { METRICS, parseMetrics, sumOf, type MetricSample } from '@flotilla/metrics';
import { eventually, freePort } from '@flotilla/testing';
import { AgentMetrics } from './agent-metrics';
import { timerSleep, type AgentOptions, type RunningAgent } from './agent.types';
import { memoryCredentialStore } from './credential.store';
import { startAgent } from './start-agent';
import { startContractHub, type ContractHub } from './testing/contract-hub';

const APP = '5b6c1b8e-0d2a-4c55-9a57-1b2c3d4e5f60';
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const fastSleep = timerSleep();
const sleep: AgentOptions['sleep'] = (ms, signal) => fastSleep(Math.min(ms, 20), signal);

describe('agent metrics, served on METRICS_PORT', () => {
  let sim: KubeSim;
  let cluster: SimCluster;
  let hub: ContractHub;
  let agent: RunningAgent;
  let metrics: AgentMetrics;
  let close: (() => Promise<void>) | undefined;
  let url: string;

  const scrape = async (): Promise<MetricSample[]> => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  };

  beforeAll(async () => {
    sim = await startKubeSim();
    cluster = sim.addCluster('metrics-1', { controllers: {} });
    hub = await startContractHub({ now: Date.now, heartbeatIntervalSeconds: 1, maxHoldMs: 50 });
    metrics = new AgentMetrics();
    const port = await freePort();
    const server = await metrics.serve({ METRICS_HOST: '127.0.0.1', METRICS_PORT: port });
    if (!server) throw new Error('no metrics server');
    close = server.close;
    url = server.url;
    const kubeConfig = loadKubeConfig(cluster.kubeconfigYaml());
    const token = hub.issueToken();
    agent = startAgent({
      hubUrl: hub.url,
      clusterName: 'metrics-1',
      registrationToken: () => Promise.resolve(token),
      kubeConfig,
      store: memoryCredentialStore(),
      sleep,
      random: () => 0.5,
      backoff: { baseMs: 10, capMs: 40 },
      applier: new ClusterSync(kubeConfig, {
        fieldManager: 'flotilla',
        sleep: () => Promise.resolve(),
        watchDebounceMs: 20,
      }),
      // A drift pass every 50 ms: the correction below is found without waiting on a watch.
      driftIntervalSeconds: 0.05,
      metrics,
    });
  });
  afterAll(async () => {
    await agent.stop();
    await close?.();
    await hub.close();
    await sim.close();
  });

  it('is off when METRICS_PORT is 0', async () => {
    expect(
      await new AgentMetrics({ processMetrics: false }).serve({
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: 0,
      }),
    ).toBeUndefined();
  });

  it('registers every metric of the catalogue meant for the agent', async () => {
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const expected = Object.values(METRICS)
      .filter((d) => (d.apps as readonly string[]).includes('agent'))
      .map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(expected));
  });

  it('counts its calls to the hub, applies, drift corrections and the last sync', async () => {
    await eventually(() => expect(agent.snapshot().heartbeats).toBeGreaterThanOrEqual(1));
    const clusterId = agent.snapshot().clusterId ?? '';
    let samples = await scrape();
    expect(
      sumOf(samples, 'flotilla_agent_hub_requests_total', { endpoint: 'register', outcome: 'ok' }),
    ).toBe(1);
    expect(
      sumOf(samples, 'flotilla_agent_hub_requests_total', { endpoint: 'heartbeat', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sumOf(samples, 'flotilla_agent_hub_request_duration_seconds_count', {
        endpoint: 'heartbeat',
      }),
    ).toBeGreaterThanOrEqual(1);

    const bundle = hub.putBundle([
      { ...CM, metadata: { name: 'web' }, data: { key: 'one' } },
      { ...CM, metadata: { name: 'api' }, data: { key: 'two' } },
    ]);
    const app: DesiredApplicationWire = {
      id: APP,
      name: 'web',
      namespace: 'default',
      bundleId: bundle,
      commit: 'c'.repeat(40),
      prune: true,
      selfHeal: true,
    };
    hub.setDesired(clusterId, { applications: [app], removals: [] });
    await eventually(async () => {
      samples = await scrape();
      expect(sumOf(samples, 'flotilla_agent_applies_total', { outcome: 'synced' })).toBe(1);
    });
    expect(sumOf(samples, 'flotilla_agent_applied_objects_total')).toBe(2);
    expect(sumOf(samples, 'flotilla_agent_last_sync_timestamp_seconds')).toBeGreaterThan(0);
    expect(
      sumOf(samples, 'flotilla_agent_hub_requests_total', { endpoint: 'bundle', outcome: 'ok' }),
    ).toBe(1);

    // Edited by hand: self-heal puts it back, and the correction is counted.
    cluster.mutate(CM, 'default', 'web', (c) => {
      c['data'] = { key: 'edited by hand' };
    });
    await eventually(async () => {
      samples = await scrape();
      expect(sumOf(samples, 'flotilla_agent_drift_corrections_total')).toBe(1);
    });
    expect(sumOf(samples, 'flotilla_agent_drift_detected_total')).toBe(1);
    expect(
      sumOf(samples, 'flotilla_agent_hub_requests_total', { endpoint: 'status', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { eventually } from '@flotilla/testing';
import { memoryCredentialStore } from './credential.store';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_VERSION } from './agent.types';
import { startAgent } from './start-agent';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
const registered = {
  clusterId: 'c-1',
  tenant: 'team-a',
  name: 'east',
  labels: {},
  credential: 'flt_cls_one',
  credentialExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  heartbeatIntervalSeconds: 30,
};

describe('startAgent against a scripted hub', () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startKubeSim();
    sim.addCluster('east');
  });
  afterAll(() => sim.close());

  const run = (answers: Response[]) => {
    const calls: { path: string; at: number }[] = [];
    const sleeps: number[] = [];
    const store = memoryCredentialStore();
    const agent = startAgent({
      // Waits are recorded and take a real millisecond while scripted answers remain; once
      // the script is spent, the agent waits until it is stopped.
      sleep: (ms, signal) => {
        if (signal.aborted) return Promise.resolve();
        sleeps.push(ms);
        return new Promise((resolve) => {
          if (answers.length > 0) setTimeout(resolve, 1);
          else signal.addEventListener('abort', () => resolve());
        });
      },
      hubUrl: 'http://hub.invalid',
      clusterName: 'east',
      registrationToken: () => Promise.resolve('flt_reg_x'),
      kubeConfig: loadKubeConfig(sim.cluster('east')?.kubeconfigYaml() ?? ''),
      store,
      random: () => 0,
      // The script answers heartbeats and registration only.
      delivery: false,
      fetch: (input) => {
        calls.push({ path: new URL(String(input)).pathname, at: Date.now() });
        return Promise.resolve(answers.shift() ?? json(503, {}));
      },
    });
    return { agent, calls, sleeps, store };
  };

  it('honours Retry-After on 503, then stores the credential before heartbeating', async () => {
    const { agent, calls, sleeps, store } = run([
      json(503, { error: { code: 'UNAVAILABLE', message: 'starting' } }, { 'retry-after': '1' }),
      json(201, registered),
      json(200, {
        clusterId: 'c-1',
        desiredRevision: null,
        heartbeatIntervalSeconds: 30,
        credentialExpiresAt: registered.credentialExpiresAt,
      }),
    ]);
    await eventually(() => expect(agent.snapshot().heartbeats).toBe(1), 5_000);
    expect(calls.map((c) => c.path)).toEqual([
      '/api/agent/v1/register',
      '/api/agent/v1/register',
      '/api/agent/v1/heartbeat',
    ]);
    expect(sleeps[0]).toBe(1_000);
    expect(store.current?.credential).toBe('flt_cls_one');
    await agent.stop();
    expect(agent.snapshot().phase).toBe('stopped');
  });

  it('treats a refused token as final: one attempt, an actionable error, a wait at the cap', async () => {
    const { agent, calls, sleeps } = run([
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'registration token is not valid' } }),
    ]);
    await eventually(() => expect(agent.snapshot().failures).toBe(1));
    expect(agent.snapshot().lastError).toMatch(/create a new one/);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([300_000]);
    await agent.stop();
  });

  it('refuses an answer that breaks the contract and retries', async () => {
    const { agent, sleeps } = run([json(201, { ...registered, credential: undefined })]);
    await eventually(() => expect(agent.snapshot().lastError).toMatch(/breaks the protocol/));
    expect(agent.snapshot().clusterId).toBeUndefined();
    expect(sleeps).toEqual([100]); // random() = 0: the floor, never zero
    await agent.stop();
  });

  it('reports the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});

import { loadKubeConfig } from '@flotilla/kube';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { eventually } from '@flotilla/testing';
import { memoryCredentialStore } from './credential.store';
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
    const store = memoryCredentialStore();
    const agent = startAgent({
      hubUrl: 'http://hub.invalid',
      clusterName: 'east',
      registrationToken: () => Promise.resolve('flt_reg_x'),
      kubeConfig: loadKubeConfig(sim.cluster('east')?.kubeconfigYaml() ?? ''),
      store,
      random: () => 0,
      fetch: (input) => {
        calls.push({ path: new URL(String(input)).pathname, at: Date.now() });
        return Promise.resolve(answers.shift() ?? json(503, {}));
      },
    });
    return { agent, calls, store };
  };

  it('honours Retry-After on 503, then stores the credential before heartbeating', async () => {
    const { agent, calls, store } = run([
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
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(store.current?.credential).toBe('flt_cls_one');
    await agent.stop();
    expect(agent.snapshot().phase).toBe('stopped');
  });

  it('treats a refused token as final: one attempt, an actionable error, a wait at the cap', async () => {
    const { agent, calls } = run([
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'registration token is not valid' } }),
    ]);
    await eventually(() => expect(agent.snapshot().failures).toBe(1));
    expect(agent.snapshot().lastError).toMatch(/create a new one/);
    expect(calls).toHaveLength(1);
    await agent.stop();
  });

  it('refuses an answer that breaks the contract and retries', async () => {
    const { agent } = run([json(201, { ...registered, credential: undefined })]);
    await eventually(() => expect(agent.snapshot().lastError).toMatch(/breaks the protocol/));
    expect(agent.snapshot().clusterId).toBeUndefined();
    await agent.stop();
  });
});

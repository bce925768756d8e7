import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ClusterFactsWire } from '@flotilla/contracts';
import { PLATFORM_ADMINS } from '../auth/principal';
import { signToken, type TestHub } from './test-hub';

/** Facts a small cluster's agent reports. */
export const FACTS: ClusterFactsWire = {
  kubernetesVersion: 'v1.29.3',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: '0.1.0',
};

/** A tenant spec with admin/deployer/viewer roles bound to `<name>-admins|devs|viewers`. */
export const tenantSpec = (name: string) => ({
  name,
  description: `the ${name} team`,
  sourceRepos: [`https://github.com/${name}/*`],
  destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
  roles: [
    { name: 'admin', groups: [`${name}-admins`] },
    { name: 'deployer', groups: [`${name}-devs`] },
    { name: 'viewer', groups: [`${name}-viewers`] },
  ],
});

/** Platform-admin and per-tenant user tokens. */
export async function fleetTokens() {
  return {
    root: await signToken({ sub: 'root', groups: [PLATFORM_ADMINS] }),
    alice: await signToken({ sub: 'alice', groups: ['team-a-admins'] }),
    bob: await signToken({ sub: 'bob', groups: ['team-a-devs'] }),
    vic: await signToken({ sub: 'vic', groups: ['team-a-viewers'] }),
    mallory: await signToken({ sub: 'mallory', groups: ['team-b-admins'] }),
  };
}

/** Creates tenants through GraphQL. */
export async function createTenants(hub: TestHub, root: string, names: string[]): Promise<void> {
  for (const name of names) {
    const res = await hub.graphql(
      'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
      { spec: tenantSpec(name) },
      root,
    );
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  }
}

/** Issues a registration token through GraphQL; returns its value and id. */
export async function issueToken(
  hub: TestHub,
  userToken: string,
  input: Record<string, unknown>,
): Promise<{ value: string; id: string }> {
  const res = await hub.graphql(
    `mutation($input: CreateRegistrationTokenInput!) {
      createRegistrationToken(input: $input) { value token { id } } }`,
    { input },
    userToken,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  const issued = res.body.data?.['createRegistrationToken'] as {
    value: string;
    token: { id: string };
  };
  return { value: issued.value, id: issued.token.id };
}

/** An agent protocol answer as tests read it (bodies of every shape, hence `any`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AgentAnswer = { status: number; body: any; headers: Headers };

/** One agent protocol call: status, parsed JSON body and headers. */
export async function agentCall(
  hub: TestHub,
  path: string,
  body: unknown,
  credential?: string,
  init: { method?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<AgentAnswer> {
  const res = await fetch(`${hub.url}/api/agent/v1${path}`, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...init.headers,
    },
    ...(init.method === 'GET' ? {} : { body: init.raw ?? JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Registers an agent with a token; throws unless it answers 201. */
export async function registerAgent(
  hub: TestHub,
  token: string,
  name: string,
  over: Record<string, unknown> = {},
): Promise<{ clusterId: string; credential: string; labels: Record<string, string> }> {
  const res = await agentCall(hub, '/register', { token, name, facts: FACTS, ...over });
  if (res.status !== 201)
    throw new Error(`register ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A heartbeat with `facts` (default FACTS). */
export function heartbeat(
  hub: TestHub,
  credential: string | undefined,
  over: Record<string, unknown> = {},
) {
  return agentCall(
    hub,
    '/heartbeat',
    { facts: FACTS, status: { state: 'Running' }, ...over },
    credential,
  );
}

/**
 * Subscribes over graphql-ws as the holder of `token`: every message's data (or an error) lands
 * in `seen`; `close` ends the subscription and the connection.
 */
export function subscribeOver(
  hub: TestHub,
  token: string | null,
  query: string,
): { seen: unknown[]; close: () => Promise<void> } {
  const seen: unknown[] = [];
  const client = createClient({
    url: hub.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
  const stop = client.subscribe(
    { query },
    {
      next: (m) => seen.push(m.data),
      error: (e) => seen.push({ error: String((e as Error)?.message ?? JSON.stringify(e)) }),
      complete: () => undefined,
    },
  );
  return {
    seen,
    close: async () => {
      stop();
      await client.dispose();
    },
  };
}

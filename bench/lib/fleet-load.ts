// The fleet benchmark's parts (bench/fleet.bench.ts, bench/scale.bench.ts): hub processes on a
// bench database, a tenant and a registration token, registrations, and heartbeat load sent
// straight over raw keep-alive sockets to one or several hubs.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { connect, createServer } from 'node:net';
import { PLATFORM_ADMINS } from '../../apps/hub/src/auth/principal';
import { signToken, TEST_JWT_SECRET } from '../../apps/hub/src/testing/test-hub';

/** The facts every simulated cluster reports (unchanged, so heartbeats append nothing). */
export const FLEET_FACTS = {
  kubernetesVersion: 'v1.29.3',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: '0.1.0',
};

const REGISTER_CONCURRENCY = 8;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Closes the keep-alive connections of {@link post} (the process can then exit). */
export function closeFleetHttp(): void {
  agent.destroy();
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** One JSON POST over a keep-alive agent: status, body and milliseconds taken. */
export function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; ms: number }> {
  const payload = JSON.stringify(body);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Starts a hub process on `port` against `databaseUrl` (migrated) and resolves once it judges
 * agent credentials (a heartbeat without one answers 401). `profile` writes a CPU profile.
 */
export async function startFleetHub(
  databaseUrl: string,
  port: number,
  options: { profile?: boolean } = {},
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.profile ? ['--cpu-prof', '--cpu-prof-dir=/tmp/hubprof'] : []),
      '-r',
      '@swc-node/register',
      '-r',
      'reflect-metadata',
      'apps/hub/src/main.ts',
    ],
    {
      env: {
        ...process.env,
        SWC_NODE_PROJECT: 'tsconfig.json',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        MIGRATE_ON_START: 'false',
        LOG_LEVEL: 'warn',
        REGISTER_FAILURES_PER_MINUTE: '100000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ;) {
    const ready = await post(base, '/api/agent/v1/heartbeat', {
      facts: FLEET_FACTS,
      status: { state: 'Running' },
    })
      .then((r) => r.status === 401)
      .catch(() => false);
    if (ready) return child;
    if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('hub did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A process's resident memory (MB) and CPU seconds so far, from /proc. */
export function processUsage(pid: number): { rssMb: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { rssMb: rssKb / 1024, cpuSeconds: ticks / 100 };
}

async function graphql(base: string, token: string, query: string, variables: unknown) {
  const res = await post(
    base,
    '/graphql',
    { query, variables },
    { authorization: `Bearer ${token}` },
  );
  const json = JSON.parse(res.body) as { data?: Record<string, unknown>; errors?: unknown };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  return json.data!;
}

/** Creates the `bench` tenant through the hub at `base` and a token that registers `uses` clusters. */
export async function createFleetTenant(base: string, uses: number): Promise<string> {
  const root = await signToken({ sub: 'bench', groups: [PLATFORM_ADMINS] });
  await graphql(
    base,
    root,
    'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
    {
      spec: {
        name: 'bench',
        sourceRepos: ['*'],
        destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
      },
    },
  );
  const issued = await graphql(
    base,
    root,
    'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }',
    { input: { tenant: 'bench', maxUses: uses, ttlSeconds: 86_400 } },
  );
  return (issued['createRegistrationToken'] as { value: string }).value;
}

/**
 * Registers clusters `from` to `to` (exclusive) through the hub at `base`, 8 at a time, storing
 * each credential at its index and each latency in `latencies`; prints progress every 500.
 */
export async function registerClusters(
  base: string,
  token: string,
  range: { from: number; to: number; total: number },
  credentials: string[],
  latencies: number[],
): Promise<void> {
  let next = range.from;
  await Promise.all(
    Array.from({ length: REGISTER_CONCURRENCY }, async () => {
      for (let i = next++; i < range.to; i = next++) {
        const res = await post(base, '/api/agent/v1/register', {
          token,
          name: `c-${String(i).padStart(5, '0')}`,
          labels: { region: ['eu', 'us', 'ap'][i % 3]!, env: ['prod', 'staging', 'dev'][i % 3]! },
          facts: FLEET_FACTS,
        });
        if (res.status !== 201) throw new Error(`register ${i}: ${res.status} ${res.body}`);
        credentials[i] = (JSON.parse(res.body) as { credential: string }).credential;
        latencies.push(res.ms);
        if ((i + 1) % 500 === 0) process.stdout.write(`  registered ${i + 1}/${range.total}\n`);
      }
    }),
  );
}

/**
 * One keep-alive connection that sends pre-encoded heartbeats and reads the answers with a
 * minimal HTTP/1.1 parser: far cheaper than an HTTP client, so that on two cores the load
 * generator is not what limits the hub.
 */
function rawConnection(port: number): Promise<{
  send(request: Buffer): Promise<{ status: number; ms: number }>;
  close(): void;
}> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      resolve({ send, close: () => socket.destroy() }),
    );
    socket.setNoDelay(true);
    socket.on('error', reject);
    let buffer = Buffer.alloc(0);
    let pending: { resolve: (r: { status: number; ms: number }) => void; started: bigint } | null =
      null;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0 || !pending) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      const done = pending;
      pending = null;
      done.resolve({
        status: Number(head.slice(9, 12)),
        ms: Number(process.hrtime.bigint() - done.started) / 1e6,
      });
    });
    function send(request: Buffer): Promise<{ status: number; ms: number }> {
      return new Promise((res) => {
        pending = { resolve: res, started: process.hrtime.bigint() };
        socket.write(request);
      });
    }
  });
}

/** What a heartbeat load measured. */
export interface HeartbeatLoad {
  count: number;
  latencies: number[];
  errors: number;
  /** Heartbeats each port answered. */
  perPort: number[];
}

/**
 * Sends heartbeats from every credential in turn for `seconds` over `connections` keep-alive
 * connections, spread evenly over `ports` (several hubs share the load as behind a Service).
 */
export async function heartbeatLoad(
  ports: readonly number[],
  credentials: readonly string[],
  seconds: number,
  connections: number,
): Promise<HeartbeatLoad> {
  const body = JSON.stringify({ facts: FLEET_FACTS, status: { state: 'Running' } });
  const requests = credentials.map((credential) =>
    Buffer.from(
      `POST /api/agent/v1/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${credential}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
  const latencies: number[] = [];
  const perPort = ports.map(() => 0);
  let errors = 0;
  let i = 0;
  const deadline = Date.now() + seconds * 1000;
  const open = await Promise.all(
    Array.from({ length: connections }, async (_, n) => ({
      port: n % ports.length,
      connection: await rawConnection(ports[n % ports.length]!),
    })),
  );
  await Promise.all(
    open.map(async ({ port, connection }) => {
      while (Date.now() < deadline) {
        const res = await connection.send(requests[i++ % requests.length]!);
        if (res.status !== 200) errors++;
        latencies.push(res.ms);
        perPort[port]!++;
      }
      connection.close();
    }),
  );
  return { count: latencies.length, latencies, errors, perPort };
}

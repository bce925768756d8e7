// npm run bench -- fleet [--clusters 5000] [--seconds 20] [--concurrency 64]
// Registration and heartbeat throughput of one hub process. The hub runs as its own process (so
// its CPU and memory can be read from /proc); this process is the fleet: it registers 1,000
// clusters (timed), then the rest up to --clusters, then sends heartbeats from all of them as
// fast as --concurrency connections allow, and reports throughput and latency.
import { runMigrations } from '@flotilla/database';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { connect, createServer } from 'node:net';
import { Client } from 'pg';
import { PLATFORM_ADMINS } from '../apps/hub/src/auth/principal';
import { signToken, TEST_JWT_SECRET } from '../apps/hub/src/testing/test-hub';
import { median, percentile, writeBenchResults } from './lib/results';

const args = new Map<string, string>();
for (let i = 3; i < process.argv.length; i += 2) args.set(process.argv[i - 1]!, process.argv[i]!);
const arg = (name: string, fallback: number) => Number(args.get(`--${name}`) ?? fallback);
const CLUSTERS = arg('clusters', 5_000);
const SECONDS = arg('seconds', 20);
const CONCURRENCY = arg('concurrency', 64);
const REGISTER_CONCURRENCY = 8;

const server = (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla').replace(
  /\/[^/]*$/,
  '',
);
const dbName = 'flotilla_bench_fleet';
const url = `${server}/${dbName}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, 16) });

const FACTS = {
  kubernetesVersion: 'v1.29.3',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: '0.1.0',
};

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${server}/postgres` });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** One JSON POST over the keep-alive agent: status, body and milliseconds taken. */
function post(
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

async function startHub(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.FLEET_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/hubprof'] : []),
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
        DATABASE_URL: url,
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
      facts: FACTS,
      status: { state: 'Running' },
    })
      .then((r) => r.status === 401)
      .catch(() => false);
    if (ready) return child;
    if (Date.now() > deadline) throw new Error('hub did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The hub's resident memory (MB) and CPU seconds so far, from /proc. */
function hubUsage(pid: number): { rssMb: number; cpuSeconds: number } {
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

async function registerMany(
  base: string,
  token: string,
  from: number,
  to: number,
  credentials: string[],
  latencies: number[],
): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: REGISTER_CONCURRENCY }, async () => {
      for (let i = next++; i < to; i = next++) {
        const res = await post(base, '/api/agent/v1/register', {
          token,
          name: `c-${String(i).padStart(5, '0')}`,
          labels: { region: ['eu', 'us', 'ap'][i % 3]!, env: ['prod', 'staging', 'dev'][i % 3]! },
          facts: FACTS,
        });
        if (res.status !== 201) throw new Error(`register ${i}: ${res.status} ${res.body}`);
        credentials[i] = (JSON.parse(res.body) as { credential: string }).credential;
        latencies.push(res.ms);
        if ((i + 1) % 500 === 0) process.stdout.write(`  registered ${i + 1}/${CLUSTERS}\n`);
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

async function heartbeatLoad(
  port: number,
  credentials: string[],
  seconds: number,
): Promise<{ count: number; latencies: number[]; errors: number }> {
  const body = JSON.stringify({ facts: FACTS, status: { state: 'Running' } });
  const requests = credentials.map((credential) =>
    Buffer.from(
      `POST /api/agent/v1/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${credential}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = Date.now() + seconds * 1000;
  const connections = await Promise.all(
    Array.from({ length: CONCURRENCY }, () => rawConnection(port)),
  );
  await Promise.all(
    connections.map(async (c) => {
      while (Date.now() < deadline) {
        const res = await c.send(requests[i++ % requests.length]!);
        if (res.status !== 200) errors++;
        latencies.push(res.ms);
      }
      c.close();
    }),
  );
  return { count: latencies.length, latencies, errors };
}

async function main(): Promise<void> {
  console.log(
    `fleet bench: fresh database ${dbName}, ${CLUSTERS} clusters, ${SECONDS} s of heartbeats, ${CONCURRENCY} connections`,
  );
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const port = await freePort();
  const hub = await startHub(port);
  const base = `http://127.0.0.1:${port}`;
  try {
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
      { input: { tenant: 'bench', maxUses: CLUSTERS, ttlSeconds: 86_400 } },
    );
    const token = (issued['createRegistrationToken'] as { value: string }).value;

    const credentials: string[] = [];
    const registerLatencies: number[] = [];
    const started = Date.now();
    await registerMany(base, token, 0, Math.min(1_000, CLUSTERS), credentials, registerLatencies);
    const register1000Seconds = (Date.now() - started) / 1000;
    console.log(`  1,000 registrations in ${register1000Seconds.toFixed(2)} s`);
    await registerMany(base, token, 1_000, CLUSTERS, credentials, []);

    console.log('  warming up heartbeats (3 s)');
    await heartbeatLoad(port, credentials, 3);
    const before = hubUsage(hub.pid!);
    const t0 = Date.now();
    let peakRss = before.rssMb;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, hubUsage(hub.pid!).rssMb);
    }, 500);
    const progress = setInterval(() => process.stdout.write('.'), 1000);
    const load = await heartbeatLoad(port, credentials, SECONDS);
    clearInterval(sampler);
    clearInterval(progress);
    const elapsed = (Date.now() - t0) / 1000;
    const after = hubUsage(hub.pid!);
    if (load.errors > 0) throw new Error(`${load.errors} heartbeats failed`);
    console.log('');
    writeBenchResults('fleet', {
      clusters: CLUSTERS,
      register1000Seconds: round(register1000Seconds),
      registerP99Ms: round(percentile(registerLatencies, 99)),
      registerMedianMs: round(median(registerLatencies)),
      heartbeatsPerSec: Math.round(load.count / elapsed),
      heartbeatMedianMs: round(median(load.latencies)),
      heartbeatP99Ms: round(percentile(load.latencies, 99)),
      hubCpuCores: round((after.cpuSeconds - before.cpuSeconds) / elapsed),
      hubRssMb: Math.round(Math.max(peakRss, after.rssMb)),
    });
  } finally {
    hub.kill('SIGTERM');
    agent.destroy();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((error: Error) => {
  console.error(`fleet bench failed: ${error.message}`);
  process.exit(1);
});

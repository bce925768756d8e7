// npm run bench -- scale [--clusters N] [--fleet-clusters 5000] [--appset-clusters 10000]
//                        [--elements 3] [--seconds 20] [--concurrency 64] [--only fleet|appset]
// What a second replica buys. Two benchmarks, each run with one replica and then with two:
//
// - fleet (as bench/fleet.bench.ts): --fleet-clusters clusters register through one hub
//   process, then send heartbeats over --concurrency keep-alive connections for --seconds,
//   first all to that hub, then split evenly over it and a second hub process (as a Service
//   would spread them). Figure: heartbeats answered per second.
// - appset (as bench/appset.bench.ts): createApplicationSet over --appset-clusters clusters ×
//   --elements list entries (10,000 × 3 = 30,000 Applications) until every Application exists,
//   with one hub and one worker process, then with one hub and two worker processes. Each run
//   has its own database cloned from one seeded database, so the second starts from the same
//   state as the first.
//
// --clusters sets both sizes. Writes bench/results/scale.json. The machine's load average at the
// start is recorded with the figures: on a shared two-core machine a second process competes
// with the first (and with Postgres, Redis and this load generator) for the same cores.
import { createPool, runMigrations } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { startHubProcess, startWorkerProcess, userToken, type AppProcess } from '@flotilla/testing';
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { seedBenchClusters, timeGeneration } from './lib/appset-generation';
import { benchDatabase } from './lib/bench-db';
import {
  closeFleetHttp,
  createFleetTenant,
  freePort,
  heartbeatLoad,
  processUsage,
  registerClusters,
  startFleetHub,
} from './lib/fleet-load';
import { percentile, writeBenchResults } from './lib/results';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const number = (name: string, fallback: number) => Number(option(name) ?? fallback);
const FLEET_CLUSTERS = number('fleet-clusters', number('clusters', 5_000));
const APPSET_CLUSTERS = number('appset-clusters', number('clusters', 10_000));
const ELEMENTS = number('elements', 3);
const SECONDS = number('seconds', 20);
const CONCURRENCY = number('concurrency', 64);
const ONLY = option('only');

const round = (n: number) => Math.round(n * 100) / 100;

interface HeartbeatFigures {
  perSec: number;
  p99Ms: number;
  hubCpuCores: number;
  perHub: number[];
}

/** Heartbeats for --seconds over `ports`, with the hubs' CPU over the same span. */
async function measureHeartbeats(
  hubs: ChildProcess[],
  ports: number[],
  credentials: string[],
): Promise<HeartbeatFigures> {
  console.log(`  warming up (3 s)`);
  await heartbeatLoad(ports, credentials, 3, CONCURRENCY);
  const before = hubs.map((h) => processUsage(h.pid!).cpuSeconds);
  const started = Date.now();
  process.stdout.write(`  ${SECONDS} s of heartbeats `);
  const progress = setInterval(() => process.stdout.write('.'), 1000);
  const load = await heartbeatLoad(ports, credentials, SECONDS, CONCURRENCY);
  clearInterval(progress);
  const elapsed = (Date.now() - started) / 1000;
  const cpu = hubs.reduce((sum, h, i) => sum + processUsage(h.pid!).cpuSeconds - before[i]!, 0);
  if (load.errors > 0) throw new Error(`${load.errors} heartbeats failed`);
  const figures = {
    perSec: Math.round(load.count / elapsed),
    p99Ms: round(percentile(load.latencies, 99)),
    hubCpuCores: round(cpu / elapsed),
    perHub: load.perPort.map((n) => Math.round(n / elapsed)),
  };
  console.log(
    `\n  ${figures.perSec} heartbeats/s (per hub ${figures.perHub.join(' + ')}), p99 ${figures.p99Ms} ms, hubs used ${figures.hubCpuCores} cores`,
  );
  return figures;
}

async function fleet(): Promise<{ one: HeartbeatFigures; two: HeartbeatFigures }> {
  const dbName = 'flotilla_bench_scale_fleet';
  const { url, admin } = benchDatabase(dbName);
  console.log(`fleet: fresh database ${dbName}, ${FLEET_CLUSTERS} clusters`);
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const ports = [await freePort(), await freePort()];
  const hubs: ChildProcess[] = [];
  try {
    hubs.push(await startFleetHub(url, ports[0]!));
    const base = `http://127.0.0.1:${ports[0]}`;
    const token = await createFleetTenant(base, FLEET_CLUSTERS);
    const credentials: string[] = [];
    await registerClusters(
      base,
      token,
      { from: 0, to: FLEET_CLUSTERS, total: FLEET_CLUSTERS },
      credentials,
      [],
    );
    console.log('fleet, one hub process:');
    const one = await measureHeartbeats(hubs, ports.slice(0, 1), credentials);
    console.log('fleet, two hub processes (connections split evenly):');
    hubs.push(await startFleetHub(url, ports[1]!));
    const two = await measureHeartbeats(hubs, ports, credentials);
    return { one, two };
  } finally {
    for (const hub of hubs) hub.kill('SIGTERM');
    closeFleetHttp();
  }
}

/** createApplicationSet until every Application exists, with one hub and `workers` workers. */
async function generation(url: string, workers: number): Promise<number> {
  const env = { LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_SECONDS: '3600' };
  const processes: AppProcess[] = [];
  const pool = createPool(url, { max: 2 });
  try {
    const hub = await startHubProcess(url, env);
    processes.push(hub);
    for (let i = 0; i < workers; i++)
      processes.push(await startWorkerProcess(url, { ...env, LOG_LEVEL: 'info' }));
    const root = await userToken('bench', ['flotilla:platform-admins']);
    const expected = APPSET_CLUSTERS * ELEMENTS;
    const { seconds } = await timeGeneration(hub, pool, root, 'bench', ELEMENTS, expected);
    return seconds;
  } catch (error) {
    for (const p of processes)
      console.error(`--- ${p.name} output (last 3000 chars) ---\n${p.output().slice(-3000)}`);
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await pool.end();
  }
}

async function appset(): Promise<{ one: number; two: number }> {
  const seeded = benchDatabase('flotilla_bench_scale_appset');
  const runs = [1, 2].map((n) => ({ n, ...benchDatabase(`flotilla_bench_scale_appset${n}`) }));
  const names = [
    'flotilla_bench_scale_appset',
    ...runs.map((r) => `flotilla_bench_scale_appset${r.n}`),
  ];
  console.log(
    `appset: ${APPSET_CLUSTERS} clusters × ${ELEMENTS} = ${APPSET_CLUSTERS * ELEMENTS} Applications; seeding ${names[0]}`,
  );
  for (const name of names) await seeded.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await seeded.admin(`CREATE DATABASE ${names[0]}`);
  await runMigrations(seeded.url);
  const pool = createPool(seeded.url, { max: 4 });
  try {
    await seedBenchClusters(
      pool,
      new EventStore<FlotillaEvent>(pool, flotillaEventRegistry()),
      APPSET_CLUSTERS,
    );
  } finally {
    await pool.end();
  }
  // Each run on its own copy (a new database oid: its own Redis keys too).
  for (const name of names.slice(1))
    await seeded.admin(`CREATE DATABASE ${name} TEMPLATE ${names[0]}`);
  console.log('appset, one hub and one worker process:');
  const one = await generation(runs[0]!.url, 1);
  console.log('appset, one hub and two worker processes:');
  const two = await generation(runs[1]!.url, 2);
  return { one, two };
}

async function main(): Promise<void> {
  const load = loadavg().map((n) => n.toFixed(2));
  console.log(`scale bench (load average at start ${load.join(' ')})`);
  const figures: Record<string, number | string> = { loadAverageAtStart: load.join(' ') };
  if (ONLY !== 'appset') {
    const { one, two } = await fleet();
    Object.assign(figures, {
      fleetClusters: FLEET_CLUSTERS,
      heartbeatsPerSec1: one.perSec,
      heartbeatsPerSec2: two.perSec,
      heartbeatRatio: round(two.perSec / one.perSec),
      heartbeatP99Ms1: one.p99Ms,
      heartbeatP99Ms2: two.p99Ms,
      hubCpuCores1: one.hubCpuCores,
      hubCpuCores2: two.hubCpuCores,
    });
  }
  if (ONLY !== 'fleet') {
    const { one, two } = await appset();
    Object.assign(figures, {
      appsetClusters: APPSET_CLUSTERS,
      applications: APPSET_CLUSTERS * ELEMENTS,
      generate30kSeconds1: round(one),
      generate30kSeconds2: round(two),
      generateSpeedup: round(one / two),
    });
  }
  figures['ratios'] =
    'heartbeatRatio = 2 hubs / 1 hub; generateSpeedup = 1 worker time / 2 workers time';
  writeBenchResults('scale', figures);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`scale bench failed: ${error.message}`);
    process.exit(1);
  },
);

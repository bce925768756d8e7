// npm run bench -- fleet [--clusters 5000] [--seconds 20] [--concurrency 64]
// Registration and heartbeat throughput of one hub process. The hub runs as its own process (so
// its CPU and memory can be read from /proc); this process is the fleet: it registers 1,000
// clusters (timed), then the rest up to --clusters, then sends heartbeats from all of them as
// fast as --concurrency connections allow, and reports throughput and latency.
import { runMigrations } from '@flotilla/database';
import {
  closeFleetHttp,
  createFleetTenant,
  freePort,
  heartbeatLoad,
  processUsage,
  registerClusters,
  startFleetHub,
} from './lib/fleet-load';
import { benchDatabase } from './lib/bench-db';
import { median, percentile, writeBenchResults } from './lib/results';

const args = new Map<string, string>();
for (let i = 3; i < process.argv.length; i += 2) args.set(process.argv[i - 1]!, process.argv[i]!);
const arg = (name: string, fallback: number) => Number(args.get(`--${name}`) ?? fallback);
const CLUSTERS = arg('clusters', 5_000);
const SECONDS = arg('seconds', 20);
const CONCURRENCY = arg('concurrency', 64);

const dbName = 'flotilla_bench_fleet';
const { url, admin } = benchDatabase(dbName);

async function main(): Promise<void> {
  console.log(
    `fleet bench: fresh database ${dbName}, ${CLUSTERS} clusters, ${SECONDS} s of heartbeats, ${CONCURRENCY} connections`,
  );
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const port = await freePort();
  const hub = await startFleetHub(url, port, { profile: !!process.env.FLEET_BENCH_PROFILE });
  const base = `http://127.0.0.1:${port}`;
  try {
    const token = await createFleetTenant(base, CLUSTERS);
    const credentials: string[] = [];
    const registerLatencies: number[] = [];
    const started = Date.now();
    const first = Math.min(1_000, CLUSTERS);
    await registerClusters(
      base,
      token,
      { from: 0, to: first, total: CLUSTERS },
      credentials,
      registerLatencies,
    );
    const register1000Seconds = (Date.now() - started) / 1000;
    console.log(`  1,000 registrations in ${register1000Seconds.toFixed(2)} s`);
    await registerClusters(
      base,
      token,
      { from: first, to: CLUSTERS, total: CLUSTERS },
      credentials,
      [],
    );

    console.log('  warming up heartbeats (3 s)');
    await heartbeatLoad([port], credentials, 3, CONCURRENCY);
    const before = processUsage(hub.pid!);
    const t0 = Date.now();
    let peakRss = before.rssMb;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, processUsage(hub.pid!).rssMb);
    }, 500);
    const progress = setInterval(() => process.stdout.write('.'), 1000);
    const load = await heartbeatLoad([port], credentials, SECONDS, CONCURRENCY);
    clearInterval(sampler);
    clearInterval(progress);
    const elapsed = (Date.now() - t0) / 1000;
    const after = processUsage(hub.pid!);
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
    closeFleetHttp();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((error: Error) => {
  console.error(`fleet bench failed: ${error.message}`);
  process.exit(1);
});

// npm run bench -- delivery [--clusters 2000]
// Delivery across a simulated fleet: a hub and a worker as their own processes, --clusters
// kube-sim clusters (in a child process, simulated controllers make workloads Ready) with one
// real agent each in this process. An ApplicationSet puts one Application (a ConfigMap, a Deployment and
// a Service from a local Git repository) on every cluster; once all are Synced and Healthy, a new
// commit is pushed and announced by webhook. Measures: push until every cluster is Synced and
// Healthy at the new commit; per cluster, the hub knowing the revision (ApplicationRendered
// recorded) until the agent applied it (the observedAt of its status at that commit); and how
// many bundles are stored (one per distinct manifest set, not per cluster).
import { runMigrations } from '@flotilla/database';
import {
  announcePush,
  createTestRepository,
  E2E_JWT_SECRET,
  startHubProcess,
  startWorkerProcess,
  userToken,
} from '@flotilla/testing';
import { DELIVERIES_TABLE } from '@flotilla/projections';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { createFleetToken, startFleet } from '../scripts/fleet';
import { benchDatabase } from './lib/bench-db';
import { median, percentile, runBench, writeBenchResults } from './lib/results';
import { createBenchTenant, webAppFiles, webAppSet } from './lib/web-app';

const args = new Map<string, string>();
for (let i = 3; i < process.argv.length; i += 2) args.set(process.argv[i - 1]!, process.argv[i]!);
const CLUSTERS = Number(args.get('--clusters') ?? 2_000);
const TIMEOUT_MS = 600_000;
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

const dbName = 'flotilla_bench_delivery';
const { url, admin } = benchDatabase(dbName);
const files = webAppFiles;

const appSet = (repoURL: string) => webAppSet(repoURL);

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Polls `probe` until it returns true, printing `label` progress every 2 s. */
async function until(label: string, probe: () => Promise<[boolean, string]>): Promise<void> {
  const started = Date.now();
  let printed = 0;
  for (;;) {
    const [done, progress] = await probe();
    if (done) return;
    if (Date.now() - printed > 2_000) {
      console.log(`  ${label}: ${progress} (${elapsed(started)})`);
      printed = Date.now();
    }
    if (Date.now() - started > TIMEOUT_MS)
      throw new Error(`${label}: not done after ${TIMEOUT_MS / 1000} s (${progress})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Every simulated cluster costs this process about 6 file descriptors: its end of the agent's
 * four watches (one per kind it applied) and keep-alive connection to kube-sim (which runs in a
 * child process, holding the other ends), and its long-poll to the hub.
 */
const FDS_PER_CLUSTER = 6;

function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  console.log(`delivery bench: ${CLUSTERS} clusters`);
  const limit = openFileLimit();
  if (limit !== undefined && CLUSTERS * FDS_PER_CLUSTER > limit * 0.9) {
    throw new Error(
      `${CLUSTERS} clusters need about ${CLUSTERS * FDS_PER_CLUSTER} open files in this process, ` +
        `over its limit of ${limit}: raise it (ulimit -n) or run ` +
        `with --clusters ${Math.floor((limit * 0.9) / FDS_PER_CLUSTER)}`,
    );
  }
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const repo = createTestRepository('apps');
  const first = repo.commit(files('1'), 'version 1');
  const env = {
    GIT_ALLOW_FILE_URLS: 'true',
    GIT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    HEARTBEAT_INTERVAL_SECONDS: '300',
    REGISTER_FAILURES_PER_MINUTE: '100000',
  };
  const started = await Promise.allSettled([
    startHubProcess(url, env),
    startWorkerProcess(url, env),
  ]);
  if (started[0].status === 'rejected' || started[1].status === 'rejected') {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    const failure = started.find((s) => s.status === 'rejected');
    throw (failure as PromiseRejectedResult).reason;
  }
  const [hub, worker] = [started[0].value, started[1].value];
  const db = new Client({ connectionString: url });
  await db.connect();
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  try {
    const root = await userToken('root', ['flotilla:platform-admins']);
    await createBenchTenant(hub, root);
    const token = await createFleetToken(hub.url, E2E_JWT_SECRET, 'bench', CLUSTERS);
    const joined = Date.now();
    fleet = await startFleet({
      hubUrl: hub.url,
      token,
      clusters: CLUSTERS,
      simulatorProcess: true,
      log: () => undefined,
    });
    const f = fleet;
    await until('registering', async () => {
      const s = f.stats();
      return [s.registered >= CLUSTERS, `${s.registered}/${CLUSTERS}`];
    });
    console.log(`  ${CLUSTERS} agents registered in ${elapsed(joined)}`);

    await hub.graphql(
      root,
      'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
      { tenant: 'bench', manifest: appSet(repo.url) },
    );
    const healthyAt = async (commit: string): Promise<[boolean, string]> => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${DELIVERIES_TABLE}
          WHERE NOT deleted AND status_commit = $1 AND sync = 'Synced' AND health = 'Healthy'`,
        [commit],
      );
      const n = rows[0]?.n ?? 0;
      return [n >= CLUSTERS, `${n}/${CLUSTERS} Synced and Healthy`];
    };
    const created = Date.now();
    await until('first delivery', () => healthyAt(first));
    console.log(`  first revision on every cluster in ${elapsed(created)}`);

    const second = repo.commit(files('2'), 'version 2');
    const pushed = Date.now();
    await announcePush(hub.url, WEBHOOK_SECRET, repo.url, second);
    // When each agent first holds a desired state other than the one it applied the first
    // commit from: the hub's share of delivery (render → NOTIFY → long-poll answer), apart
    // from the applying that follows.
    const before = new Map(f.snapshots().map((a) => [a.clusterId, a.desiredRevision]));
    const received = new Map<string, number>();
    const watching = setInterval(() => {
      const at = Date.now();
      for (const a of f.snapshots())
        if (
          a.clusterId &&
          !received.has(a.clusterId) &&
          a.desiredRevision !== before.get(a.clusterId)
        )
          received.set(a.clusterId, at);
    }, 20);
    await until('new revision', () => healthyAt(second));
    clearInterval(watching);
    const revisionToAllHealthySeconds = (Date.now() - pushed) / 1000;
    console.log(
      `  new revision Synced and Healthy everywhere ${revisionToAllHealthySeconds.toFixed(2)} s after the push`,
    );

    // Per cluster: ApplicationRendered of the new commit recorded → the agent's first status at it.
    const { rows } = await db.query<{ ms: number }>(
      `WITH rendered AS (
         SELECT stream_id, min(recorded_at) AS at FROM events
          WHERE type = 'ApplicationRendered' AND data->>'commit' = $1 GROUP BY stream_id),
       applied AS (
         SELECT stream_id, min((data->>'observedAt')::timestamptz) AS at FROM events
          WHERE type = 'ApplicationStatusChanged' AND data->>'commit' = $1 GROUP BY stream_id)
       SELECT extract(epoch FROM applied.at - rendered.at) * 1000 AS ms
         FROM rendered JOIN applied USING (stream_id)`,
      [second],
    );
    const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    const renderedAt = await db.query<{ cluster_id: string; at: Date }>(
      `SELECT d.cluster_id, min(e.recorded_at) AS at
         FROM events e JOIN ${DELIVERIES_TABLE} d
           ON e.stream_id = 'delivery-' || d.application_id
        WHERE e.type = 'ApplicationRendered' AND e.data->>'commit' = $1
        GROUP BY d.cluster_id`,
      [second],
    );
    const pulled = renderedAt.rows
      .filter((r) => received.has(r.cluster_id))
      .map((r) => received.get(r.cluster_id)! - r.at.getTime())
      .sort((a, b) => a - b);
    const bundles = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bundles');
    const results = {
      clusters: CLUSTERS,
      revisionToAllHealthySeconds: Number(revisionToAllHealthySeconds.toFixed(3)),
      deliveryP50Ms: Number(median(latencies).toFixed(1)),
      deliveryP99Ms: Number(percentile(latencies, 99).toFixed(1)),
      deliveriesMeasured: latencies.length,
      desiredReceivedP50Ms: Number(median(pulled).toFixed(1)),
      desiredReceivedP99Ms: Number(percentile(pulled, 99).toFixed(1)),
      bundlesStored: bundles.rows[0]?.n ?? 0,
    };
    console.log(results);
    writeBenchResults('delivery', results);
  } finally {
    await fleet?.stop();
    await db.end();
    await Promise.all([hub.stop(), worker.stop()]);
    repo.remove();
  }
}

runBench('delivery', main);

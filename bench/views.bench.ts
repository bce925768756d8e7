// npm run bench -- views [--clusters 10000] [--applications 100000] [--tenants 4] [--days 7]
//                        [--iterations 100] [--reuse]
// The fleet-wide GraphQL views of a hub process over HTTP, on a fleet of --clusters clusters
// and --applications Applications with a week of history (bench/lib/fleet-history.ts): the
// events are inserted at their historical times, the read models built by the projections'
// runners. Times fleetSummary (without and with groupBy), a page of Degraded Applications,
// the ClusterRoles on prod clusters (resources), fleetSummary(asOf:) a day back, and
// application(id, asOf:) with cluster(id, asOf:) a day back; one
// request at a time, after a warm-up, once every read model the hub keeps is at the head of the
// log; each answer is checked against the history. --reuse skips seeding when the database
// holds this fleet (it is left in place after a run).
import { createPool, runMigrations } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { startHubProcess, userToken, type HubProcess } from '@flotilla/testing';
import { Client } from 'pg';
import { DAY_MS, fleetHistory, type FleetHistory, type FleetShape } from './lib/fleet-history';
import { median, percentile, runBench, writeBenchResults } from './lib/results';
import {
  buildReadModels,
  insertBesideEvents,
  insertEvents,
  untilProjectionsAtHead,
} from './lib/seed-history';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const next = process.argv[i + 1];
  const value = next !== undefined && !next.startsWith('--') ? next : 'true';
  args.set(process.argv[i]!, value);
  if (value === next) i++;
}
const arg = (name: string, fallback: number) => Number(args.get(`--${name}`) ?? fallback);
const CLUSTERS = arg('clusters', 10_000);
const APPLICATIONS = arg('applications', 100_000);
const TENANTS = arg('tenants', 4);
const DAYS = arg('days', 7);
const ITERATIONS = arg('iterations', 100);
const WARMUP = 5;
const CURRENT_GOAL_MS = 50;
const AS_OF_GOAL_MS = 500;

const server = (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla').replace(
  /\/[^/]*$/,
  '',
);
const dbName = 'flotilla_bench_views';
const url = `${server}/${dbName}`;
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${server}/postgres` });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

/**
 * What the database holds: how many events, and the moment its history ends (its first event
 * is a day before its start); null when there is no such database.
 */
async function seededLog(): Promise<{ end: number; events: number } | null> {
  const c = new Client({ connectionString: url });
  try {
    await c.connect();
    const { rows } = await c.query<{ first: Date | null; n: string }>(
      'SELECT min(recorded_at) AS first, count(*) AS n FROM events',
    );
    const first = rows[0]?.first;
    return first
      ? { end: first.getTime() + (DAYS + 1) * DAY_MS, events: Number(rows[0]?.n) }
      : null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A fresh database holding the history, with every view read model at the head of the log. */
async function seed(
  history: FleetHistory,
): Promise<{ seedSeconds: number; readModelSeconds: number }> {
  const started = Date.now();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const pool = createPool(url, { max: 8 });
  try {
    const registry = flotillaEventRegistry();
    await insertEvents(pool, registry, history);
    await insertBesideEvents(pool, history);
    const logSeconds = (Date.now() - started) / 1000;
    print(`log written in ${logSeconds.toFixed(1)} s; building the read models`);
    const built = Date.now();
    await buildReadModels(pool, new EventStore<FlotillaEvent>(pool, registry));
    const readModelSeconds = (Date.now() - built) / 1000;
    print(`read models built in ${readModelSeconds.toFixed(1)} s`);
    const vacuumed = Date.now();
    // A database that has run a while has been vacuumed and analysed by autovacuum.
    await pool.query('VACUUM ANALYZE');
    print(`VACUUM ANALYZE in ${seconds(vacuumed)}`);
    return {
      seedSeconds: round((Date.now() - started) / 1000),
      readModelSeconds: round(readModelSeconds),
    };
  } finally {
    await pool.end();
  }
}

const COUNTS = `clusters byConnectivity { connectivity count } byKubernetesMinor { version count }
  applications { total bySync { status count } byHealth { status count } }`;
const SUMMARY = `query($groupBy: String, $asOf: DateTime) { fleetSummary(groupBy: $groupBy, asOf: $asOf) {
  overall { ${COUNTS} } tenants { tenant ${COUNTS} } groups { value ${COUNTS} }
  applicationSets { tenant name applications { total bySync { status count } byHealth { status count } } } } }`;
const APPLICATIONS_PAGE = `query($health: HealthStatus) {
  applications(filter: { health: $health }, first: 50) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name tenant namespace repoURL targetRevision applicationSet { name }
      cluster { id name labels } delivery { commit renderedAt
        status { sync health message resourceCount observedAt problems { kind name health message } } } } } } }`;
const RESOURCES = `query($filter: ResourceFilter!) {
  resources(filter: $filter, first: 50) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { group version kind namespace name problem { health message }
      application { id name cluster { name } } } } } }`;
const APPLICATION_AS_OF = `application(id: $app, asOf: $asOf) { id name cluster { name labels }
  delivery { commit renderedAt status { sync health observedAt } } }`;
const CLUSTER_AS_OF = `cluster(id: $cluster, asOf: $asOf) { id name labels connectivity
  facts { kubernetesVersion nodeCount } }`;

type Counts = { total: number; byHealth: { status: string; count: number }[] };
type Summary = {
  overall: { clusters: number; applications: Counts };
  groups: { value: string | null; clusters: number }[] | null;
  applicationSets: unknown[];
};
type Page = { totalCount: number; edges: { node: Record<string, unknown> }[] };

function check(ok: boolean, what: string, got: unknown): void {
  if (!ok) throw new Error(`wrong answer: ${what} (got ${JSON.stringify(got).slice(0, 500)})`);
}

/** Times `request` (one at a time) after a warm-up; `request(i)` checks its own answer. */
async function time(
  label: string,
  request: (i: number) => Promise<void>,
  iterations = ITERATIONS,
): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await request(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await request(WARMUP + i);
    samples.push(performance.now() - started);
  }
  print(
    `${label.padEnd(48)} median ${median(samples).toFixed(1).padStart(7)} ms   ` +
      `p95 ${percentile(samples, 95).toFixed(1).padStart(7)} ms`,
  );
  return samples;
}

/** What a request needs: the hub, a token, what to expect, the moment a day back. */
interface Ask {
  hub: HubProcess;
  token: string;
  expect: FleetHistory['expect'];
  asOf: string;
}

/** fleetSummary (now, or `at`), checked against the history's counts. */
function summary({ hub, token, expect }: Ask, groupBy: string | null, at: string | null = null) {
  const health = (c: Counts, status: string) => c.byHealth.find((h) => h.status === status)?.count;
  const byHealth = at === null ? expect.byHealth : expect.byHealthDayBefore;
  return async () => {
    const s = (await hub.graphql<{ fleetSummary: Summary }>(token, SUMMARY, { groupBy, asOf: at }))
      .fleetSummary;
    check(
      s.overall.clusters === expect.clusters &&
        s.overall.applications.total === expect.applications &&
        health(s.overall.applications, 'Degraded') === byHealth['Degraded'] &&
        s.applicationSets.length === expect.applicationSets,
      'fleetSummary overall counts',
      s.overall,
    );
    if (groupBy !== null)
      check(
        s.groups?.some((g) => g.value === null) === true &&
          s.groups.reduce((n, g) => n + g.clusters, 0) === expect.clusters,
        'fleetSummary groups (clusters without the label as null)',
        s.groups,
      );
  };
}

/** A page of `field` (applications or resources), checked: a full page of `total`. */
function page({ hub, token }: Ask, field: string, query: string, vars: object, total: number) {
  return async () => {
    const answer = (await hub.graphql<Record<string, Page>>(token, query, { ...vars }))[field]!;
    check(
      answer.totalCount === total && answer.edges.length === 50,
      `${field}(${JSON.stringify(vars)}), ${total} in all`,
      answer.totalCount,
    );
  };
}

/**
 * application(asOf) and/or cluster(asOf) a day back, request `i` on the `i`th Application whose
 * health changed since and the `i`th cluster upgraded since, checked against the history.
 */
function past({ hub, token, expect, asOf }: Ask, fields: ('application' | 'cluster')[]) {
  const query =
    `query(${fields.includes('application') ? '$app: ID!, ' : ''}` +
    `${fields.includes('cluster') ? '$cluster: String!, ' : ''}$asOf: DateTime!) {` +
    `${fields.includes('application') ? APPLICATION_AS_OF : ''} ` +
    `${fields.includes('cluster') ? CLUSTER_AS_OF : ''} }`;
  return async (i: number) => {
    const app = expect.changedInLastDay[i % expect.changedInLastDay.length]!;
    const cluster = expect.upgradedInLastDay[i % expect.upgradedInLastDay.length]!;
    const answer = await hub.graphql<{
      application?: { delivery: { status: { health: string } } };
      cluster?: { facts: { kubernetesVersion: string } };
    }>(token, query, {
      asOf,
      ...(fields.includes('application') ? { app: app.applicationId } : {}),
      ...(fields.includes('cluster') ? { cluster: cluster.clusterId } : {}),
    });
    if (fields.includes('application'))
      check(
        answer.application?.delivery.status.health === app.healthThen,
        `application(asOf) health a day back (${app.healthThen})`,
        answer.application,
      );
    if (fields.includes('cluster'))
      check(
        answer.cluster?.facts.kubernetesVersion === cluster.versionThen,
        `cluster(asOf) version a day back (${cluster.versionThen})`,
        answer.cluster,
      );
  };
}

/** The views, each checked against the history: median and p95 of each, goals printed. */
async function measure(ask: Ask): Promise<Record<string, number | string>> {
  const { expect } = ask;
  console.log(
    `timing: ${WARMUP} warm-up requests, then ${ITERATIONS}, one at a time; goals: p95 < ` +
      `${CURRENT_GOAL_MS} ms (current state), < ${AS_OF_GOAL_MS} ms (asOf, ${ask.asOf})`,
  );
  const degraded = { health: 'Degraded' };
  const prodRoles = { filter: { kind: 'ClusterRole', selector: 'env=prod' } };
  const runs = {
    fleetSummary: await time('fleetSummary', summary(ask, null)),
    fleetSummaryGroupBy: await time('fleetSummary(groupBy: "region")', summary(ask, 'region')),
    applicationsPage: await time(
      'applications(health: Degraded, first: 50)',
      page(ask, 'applications', APPLICATIONS_PAGE, degraded, expect.byHealth['Degraded'] ?? 0),
    ),
    resources: await time(
      'resources(ClusterRole, env=prod, first: 50)',
      page(ask, 'resources', RESOURCES, prodRoles, expect.prodClusterRoles),
    ),
    // The asOf figure: fleetSummary one day back (computed from the log's history).
    asOf: await time('fleetSummary(asOf), a day back', summary(ask, null, ask.asOf)),
    applicationAsOf: await time(
      'application(asOf) + cluster(asOf), a day back',
      past(ask, ['application', 'cluster']),
    ),
    clusterAsOf: await time('  cluster(asOf) alone', past(ask, ['cluster'])),
  };
  const figures: Record<string, number | string> = {};
  for (const [key, samples] of Object.entries(runs)) {
    figures[`${key}P50Ms`] = round(median(samples));
    figures[`${key}P95Ms`] = round(percentile(samples, 95));
  }
  figures['asOfQuery'] =
    'fleetSummary(asOf) a day before the history ends; applicationAsOf*: application(id, asOf) ' +
    'and cluster(id, asOf) in one request';
  const goals = ['fleetSummary', 'fleetSummaryGroupBy', 'applicationsPage', 'resources', 'asOf'];
  for (const key of goals) {
    const goal = key === 'asOf' ? AS_OF_GOAL_MS : CURRENT_GOAL_MS;
    const p95 = figures[`${key}P95Ms`] as number;
    print(`${key}: p95 ${p95} ms, goal < ${goal} ms: ${p95 < goal ? 'met' : 'MISSED'}`);
  }
  return figures;
}

function print(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

async function main(): Promise<void> {
  const reused = args.has('--reuse') ? await seededLog() : null;
  const end = reused?.end ?? Date.now() - 60_000;
  const shape: FleetShape = {
    clusters: CLUSTERS,
    applications: APPLICATIONS,
    tenants: TENANTS,
    days: DAYS,
    end,
  };
  const planned = Date.now();
  const history = fleetHistory(shape);
  console.log(
    `views bench: ${dbName}, ${history.expect.clusters} clusters, ` +
      `${history.expect.applications} Applications in ${history.expect.applicationSets} ` +
      `ApplicationSets of ${history.tenants.length} tenants, ${DAYS} days of history ` +
      `(${history.events.length.toLocaleString('en')} events, planned in ${seconds(planned)})`,
  );
  let seeded: Record<string, number> = {};
  if (reused === null) seeded = await seed(history);
  else if (reused.events !== history.events.length)
    throw new Error(
      `--reuse: ${dbName} holds ${reused.events} events, not this fleet's ${history.events.length}; run without --reuse`,
    );
  else {
    print('--reuse: the database holds this fleet already; not seeding (migrating only)');
    await runMigrations(url);
  }

  const hub = await startHubProcess(url, { LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_SECONDS: '3600' });
  const pool = createPool(url, { max: 1 });
  try {
    await untilProjectionsAtHead(pool);
    if (reused !== null) {
      // A read model the hub has just rebuilt (a projection's new version) has no statistics
      // yet; autovacuum would gather them (and may be off on this server): as after seeding.
      const analysed = Date.now();
      await pool.query('VACUUM ANALYZE');
      print(`VACUUM ANALYZE in ${seconds(analysed)}`);
    }
    const token = await userToken('bench', ['flotilla:platform-admins']);
    const asOf = new Date(end - DAY_MS).toISOString();
    const figures = await measure({ hub, token, expect: history.expect, asOf });
    writeBenchResults('views', {
      clusters: history.expect.clusters,
      applications: history.expect.applications,
      events: history.events.length,
      ...seeded,
      iterations: ITERATIONS,
      ...figures,
    });
  } catch (error) {
    console.error(`--- hub output (last 3000 chars) ---\n${hub.output().slice(-3000)}`);
    throw error;
  } finally {
    await pool.end();
    await hub.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

runBench('views', main);

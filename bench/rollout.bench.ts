// npm run bench -- rollout [--clusters 2000] [--max-unavailable 50%] [--sweep-seconds N] [--trace]
// A progressive rollout across a simulated fleet: a hub and a worker as their own processes,
// --clusters kube-sim clusters (in a child process, simulated controllers make workloads Ready at
// once) with one real agent each in this process, as in the delivery bench. An ApplicationSet puts
// one Application on every cluster with a Progressive strategy of four steps and no bake time:
// canary 1%, early 10%, wide 40% (each a share of the targets the steps before it left), rest;
// the first two with maxUnavailable 100%, the last two with --max-unavailable (default 50%); no
// approval, no deadline. Its first rollout (a new ApplicationSet's renderings are held too) runs
// to the end; then a new commit is pushed and announced by webhook, and the rollout(s) that push
// starts are measured from the log:
//
// - total: the push (this process's clock at the webhook request) → the RolloutCompleted of the
//   last rollout the push started (its recorded_at; one machine, one clock).
// - the clusters' own time: along the critical path from the push to that completion, the sum
//   of the spans "release → report", each from the commit of a target's release (the last event
//   of the engine transaction that released it; agents cannot see it earlier) to the recording
//   of its cluster's first Synced and Healthy status at the new bundle (when the hub knows it).
//   The path is walked back from the completion: the completing tick, and a tick that starts a
//   step, waited for the latest report of the step before; a tick that refills a started step
//   (maxUnavailable < 100%) waited for the report that freed each released target's room (the
//   reports it judged Healthy, earliest first, matched to its releases in order); the first tick
//   of a later rollout waited for the rollout before it, and of the first, for the push. With
//   maxUnavailable 100% in every step this is "per step, first release → last report, summed".
// - overheadSeconds = total − the clusters' own time: rendering and holding the new commit, the
//   engine noticing each report (projections, trigger, coalescing, tick), every step start and
//   refill, and the completion. The render is not subtracted (it is its own line below).
// - eventsPerCluster: events appended from the push to that completion on rollout-* streams,
//   plus the ApplicationRendered the rollout engine released (actor system:rollouts), per
//   cluster. allEventsPerCluster counts every event of the span (status reports included).
//
// --sweep-seconds sets the worker's ROLLOUT_SWEEP_SECONDS (default: the worker's own, 10 s): a
// tick that no trigger queued waits for the sweep. --trace also samples the projections'
// checkpoints and reads the rollout jobs BullMQ keeps, and prints how long the ticks ran and, for
// each long engine span on the path, when the deliveries read model (which the engine reads) had
// the report the span waited for, and which ticks ran meanwhile.
//
// One file like every other benchmark: reading the rollout back from the log is most of it.
import { runMigrations } from '@flotilla/database';
import {
  announcePush,
  createTestRepository,
  E2E_JWT_SECRET,
  startHubProcess,
  startWorkerProcess,
  userToken,
  type HubProcess,
} from '@flotilla/testing';
import { DELIVERIES_TABLE, ROLLOUTS_TABLE } from '@flotilla/projections';
import Redis from 'ioredis';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createFleetToken, startFleet } from '../scripts/fleet';
import { benchDatabase } from './lib/bench-db';
import { median, percentile, runBench, writeBenchResults } from './lib/results';
import { createBenchTenant, webAppFiles, webAppSet } from './lib/web-app';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const CLUSTERS = Number(option('--clusters') ?? 2_000);
const MAX_UNAVAILABLE = option('--max-unavailable') ?? '50%';
const SWEEP_SECONDS = option('--sweep-seconds');
const TRACE = argv.includes('--trace');
const TIMEOUT_MS = 900_000;
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
const ROLLOUT_ACTOR = 'system:rollouts';

const dbName = 'flotilla_bench_rollout';
const { url, admin } = benchDatabase(dbName);
const files = webAppFiles;

const STEPS = [
  { name: 'canary', percent: 1, maxUnavailable: '100%' },
  { name: 'early', percent: 10, maxUnavailable: '100%' },
  { name: 'wide', percent: 40, maxUnavailable: MAX_UNAVAILABLE },
  { name: 'rest', maxUnavailable: MAX_UNAVAILABLE },
];
const STEPS_TEXT = STEPS.map(
  (s) => `${s.name} ${s.percent ? `${s.percent}%` : 'rest'} maxUnavailable ${s.maxUnavailable}`,
).join(', ');

const appSet = (repoURL: string) =>
  webAppSet(
    repoURL,
    `  strategy:
    type: Progressive
    progressive:
      steps:
${STEPS.map((s) => `        - ${JSON.stringify(s)}`).join('\n')}
`,
  );

const OVERHEAD_DEFINITION =
  'total = push → the last RolloutCompleted; minus the clusters’ own time = the spans "release ' +
  'committed → Synced and Healthy report recorded" along the critical path; render included';

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const secs = (ms: number) => Number((ms / 1000).toFixed(3));
const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    await sleep(50);
  }
}

/** About 6 open files per simulated cluster in this process (see delivery.bench.ts). */
const FDS_PER_CLUSTER = 6;

function checkOpenFileLimit(): void {
  let soft: number | undefined;
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    soft = Number(line?.split(/\s{2,}/)[1]);
  } catch {
    return;
  }
  if (Number.isFinite(soft) && CLUSTERS * FDS_PER_CLUSTER > soft! * 0.9)
    throw new Error(
      `${CLUSTERS} clusters need about ${CLUSTERS * FDS_PER_CLUSTER} open files, over this ` +
        `process's limit of ${soft}: raise it (ulimit -n) or run with fewer --clusters`,
    );
}

/**
 * Done when every cluster is Synced and Healthy at `commit`, nothing is held and the latest
 * rollout of the ApplicationSet is Completed; throws when one pauses (a target failed).
 */
function rolledOut(db: Client, setId: string, commit: string) {
  return async (): Promise<[boolean, string]> => {
    const d = await db.query<{ healthy: number; held: number }>(
      `SELECT count(*) FILTER (WHERE status_commit = $2 AND sync = 'Synced' AND health = 'Healthy')::int
                AS healthy,
              count(*) FILTER (WHERE staged IS NOT NULL)::int AS held
         FROM ${DELIVERIES_TABLE} WHERE application_set_id = $1 AND NOT deleted`,
      [setId, commit],
    );
    const r = await db.query<{
      status: string;
      current_step: number | null;
      healthy_count: number;
      target_count: number;
      pause_reason: string | null;
      n: number;
    }>(
      `SELECT status, current_step, healthy_count, target_count, pause_reason,
              count(*) OVER ()::int AS n
         FROM ${ROLLOUTS_TABLE} WHERE application_set_id = $1 ORDER BY started_at DESC LIMIT 1`,
      [setId],
    );
    const { healthy = 0, held = 0 } = d.rows[0] ?? {};
    const latest = r.rows[0];
    if (latest?.status === 'Paused')
      throw new Error(`the rollout paused: ${latest.pause_reason ?? 'no reason given'}`);
    const rollout = latest
      ? `rollout #${latest.n} ${latest.status}, step ${latest.current_step ?? '-'}/${STEPS.length}, ` +
        `${latest.healthy_count}/${latest.target_count} targets Healthy`
      : 'no rollout yet';
    const done = healthy >= CLUSTERS && held === 0 && latest?.status === 'Completed';
    return [done, `${healthy}/${CLUSTERS} Synced and Healthy, ${held} held; ${rollout}`];
  };
}

/** One transaction of the rollout engine that wrote to a measured rollout. */
interface Tick {
  rollout: string;
  /** First and last recorded_at of its events (the last one ≈ its commit), ms. */
  start: number;
  end: number;
  completed: boolean;
  stepsStarted: Set<number>;
  /** Per step: the targets it judged Healthy, and those it released, in event order. */
  healthy: Map<number, string[]>;
  released: Map<number, string[]>;
}

interface Target {
  applicationId: string;
  rollout: string;
  step: number;
  bundleId: string;
  releaseTick: Tick;
  releasePosition: number;
  /** Recorded_at (ms) and position of the cluster's first Synced and Healthy status at the bundle. */
  report: number;
  reportPosition: number;
}

interface Measured {
  rollouts: string[];
  ticks: Tick[];
  targets: Map<string, Target>;
  completion: Tick;
  completionPosition: number;
}

/** The rollouts started after `from` (a global position), their ticks, targets and reports. */
async function readRollouts(db: Client, setId: string, from: number): Promise<Measured> {
  const ids = (
    await db.query<{ stream_id: string }>(
      `SELECT stream_id FROM events WHERE type = 'RolloutStarted' AND global_position > $1
          AND data->>'applicationSetId' = $2 ORDER BY global_position`,
      [from, setId],
    )
  ).rows.map((r) => r.stream_id);
  // A tick's rollout events are one append (one correlationId) and its releases follow them
  // directly: the event store's append lock is held to the commit, so nothing lands between.
  // (xmin cannot group a transaction's rows: each append is a subtransaction.)
  const { rows } = await db.query<{
    pos: string;
    stream_id: string;
    type: string;
    data: { step: number; targets: { applicationId: string; rendering?: { bundleId: string } }[] };
    at: Date;
    append: string;
  }>(
    `SELECT global_position AS pos, stream_id, type,
            CASE WHEN stream_id LIKE 'rollout-%' THEN data END AS data,
            recorded_at AS at, metadata->>'correlationId' AS append
       FROM events WHERE global_position > $1
        AND (stream_id = ANY($2) OR (type = 'ApplicationRendered' AND actor = $3))
      ORDER BY global_position`,
    [from, ids, ROLLOUT_ACTOR],
  );
  const ticks = new Map<string, Tick>();
  const released = new Map<string, Omit<Target, 'report' | 'reportPosition'>>();
  let completion: { tick: Tick; position: number } | undefined;
  let current: { tick: Tick; last: number } | undefined;
  for (const r of rows) {
    const [at, pos] = [r.at.getTime(), Number(r.pos)];
    if (!r.stream_id.startsWith('rollout-')) {
      if (current && pos === current.last + 1) {
        current.last = pos;
        current.tick.end = Math.max(current.tick.end, at);
      }
      continue;
    }
    let tick = ticks.get(r.append);
    if (!tick) {
      tick = {
        rollout: r.stream_id,
        start: at,
        end: at,
        completed: false,
        stepsStarted: new Set(),
        healthy: new Map(),
        released: new Map(),
      };
      ticks.set(r.append, tick);
    }
    tick.end = Math.max(tick.end, at);
    current = { tick, last: pos };
    const add = (into: Map<number, string[]>) =>
      into.set(r.data.step, [
        ...(into.get(r.data.step) ?? []),
        ...r.data.targets.map((t) => t.applicationId),
      ]);
    if (r.type === 'RolloutStepStarted') tick.stepsStarted.add(r.data.step);
    if (r.type === 'RolloutTargetsHealthy') add(tick.healthy);
    if (r.type === 'RolloutCompleted') completion = { tick, position: pos };
    if (r.type === 'RolloutCompleted') tick.completed = true;
    if (r.type === 'RolloutTargetsFailed' || r.type === 'RolloutTargetsSkipped')
      throw new Error(`${r.type} in ${r.stream_id}: ${JSON.stringify(r.data)}`);
    if (r.type === 'RolloutTargetsUpdated') {
      add(tick.released);
      for (const t of r.data.targets)
        released.set(t.applicationId, {
          applicationId: t.applicationId,
          rollout: r.stream_id,
          step: r.data.step,
          bundleId: t.rendering!.bundleId,
          releaseTick: tick,
          releasePosition: pos,
        });
    }
  }
  if (!completion) throw new Error('no RolloutCompleted after the push');
  const reports = await db.query<{ stream_id: string; pos: string; at: Date; bundle: string }>(
    `SELECT stream_id, global_position AS pos, recorded_at AS at, data->>'bundleId' AS bundle
       FROM events WHERE type = 'ApplicationStatusChanged' AND global_position > $1
        AND data->>'sync' = 'Synced' AND data->>'health' = 'Healthy' ORDER BY global_position`,
    [from],
  );
  const targets = new Map<string, Target>();
  for (const r of reports.rows) {
    const id = r.stream_id.slice('delivery-'.length);
    const t = released.get(id);
    const pos = Number(r.pos);
    if (!t || targets.has(id) || r.bundle !== t.bundleId || pos < t.releasePosition) continue;
    targets.set(id, { ...t, report: r.at.getTime(), reportPosition: pos });
  }
  if (targets.size !== released.size)
    throw new Error(`${released.size - targets.size} released targets never reported Healthy`);
  return {
    rollouts: ids,
    ticks: [...ticks.values()].sort((a, b) => a.start - b.start),
    targets,
    completion: completion.tick,
    completionPosition: completion.position,
  };
}

interface Span {
  kind: 'cluster' | 'engine';
  label: string;
  from: number;
  to: number;
  /** The report an engine span waited for. */
  reportPosition?: number;
}

/**
 * The critical path from the push to the completion, oldest first, as alternating spans: the
 * engine's (from what a tick waited for to its commit) and a cluster's (release → report).
 */
function criticalPath(m: Measured, pushedAt: number): { path: Span[]; unexplained: number } {
  const path: Span[] = [];
  let unexplained = 0;
  const latestReport = (rollout: string, step: number | null) => {
    let best: [string, Target] | undefined;
    for (const e of m.targets)
      if (e[1].rollout === rollout && (step === null || e[1].step === step))
        if (!best || e[1].report > best[1].report) best = e;
    return best;
  };
  /** An engine span back to the tick before `tick` (of another rollout, if `other`). */
  const back = (tick: Tick, label: string, other: boolean): Tick | undefined => {
    const before = m.ticks.filter(
      (k) => k.end < tick.start && (!other || k.rollout !== tick.rollout),
    );
    const previous = before[before.length - 1];
    path.push({
      kind: 'engine',
      label: previous ? label : 'push → first release',
      from: previous?.end ?? pushedAt,
      to: tick.end,
    });
    return previous;
  };
  let tick: Tick | undefined = m.completion;
  let via: Target | undefined;
  while (tick) {
    const t = via;
    let gate: [string, Target] | undefined;
    let label = '';
    if (!t && tick.completed) {
      gate = latestReport(tick.rollout, null);
      label = 'last report → rollout completed';
    } else if (t && tick.stepsStarted.has(t.step) && t.step > 0) {
      gate = latestReport(tick.rollout, t.step - 1);
      label = 'step done → next step released';
    } else if (t && tick.stepsStarted.has(t.step)) {
      [tick, via] = [back(tick, 'previous rollout completed → next one released', true), undefined];
      continue;
    } else if (t) {
      const freed = (tick.healthy.get(t.step) ?? [])
        .map((id) => [id, m.targets.get(id)!] as [string, Target])
        .sort((a, b) => a[1].report - b[1].report);
      const index = (tick.released.get(t.step) ?? []).indexOf(t.applicationId);
      gate = freed[Math.min(Math.max(index, 0), freed.length - 1)];
      label = 'report → room refilled';
    }
    if (!gate) {
      // Nothing this tick judged explains it: everything back to the tick before is the engine's.
      unexplained++;
      [tick, via] = [back(tick, 'tick → tick (unexplained)', false), undefined];
      continue;
    }
    const target = gate[1];
    path.push({
      kind: 'engine',
      label,
      from: target.report,
      to: tick.end,
      reportPosition: target.reportPosition,
    });
    path.push({
      kind: 'cluster',
      label: `step ${target.step} release → report`,
      from: target.releaseTick.end,
      to: target.report,
    });
    [tick, via] = [target.releaseTick, target];
  }
  return { path: path.reverse(), unexplained };
}

/** Per rollout and step: targets, the gap before it, first release → last report. */
function stepLines(m: Measured, pushedAt: number): string[] {
  const lines: string[] = [];
  let previousEnd = pushedAt;
  for (const [r, rollout] of m.rollouts.entries()) {
    const byStep = new Map<number, Target[]>();
    for (const t of m.targets.values())
      if (t.rollout === rollout) byStep.set(t.step, [...(byStep.get(t.step) ?? []), t]);
    for (const [step, ts] of [...byStep.entries()].sort((a, b) => a[0] - b[0])) {
      const from = Math.min(...ts.map((t) => t.releaseTick.end));
      const to = Math.max(...ts.map((t) => t.report));
      const own = ts.map((t) => t.report - t.releaseTick.end);
      lines.push(
        `rollout ${r + 1} step ${step} ${STEPS[step]?.name}: ${ts.length} targets; gap before ` +
          `${secs(from - previousEnd)} s; first release → last report ${secs(to - from)} s ` +
          `(release → report p50 ${secs(median(own))} s, max ${secs(Math.max(...own))} s)`,
      );
      previousEnd = to;
    }
  }
  return lines;
}

/** --trace: the projections' checkpoints, sampled on a connection of its own. */
function sampleCheckpoints() {
  const samples: { at: number; pos: Map<string, number> }[] = [];
  let stopped = false;
  const db = new Client({ connectionString: url });
  const loop = (async () => {
    await db.connect();
    while (!stopped) {
      const { rows } = await db.query<{ name: string; position: string }>(
        'SELECT name, position FROM projection_checkpoints',
      );
      samples.push({ at: Date.now(), pos: new Map(rows.map((r) => [r.name, Number(r.position)])) });
      await sleep(10);
    }
    await db.end();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    /** The first sample (ms) showing projection `name` past `position`. */
    passed: (name: string, position: number) =>
      samples.find((s) => (s.pos.get(name) ?? 0) >= position)?.at ?? NaN,
  };
}

/** --trace: the rollout jobs of the ApplicationSet BullMQ still keeps (completed: one hour). */
async function rolloutJobs(setId: string) {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const jobs: { id: string; added: number; processed: number; finished: number; result: string }[] =
    [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*:bull:rollouts:rollout-*/${setId}/*`);
    cursor = next;
    for (const key of keys.filter((k) => /\/\d+$/.test(k))) {
      const h = await redis.hgetall(key);
      if (!h.timestamp) continue;
      jobs.push({
        id: key.slice(key.indexOf('rollout-')),
        added: Number(h.timestamp),
        processed: Number(h.processedOn),
        finished: Number(h.finishedOn),
        result: h.returnvalue ?? h.failedReason ?? '',
      });
    }
  } while (cursor !== '0');
  redis.disconnect();
  return jobs.sort((a, b) => a.processed - b.processed);
}

async function printTrace(
  path: Span[],
  pushedAt: number,
  checkpoints: ReturnType<typeof sampleCheckpoints>,
  setId: string,
): Promise<void> {
  const jobs = await rolloutJobs(setId);
  const rel = (ms: number) => `+${((ms - pushedAt) / 1000).toFixed(3)}`;
  const measured = jobs.filter((j) => j.processed >= pushedAt && j.finished <= path.at(-1)!.to);
  const ran = measured.map((j) => j.finished - j.processed);
  console.log(
    `\n  ${measured.length} rollout jobs ran from the push to the completion, ` +
      `${measured.filter((j) => j.result.includes('"appended":0')).length} of them appending ` +
      `nothing; each ran p50 ${median(ran)} ms, p90 ${percentile(ran, 90)} ms, max ${Math.max(...ran)} ms`,
  );
  console.log('\n  trace (times after the push; checkpoints sampled every ~10 ms):');
  for (const s of path.filter((x) => x.kind === 'engine' && x.to - x.from > 300)) {
    console.log(`    ${s.label}: ${secs(s.to - s.from)} s, ${rel(s.from)} → ${rel(s.to)}`);
    if (s.reportPosition !== undefined)
      console.log(
        `      the report (position ${s.reportPosition}) in the deliveries read model ` +
          `${rel(checkpoints.passed('deliveries', s.reportPosition))}`,
      );
    for (const j of jobs.filter((x) => x.processed >= s.from - 500 && x.processed <= s.to + 100))
      console.log(
        `      ${j.id.replace(setId, '…')}: added ${rel(j.added)}, ran ${rel(j.processed)}–${rel(j.finished)} ${j.result}`,
      );
  }
}

/** Events of the span by type, the rollout's own and all of them. */
async function countEvents(db: Client, from: number, to: number) {
  const { rows } = await db.query<{ type: string; rollout: boolean; released: boolean; n: number }>(
    `SELECT type, stream_id LIKE 'rollout-%' AS rollout,
            (type = 'ApplicationRendered' AND actor = $3) AS released, count(*)::int AS n
       FROM events WHERE global_position > $1 AND global_position <= $2 GROUP BY 1, 2, 3
      ORDER BY n DESC`,
    [from, to, ROLLOUT_ACTOR],
  );
  return {
    rows,
    rollout: sum(rows.filter((r) => r.rollout).map((r) => r.n)),
    released: sum(rows.filter((r) => r.released).map((r) => r.n)),
    all: sum(rows.map((r) => r.n)),
  };
}

function webhook(hub: HubProcess, repoURL: string, commit: string): Promise<void> {
  return announcePush(hub.url, WEBHOOK_SECRET, repoURL, commit);
}

/** A tenant, the fleet registered, and the ApplicationSet with its first rollout done. */
async function prepare(hub: HubProcess, db: Client, repoURL: string, first: string) {
  const root = await userToken('root', ['flotilla:platform-admins']);
  await createBenchTenant(hub, root);
  const token = await createFleetToken(hub.url, E2E_JWT_SECRET, 'bench', CLUSTERS);
  const joined = Date.now();
  const fleet = await startFleet({
    hubUrl: hub.url,
    token,
    clusters: CLUSTERS,
    simulatorProcess: true,
    log: () => undefined,
  });
  try {
    await until('registering', async () => {
      const s = fleet.stats();
      return [s.registered >= CLUSTERS, `${s.registered}/${CLUSTERS}`];
    });
    console.log(`  ${CLUSTERS} agents registered in ${elapsed(joined)}`);
    const created = await hub.graphql<{ createApplicationSet: { id: string } }>(
      root,
      'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
      { tenant: 'bench', manifest: appSet(repoURL) },
    );
    const setId = created.createApplicationSet.id;
    const createdAt = Date.now();
    await until('first rollout', rolledOut(db, setId, first));
    console.log(`  first rollout (the new ApplicationSet) done in ${elapsed(createdAt)}`);
    return { fleet, setId };
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}

async function measure(
  hub: HubProcess,
  db: Client,
  repo: ReturnType<typeof createTestRepository>,
  setId: string,
) {
  const second = repo.commit(files('2'), 'version 2');
  const head = await db.query<{ p: string | null }>('SELECT max(global_position) AS p FROM events');
  const from = Number(head.rows[0]?.p ?? 0);
  const checkpoints = TRACE ? sampleCheckpoints() : undefined;
  const load = loadavg()[0]!;
  const pushedAt = Date.now();
  await webhook(hub, repo.url, second);
  await until('second rollout', rolledOut(db, setId, second));
  const seenAt = Date.now();
  await checkpoints?.stop();
  console.log(`  ${ROLLOUTS_TABLE} shows it Completed ${elapsed(pushedAt)} after the push`);

  const m = await readRollouts(db, setId, from);
  const { path, unexplained } = criticalPath(m, pushedAt);
  const totalMs = m.completion.end - pushedAt;
  const clusterMs = sum(path.filter((s) => s.kind === 'cluster').map((s) => s.to - s.from));
  const engine = new Map<string, number>();
  for (const s of path.filter((x) => x.kind === 'engine'))
    engine.set(s.label, (engine.get(s.label) ?? 0) + s.to - s.from);
  const staged = await db.query<{ last: Date | null }>(
    `SELECT max(recorded_at) AS last FROM events WHERE type = 'ApplicationRenderStaged'
        AND global_position > $1`,
    [from],
  );
  const renderMs = (staged.rows[0]?.last?.getTime() ?? pushedAt) - pushedAt;
  const events = await countEvents(db, from, m.completionPosition);
  const own = [...m.targets.values()].map((t) => t.report - t.releaseTick.end);

  console.log(`\n  critical path (${path.length} spans, ${unexplained} ticks unexplained):`);
  const shown = path.length > 30 ? [...path.slice(0, 15), null, ...path.slice(-15)] : path;
  for (const s of shown)
    console.log(s ? `    ${s.kind.padEnd(7)} ${(s.to - s.from) / 1000} s  ${s.label}` : '    …');
  console.log('\n  per step:');
  for (const line of stepLines(m, pushedAt)) console.log(`    ${line}`);
  console.log('\n  overhead on the critical path, by kind:');
  for (const [label, ms] of engine) console.log(`    ${secs(ms)} s  ${label}`);
  console.log(`    (the push → the last rendering held: ${secs(renderMs)} s)`);
  console.log(
    `\n  events from the push to the completion (${m.ticks.length} engine transactions):`,
  );
  for (const r of events.rows)
    console.log(
      `    ${String(r.n).padStart(7)}  ${r.type}${r.rollout ? ' (rollout stream)' : ''}${r.released ? ' (released by the rollout)' : ''}`,
    );
  if (checkpoints) await printTrace(path, pushedAt, checkpoints, setId);
  console.log(`\n  overheadSeconds = totalSeconds − clustersOwnSeconds: ${OVERHEAD_DEFINITION}`);
  return {
    clusters: CLUSTERS,
    steps: STEPS_TEXT,
    rollouts: m.rollouts.length,
    overheadSeconds: secs(totalMs - clusterMs),
    overheadDefinition: OVERHEAD_DEFINITION,
    eventsPerCluster: Number(((events.rollout + events.released) / CLUSTERS).toFixed(2)),
    totalSeconds: secs(totalMs),
    clustersOwnSeconds: secs(clusterMs),
    longestEngineSpanSeconds: secs(
      Math.max(...path.filter((s) => s.kind === 'engine').map((s) => s.to - s.from)),
    ),
    renderHeldSeconds: secs(renderMs),
    releaseToReportP50Seconds: secs(median(own)),
    releaseToReportP99Seconds: secs(percentile(own, 99)),
    readModelCompletedSeconds: secs(seenAt - pushedAt),
    rolloutEvents: events.rollout,
    releasedRenderings: events.released,
    allEventsPerCluster: Number((events.all / CLUSTERS).toFixed(2)),
    engineTransactions: m.ticks.length,
    sweepSeconds: Number(SWEEP_SECONDS ?? 10),
    loadAverageAtPush: Number(load.toFixed(2)),
  };
}

async function main(): Promise<void> {
  console.log(
    `rollout bench: ${CLUSTERS} clusters; ${STEPS_TEXT}; no bake, no approval; rollout sweep ` +
      `every ${SWEEP_SECONDS ?? "10 (the worker's default)"} s`,
  );
  checkOpenFileLimit();
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
    ...(SWEEP_SECONDS ? { ROLLOUT_SWEEP_SECONDS: SWEEP_SECONDS } : {}),
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
    const prepared = await prepare(hub, db, repo.url, first);
    fleet = prepared.fleet;
    const results = await measure(hub, db, repo, prepared.setId);
    const logs = join(tmpdir(), 'flotilla-rollout-bench');
    writeFileSync(`${logs}-worker.log`, worker.output());
    writeFileSync(`${logs}-hub.log`, hub.output());
    console.log(`  worker and hub output: ${logs}-worker.log, ${logs}-hub.log`);
    writeBenchResults('rollout', results);
  } finally {
    await fleet?.stop();
    await db.end();
    await Promise.all([hub.stop(), worker.stop()]);
    repo.remove();
  }
}

runBench('rollout', main);

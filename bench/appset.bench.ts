// npm run bench -- appset [--clusters 10000] [--elements 3]
// An ApplicationSet with a cluster generator over --clusters simulated clusters, in a matrix with
// a list of --elements (10,000 × 3 = 30,000 Applications). A hub process takes the GraphQL calls;
// worker processes generate. Measures: createApplicationSet until every Application exists, with
// one and with two workers; a regeneration with nothing changed (time and events appended); a
// label change on 100 clusters until it shows on their Applications.
import { createPool, runMigrations } from '@flotilla/database';
import { EventStore } from '@flotilla/event-store';
import { clusterStream, flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import {
  startHubProcess,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubProcess,
} from '@flotilla/testing';
import {
  countRows as count,
  REGIONS,
  seedBenchClusters,
  timeGeneration,
  waitFor,
} from './lib/appset-generation';
import { benchDatabase } from './lib/bench-db';
import { writeBenchResults } from './lib/results';

const args = new Map<string, string>();
for (let i = 3; i < process.argv.length; i += 2) args.set(process.argv[i - 1]!, process.argv[i]!);
const CLUSTERS = Number(args.get('--clusters') ?? 10_000);
const ELEMENTS = Number(args.get('--elements') ?? 3);
const LABEL_CHANGES = 100;

const dbName = 'flotilla_bench_appset';
const { url, admin } = benchDatabase(dbName);

async function main(): Promise<void> {
  const expected = CLUSTERS * ELEMENTS;
  console.log(
    `appset bench: fresh database ${dbName}, ${CLUSTERS} clusters × ${ELEMENTS} elements = ${expected} Applications`,
  );
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${dbName}`);
  await runMigrations(url);
  const pool = createPool(url, { max: 4 });
  const store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
  const clusterIds = await seedBenchClusters(pool, store, CLUSTERS);

  const processes: AppProcess[] = [];
  // Agent clusters that never heartbeat: a long interval keeps the sweep from turning them Stale
  // (and appending connectivity events) while the bench runs.
  const env = { LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_SECONDS: '3600' };
  let hub: HubProcess | undefined;
  try {
    hub = await startHubProcess(url, env);
    processes.push(hub);
    processes.push(await startWorkerProcess(url, { ...env, LOG_LEVEL: 'info' }));
    const root = await userToken('bench', ['flotilla:platform-admins']);
    const create = (name: string) => timeGeneration(hub!, pool, root, name, ELEMENTS, expected);

    console.log('one worker:');
    const one = await create('bench-one');
    console.log('two workers:');
    processes.push(await startWorkerProcess(url, { ...env, LOG_LEVEL: 'info' }));
    const two = await create('bench-two');

    // A regeneration with nothing changed: a label no template reads changes on one cluster.
    const head = async () =>
      BigInt(
        (await pool.query<{ p: string }>('SELECT max(global_position) AS p FROM events')).rows[0]!
          .p,
      );
    const generated = (id: string) =>
      pool
        .query<{ requested: string; generated: string }>(
          'SELECT requested, generated FROM appset_generation_requests WHERE application_set_id = $1',
          [id],
        )
        .then((r) => r.rows[0]);
    const before = await generated(one.id);
    const quietFrom = await head();
    const startedQuiet = performance.now();
    await store.append(
      clusterStream(clusterIds[0]!),
      'any',
      [
        {
          type: 'ClusterLabelsChanged',
          data: { labels: { bench: 'true', region: REGIONS[0]!, tier: 'gold', note: 'x' } },
        },
      ],
      { actor: 'bench', tenantId: 'bench' },
    );
    await waitFor('quiet regeneration', async () => {
      const row = await generated(one.id);
      return (
        !!row &&
        !!before &&
        BigInt(row.generated) > BigInt(before.generated) &&
        row.generated === row.requested
      );
    });
    const regenerateSeconds = (performance.now() - startedQuiet) / 1000;
    const regenerateEvents = await count(
      pool,
      `SELECT count(*) AS n FROM events WHERE global_position > $1 AND stream_id NOT LIKE 'cluster-%'
         AND (data->>'applicationSetId' = $2 OR stream_id = $3)`,
      [quietFrom.toString(), one.id, `applicationset-${one.id}`],
    );
    console.log(
      `  regeneration with nothing changed: ${regenerateSeconds.toFixed(2)} s, ${regenerateEvents} events`,
    );

    // A label the template reads (tier) changes on 100 clusters.
    const startedLabels = performance.now();
    for (const id of clusterIds.slice(1, 1 + LABEL_CHANGES)) {
      await store.append(
        clusterStream(id),
        'any',
        [
          {
            type: 'ClusterLabelsChanged',
            data: { labels: { bench: 'true', region: REGIONS[0]!, tier: 'silver' } },
          },
        ],
        { actor: 'bench', tenantId: 'bench' },
      );
    }
    const appendedSeconds = (performance.now() - startedLabels) / 1000;
    console.log(
      `  (the ${LABEL_CHANGES} label changes were appended in ${appendedSeconds.toFixed(2)} s)`,
    );
    await waitFor('label change', async () => {
      const n = await count(
        pool,
        `SELECT count(*) AS n FROM applications_v1 WHERE metadata->'labels'->>'tier' = 'silver'`,
        [],
      );
      return n >= LABEL_CHANGES * ELEMENTS * 2;
    });
    const labelChangeSeconds = (performance.now() - startedLabels) / 1000;
    console.log(
      `  label change on ${LABEL_CHANGES} clusters effective in ${labelChangeSeconds.toFixed(2)} s`,
    );

    if (args.has('--verbose'))
      for (const p of processes.slice(1))
        for (const line of p.output().split('\n'))
          if (line.includes('generation')) console.log(`  ${p.name}: ${line}`);
    writeBenchResults('appset', {
      clusters: CLUSTERS,
      applications: expected,
      generate30kSeconds1Worker: Number(one.seconds.toFixed(2)),
      generate30kSeconds2Workers: Number(two.seconds.toFixed(2)),
      noChangeRegenSeconds: Number(regenerateSeconds.toFixed(2)),
      noChangeRegenEvents: regenerateEvents,
      labelChangeSeconds: Number(labelChangeSeconds.toFixed(2)),
    });
  } catch (error) {
    for (const p of processes)
      console.error(`--- ${p.name} output (last 3000 chars) ---\n${p.output().slice(-3000)}`);
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await pool.end();
  }
}

main().catch((error: Error) => {
  console.error(`appset bench failed: ${error.message}`);
  process.exit(1);
});

// npm run bench -- appset [--clusters 10000] [--elements 3]
// An ApplicationSet with a cluster generator over --clusters simulated clusters, in a matrix with
// a list of --elements (10,000 × 3 = 30,000 Applications). A hub process takes the GraphQL calls;
// worker processes generate. Measures: createApplicationSet until every Application exists, with
// one and with two workers; a regeneration with nothing changed (time and events appended); a
// label change on 100 clusters until it shows on their Applications.
import { createPool, runMigrations } from '@flotilla/database';
import { parseTenantSpec } from '@flotilla/domain';
import { EventStore } from '@flotilla/event-store';
import { clusterStream, flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { createHash, randomUUID } from 'node:crypto';
import { Client, type Pool } from 'pg';
import {
  startHubProcess,
  startWorkerProcess,
  userToken,
  type AppProcess,
  type HubProcess,
} from '@flotilla/testing';
import { writeBenchResults } from './lib/results';

const args = new Map<string, string>();
for (let i = 3; i < process.argv.length; i += 2) args.set(process.argv[i - 1]!, process.argv[i]!);
const CLUSTERS = Number(args.get('--clusters') ?? 10_000);
const ELEMENTS = Number(args.get('--elements') ?? 3);
const LABEL_CHANGES = 100;
const TIMEOUT_MS = 600_000;

const server = (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla').replace(
  /\/[^/]*$/,
  '',
);
const dbName = 'flotilla_bench_appset';
const url = `${server}/${dbName}`;
const FACTS = {
  kubernetesVersion: 'v1.30.1',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: '0.1.0',
};
const REGIONS = ['eu-west', 'us-east', 'ap-south'];

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${server}/postgres` });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

const manifest = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchLabels:
                  bench: "true"
          - list:
              elements:
${Array.from({ length: ELEMENTS }, (_, i) => `                - component: part-${i}`).join('\n')}
  template:
    metadata:
      name: '{{.name}}-{{.component}}'
      labels:
        tier: '{{index .metadata.labels "tier"}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/bench/apps
        targetRevision: main
        path: '{{.component}}'
      destination:
        server: '{{.server}}'
        namespace: '{{.component}}'
`;

/** Registers the simulated clusters as the hub would (one event each), in large transactions. */
async function seed(pool: Pool, store: EventStore<FlotillaEvent>): Promise<string[]> {
  await store.append(
    'tenant-bench',
    'no_stream',
    [
      {
        type: 'TenantCreated',
        data: {
          spec: parseTenantSpec({
            name: 'bench',
            sourceRepos: ['https://github.com/bench/*'],
            destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
            roles: [{ name: 'admin', groups: ['bench-admins'] }],
          }),
        },
      },
    ],
    { actor: 'bench', tenantId: 'bench' },
  );
  const ids: string[] = [];
  for (let start = 0; start < CLUSTERS; start += 1000) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = start; i < Math.min(CLUSTERS, start + 1000); i++) {
        const id = randomUUID();
        ids.push(id);
        await store.append(
          clusterStream(id),
          'no_stream',
          [
            {
              type: 'ClusterRegistered',
              data: {
                tenant: 'bench',
                name: `c-${String(i).padStart(5, '0')}`,
                mode: 'agent',
                labels: { bench: 'true', region: REGIONS[i % 3]!, tier: 'gold' },
                facts: FACTS,
                credentialHash: createHash('sha256').update(id).digest('hex'),
                credentialExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
              },
            },
          ],
          { actor: 'bench', tenantId: 'bench' },
          { client },
        );
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    process.stdout.write(`  seeded ${Math.min(CLUSTERS, start + 1000)}/${CLUSTERS} clusters\n`);
  }
  return ids;
}

async function waitFor(label: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  let dots = 0;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${label}: not done within ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
    if (++dots % 25 === 0) process.stdout.write('.');
  }
  if (dots >= 25) process.stdout.write('\n');
}

const count = async (pool: Pool, sql: string, params: unknown[]) =>
  Number((await pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

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
  const clusterIds = await seed(pool, store);

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
    const apps = (setId: string) =>
      count(pool, 'SELECT count(*) AS n FROM applications_v1 WHERE application_set_id = $1', [
        setId,
      ]);

    const create = async (name: string): Promise<{ id: string; seconds: number }> => {
      const started = performance.now();
      const res = await hub!.graphql<{ createApplicationSet: { id: string } }>(
        root,
        'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
        { tenant: 'bench', manifest: manifest(name) },
      );
      const id = res.createApplicationSet.id;
      await waitFor(`${name}: ${expected} Applications`, async () => (await apps(id)) >= expected);
      const seconds = (performance.now() - started) / 1000;
      console.log(`  ${name}: ${expected} Applications in ${seconds.toFixed(2)} s`);
      return { id, seconds };
    };

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

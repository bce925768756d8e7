// The ApplicationSet benchmark's parts (bench/appset.bench.ts, bench/scale.bench.ts): simulated
// clusters registered straight into the log, the bench ApplicationSet (a cluster generator in a
// matrix with a list), and createApplicationSet timed until every Application exists.
import { parseTenantSpec } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { clusterStream, type FlotillaEvent } from '@flotilla/projections';
import type { HubProcess } from '@flotilla/testing';
import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

const FACTS = {
  kubernetesVersion: 'v1.30.1',
  nodeCount: 3,
  allocatableCpuMillicores: 12_000,
  allocatableMemoryBytes: 48 * 1024 ** 3,
  agentVersion: '0.1.0',
};
/** The regions the seeded clusters are labelled with, in turn. */
export const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const TIMEOUT_MS = 600_000;

/** The bench ApplicationSet: every `bench: "true"` cluster × `elements` list entries. */
export function benchAppSetManifest(name: string, elements: number): string {
  return `apiVersion: argoproj.io/v1alpha1
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
${Array.from({ length: elements }, (_, i) => `                - component: part-${i}`).join('\n')}
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
}

/**
 * The `bench` tenant and `clusters` agent clusters registered as the hub would (one event each),
 * in transactions of 1,000; answers the cluster ids.
 */
export async function seedBenchClusters(
  pool: Pool,
  store: EventStore<FlotillaEvent>,
  clusters: number,
): Promise<string[]> {
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
  for (let start = 0; start < clusters; start += 1000) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = start; i < Math.min(clusters, start + 1000); i++) {
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
    process.stdout.write(`  seeded ${Math.min(clusters, start + 1000)}/${clusters} clusters\n`);
  }
  return ids;
}

/** Polls `check` every 200 ms (a dot every 5 s) until it holds; fails after 10 minutes. */
export async function waitFor(label: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  let dots = 0;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${label}: not done within ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
    if (++dots % 25 === 0) process.stdout.write('.');
  }
  if (dots >= 25) process.stdout.write('\n');
}

/** A count query's `n`. */
export const countRows = async (pool: Pool, sql: string, params: unknown[]) =>
  Number((await pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

/**
 * Creates the bench ApplicationSet `name` through `hub` as `token` and waits until its
 * `expected` Applications are in the read model: the id and the seconds from the call.
 */
export async function timeGeneration(
  hub: HubProcess,
  pool: Pool,
  token: string,
  name: string,
  elements: number,
  expected: number,
): Promise<{ id: string; seconds: number }> {
  const started = performance.now();
  const res = await hub.graphql<{ createApplicationSet: { id: string } }>(
    token,
    'mutation($tenant: String!, $manifest: String!) { createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }',
    { tenant: 'bench', manifest: benchAppSetManifest(name, elements) },
  );
  const id = res.createApplicationSet.id;
  await waitFor(
    `${name}: ${expected} Applications`,
    async () =>
      (await countRows(
        pool,
        'SELECT count(*) AS n FROM applications_v1 WHERE application_set_id = $1',
        [id],
      )) >= expected,
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`  ${name}: ${expected} Applications in ${seconds.toFixed(2)} s`);
  return { id, seconds };
}

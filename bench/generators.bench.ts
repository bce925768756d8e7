// `npm run bench -- generators`: Applications per second for the list (10,000 elements), cluster
// (10,000 clusters) and matrix (100 × 100) generators in both template modes, and the CLI's
// start-up cost (`flotilla appset generate` on a 1,000-element list vs the same in-process).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  generateApplications,
  readApplicationSet,
  type ClusterRecord,
  type GenerationInputs,
} from '@flotilla/generators';
import { median, writeBenchResults } from './lib/results';

const RUNS = 5;

function manifest(
  goTemplate: boolean,
  generators: unknown[],
  appKey = 'app',
): Record<string, unknown> {
  const p = (key: string): string => {
    const k = key === 'app' ? appKey : key;
    return goTemplate ? `{{.${k}}}` : `{{${k}}}`;
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'bench', namespace: 'argocd' },
    spec: {
      goTemplate,
      goTemplateOptions: goTemplate ? ['missingkey=error'] : [],
      generators,
      template: {
        metadata: {
          name: `${p('app')}-${p('name')}`,
          labels: { app: p('app'), cluster: p('name') },
          annotations: { team: 'platform' },
        },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://github.com/example/apps.git',
            targetRevision: 'HEAD',
            path: `apps/${p('app')}/overlays/${p('name')}`,
          },
          destination: { server: p('server'), namespace: p('app') },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=true'],
          },
        },
      },
    },
  };
}

const N = 10_000;
const clusters: ClusterRecord[] = Array.from({ length: N }, (_, i) => ({
  name: `cluster-${i}`,
  server: `https://cluster-${i}.example.com`,
  labels: { env: i % 2 ? 'prod' : 'staging', region: `r${i % 7}` },
}));
const listElements = (n: number) =>
  clusters.slice(0, n).map((c) => ({ app: 'guestbook', name: c.name, server: c.server }));

interface Case {
  key: string;
  goTemplate: boolean;
  generators: unknown[];
  inputs: GenerationInputs;
  expected: number;
  appKey?: string;
}

const cases: Case[] = [];
for (const goTemplate of [false, true]) {
  const mode = goTemplate ? 'Go' : 'Fast';
  cases.push({
    key: `list${mode}PerSec`,
    goTemplate,
    generators: [{ list: { elements: listElements(N) } }],
    inputs: { clusters },
    expected: N,
  });
  cases.push({
    key: `cluster${mode}PerSec`,
    goTemplate,
    generators: [{ clusters: { values: { app: 'guestbook' } } }],
    inputs: { clusters, localCluster: false },
    expected: N,
    appKey: 'values.app',
  });
  const rows = clusters.slice(0, 100).map((c) => ({ name: c.name, server: c.server }));
  const cols = Array.from({ length: 100 }, (_, i) => ({ app: `app-${i}` }));
  cases.push({
    key: `matrix${mode}PerSec`,
    goTemplate,
    generators: [
      { matrix: { generators: [{ list: { elements: rows } }, { list: { elements: cols } }] } },
    ],
    inputs: { clusters },
    expected: 100 * 100,
  });
}

async function measure(c: Case): Promise<number> {
  const rates: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const appSet = readApplicationSet(manifest(c.goTemplate, c.generators, c.appKey));
    const start = performance.now();
    const result = await generateApplications(appSet, c.inputs);
    const seconds = (performance.now() - start) / 1000;
    if (result.error || result.applications.length !== c.expected) {
      throw new Error(
        `${c.key}: expected ${c.expected} Applications, got ${result.applications.length} (${result.error ?? result.validationErrors[0]?.message})`,
      );
    }
    if (run > 0) rates.push(c.expected / seconds); // the first run warms the JIT up
  }
  return Math.round(median(rates));
}

async function cliStartup(): Promise<{ cliSeconds: number; inProcessSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  try {
    const doc = manifest(true, [{ list: { elements: listElements(1000) } }]);
    const file = join(dir, 'appset.json');
    const clusterFile = join(dir, 'clusters.json');
    writeFileSync(file, JSON.stringify(doc));
    writeFileSync(clusterFile, JSON.stringify(clusters.slice(0, 1000)));
    const built = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
    const args = ['appset', 'generate', '-f', file, '--clusters', clusterFile, '-o', 'json'];
    // The built CLI when `npm run build` has run; otherwise the TypeScript through swc (slower).
    const command = existsSync(built)
      ? [join(__dirname, '..', 'bin', 'flotilla.js'), ...args]
      : [
          '-r',
          '@swc-node/register',
          join(__dirname, '..', 'apps', 'cli', 'src', 'main.ts'),
          ...args,
        ];
    console.log(
      `cli: ${existsSync(built) ? 'built (bin/flotilla.js)' : 'TypeScript via @swc-node/register (run npm run build for the built CLI)'}`,
    );
    const cli: number[] = [];
    const inProcess: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let start = performance.now();
      const out = execFileSync(process.execPath, command, {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      cli.push((performance.now() - start) / 1000);
      if ((JSON.parse(out) as unknown[]).length !== 1000)
        throw new Error('cli: expected 1000 Applications');
      start = performance.now();
      const result = await generateApplications(readApplicationSet(doc), {
        clusters: clusters.slice(0, 1000),
      });
      JSON.stringify(result.applications, null, 2);
      inProcess.push((performance.now() - start) / 1000);
    }
    return {
      cliSeconds: Number(median(cli).toFixed(3)),
      inProcessSeconds: Number(median(inProcess).toFixed(4)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const figures: Record<string, number> = {};
  for (const c of cases) {
    figures[c.key] = await measure(c);
    console.log(`${c.key.padEnd(20)} ${figures[c.key]} Applications/s`);
  }
  Object.assign(figures, await cliStartup());
  writeBenchResults('generators', figures);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// `npm run bench -- NAME`: runs bench/NAME.bench.ts (TypeScript through @swc-node/register),
// which prints its figures and writes bench/results/NAME.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const name = process.argv[2];
const available = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
if (!existsSync('node_modules')) {
  console.error('bench: dependencies are missing; run `npm ci` first.');
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  [
    '--max-old-space-size=8192',
    '-r',
    '@swc-node/register',
    '-r',
    'reflect-metadata',
    `bench/${name}.bench.ts`,
    ...process.argv.slice(3),
  ],
  { stdio: 'inherit', env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.json' } },
);
process.exit(result.status ?? 1);

// `npm run fleet -- --clusters N [--hub URL] [--token TOKEN] [--tenant T] [--prefix P]`: a
// simulated fleet in one process (scripts/fleet.ts through @swc-node/register): N kube-sim
// clusters, each with its own in-process agent registered with the hub.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules')) {
  console.error('fleet: dependencies are missing; run `npm ci` first.');
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['-r', '@swc-node/register', 'scripts/fleet.ts', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.json' } },
);
process.exit(result.status ?? 1);

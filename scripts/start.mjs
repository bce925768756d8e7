// The container's entry point: `node scripts/start.mjs APP [ARGS...]` runs the built app
// dist/apps/APP/src/main.js with ARGS (`docker run IMAGE cli appset generate ...`).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APPS = ['hub', 'worker', 'agent', 'cli'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = process.argv[2];

if (!APPS.includes(app)) {
  console.error(`usage: start.mjs APP [ARGS...]   where APP is one of: ${APPS.join(', ')}`);
  console.error(app === undefined ? 'no app given' : `unknown app: ${app}`);
  process.exit(2);
}
const main = join(root, 'dist', 'apps', app, 'src', 'main.js');
if (!existsSync(main)) {
  console.error(`start: ${main} does not exist; build first (npm run build)`);
  process.exit(2);
}
// The app parses process.argv itself: make it look as if main.js had been run directly.
process.argv.splice(1, 2, main);
createRequire(import.meta.url)(main);

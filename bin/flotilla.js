#!/usr/bin/env node
// The `flotilla` CLI entry point: runs the built CLI (npm ci && npm run build first).
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(
    'flotilla: the CLI is not built yet; run `npm ci && npm run build` in the repository first.\n',
  );
  process.exit(2);
}
require(main);

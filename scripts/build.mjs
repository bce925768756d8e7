// Builds every app and library into dist/ with tsc, then rewrites the @flotilla/* path
// aliases to relative paths (tsc-alias) so the built apps run under plain `node`.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const run = (bin, args) => execFileSync(`node_modules/.bin/${bin}`, args, { stdio: 'inherit' });
console.log('build: cleaning dist/');
rmSync('dist', { recursive: true, force: true });
console.log('build: compiling (tsc -p tsconfig.build.json)');
run('tsc', ['-p', 'tsconfig.build.json']);
console.log('build: resolving path aliases (tsc-alias)');
run('tsc-alias', ['-p', 'tsconfig.build.json']);
console.log('build: done, apps are in dist/apps/*/src/main.js');

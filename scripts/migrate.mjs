// `npm run migrate`: creates the database named in DATABASE_URL when it does not exist, then applies
// the pending migrations, through the built code when dist/ has it (as in the container image),
// else straight from the TypeScript sources.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla';

/** CREATE DATABASE takes no parameters, so the name is quoted as an identifier. */
const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

async function ensureDatabase(url) {
  const { Client } = require('pg');
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      console.log(`migrate: created database ${name}`);
    }
  } catch (err) {
    // Two processes racing to create it: the loser finds it there, which is all we wanted.
    if (err.code !== '42P04') throw err;
  } finally {
    await client.end();
  }
  return name;
}

/**
 * The built library when dist/ has it, unless MIGRATE_FROM_SOURCES is set: whoever runs the apps
 * from the sources (the demo, tests) migrates from them too, or a dist/ older than the checkout
 * would leave its newer migrations out.
 */
function loadDatabaseLib() {
  const built = join(root, 'dist', 'libs', 'database', 'src', 'index.js');
  if (existsSync(built) && !process.env.MIGRATE_FROM_SOURCES) return require(built);
  process.env.SWC_NODE_PROJECT ??= join(root, 'tsconfig.json');
  require('@swc-node/register');
  return require(join(root, 'libs', 'database', 'src', 'index.ts'));
}

try {
  const name = await ensureDatabase(databaseUrl);
  const { runMigrations } = loadDatabaseLib();
  const { applied } = await runMigrations(databaseUrl, (line) => console.log(line));
  console.log(
    applied.length === 0
      ? `migrate: database ${name} is up to date`
      : `migrate: applied ${applied.length} migration(s) to ${name}`,
  );
} catch (err) {
  console.error(`migrate: failed: ${err.message || err}`);
  process.exit(1);
}

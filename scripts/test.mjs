// `npm test [-- JEST ARGS]`: installs dependencies when they are missing or stale, checks that the
// Postgres and Redis the integration tests use are answering, then runs Jest with the extra
// arguments (`npm test -- libs/event-store`) and exits with Jest's code.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TIMEOUT_MS = 3_000;

/** npm writes node_modules/.package-lock.json on every install, so its age is the install's. */
function dependenciesStale() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  return statSync(marker).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs;
}

if (dependenciesStale()) {
  console.log('test: node_modules is missing or older than package-lock.json; running npm ci ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const ci = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) {
    console.error('test: npm ci failed');
    process.exit(ci.status ?? 1);
  }
}

// Loaded only now: before npm ci they may not be installed.
const require = createRequire(join(root, 'package.json'));
const { Client } = require('pg');
const Redis = require('ioredis');

/** Returns null when Postgres answers and lets this user create databases, else the problem. */
async function checkPostgres() {
  // The maintenance database: the tests create their own databases beside it, and the one in
  // DATABASE_URL need not exist yet (npm run migrate creates it).
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: TIMEOUT_MS,
  });
  try {
    await client.connect();
    const { rows } = await client.query(
      'SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user',
    );
    if (!rows[0]?.can)
      return `user "${url.username}" may not create databases (ALTER ROLE ... CREATEDB)`;
    return null;
  } catch (err) {
    return err.message || err.code || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Returns null when Redis answers PING, else the problem. */
async function checkRedis() {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt: we only want to know whether it is there
  });
  // connect() only rejects with "Connection is closed"; the cause arrives as an 'error' event.
  let cause;
  redis.on('error', (err) => (cause = err));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return (cause ?? err).message || String(err);
  } finally {
    redis.disconnect();
  }
}

const [pgProblem, redisProblem] = await Promise.all([checkPostgres(), checkRedis()]);
if (pgProblem || redisProblem) {
  if (pgProblem) console.error(`test: Postgres at ${databaseUrl} is not usable: ${pgProblem}`);
  if (redisProblem) console.error(`test: Redis at ${redisUrl} is not answering: ${redisProblem}`);
  console.error(
    [
      '',
      'The integration tests need both (the user must be allowed to CREATE DATABASE). Start them with',
      '  docker compose up -d postgres redis',
      'or with the local-service commands in README.md, or point DATABASE_URL / REDIS_URL at yours.',
    ].join('\n'),
  );
  process.exit(2);
}

const jest = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
  },
);
process.exit(jest.status ?? 1);

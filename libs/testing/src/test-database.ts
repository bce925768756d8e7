import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';

/**
 * The migrated template that every integration test file clones its database from. Named after
 * the checkout (this file's path), so two checkouts' test runs on one server never drop each
 * other's template mid-clone.
 */
export const TEMPLATE_DATABASE = `flotilla_test_template_${createHash('sha1')
  .update(resolve(__dirname))
  .digest('hex')
  .slice(0, 10)}`;

/** The server URL without a database name (`postgres://postgres@127.0.0.1:5432`). */
export function serverUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla');
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
}

/** Runs one statement on the server's `postgres` database. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl()}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `flotilla_t_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  return {
    name,
    url: `${serverUrl()}/${name}`,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

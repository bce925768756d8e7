// Jest global setup for the integration project: (re)creates the migrated template database
// that each test file clones (CREATE DATABASE ... TEMPLATE), so files run in parallel.
// Relative imports: global setup runs outside Jest's module mapper.
import { runMigrations } from '../../database/src/migrate';
import { adminQuery, serverUrl, TEMPLATE_DATABASE } from './test-database';

export default async function globalSetup(): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await runMigrations(`${serverUrl()}/${TEMPLATE_DATABASE}`);
}

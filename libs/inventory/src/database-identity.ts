import type { Pool } from 'pg';

/**
 * A string unique to the database `pool` talks to: the cluster's system identifier and the
 * database oid. Redis keys are prefixed with it, so hubs of different databases (tests, staging)
 * may share one Redis, and a database created again does not inherit old keys.
 */
export async function databaseIdentity(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT (SELECT system_identifier FROM pg_control_system())::text || ':' || oid::text AS id
     FROM pg_database WHERE datname = current_database()`,
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('cannot read the database identity');
  return id;
}

import type { Pool, PoolClient } from 'pg';

export interface TransactionOptions {
  /** `BEGIN READ ONLY`. */
  readOnly?: boolean;
  /** Settings for this transaction only (`SET LOCAL name = value`), e.g. `{ work_mem: '32MB' }`. */
  settings?: Record<string, string>;
}

/**
 * Runs `work` in a transaction on one pooled connection: commits what it did, or rolls back and
 * rethrows what it threw; the connection goes back to the pool either way.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
    for (const [name, value] of Object.entries(options.settings ?? {}))
      await client.query('SELECT set_config($1, $2, true)', [name, value]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

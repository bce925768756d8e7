import { Pool, types } from 'pg';

// int8 (bigint) columns arrive as strings by default; positions are converted explicitly by
// their readers with BigInt(), counts with Number(). Keep the driver default.

/** Options for a Postgres connection pool. */
export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /**
   * Called when an idle connection dies (Postgres restarted, the connection was terminated).
   * The pool drops that connection and opens a new one when needed; without a listener, Node
   * would treat the error as unhandled and end the process.
   */
  onIdleError?: (error: Error) => void;
  /** Called whenever a new connection is established (after an outage: it is over). */
  onConnect?: () => void;
}

/** Creates a pg Pool for the given URL with Flotilla's defaults. */
export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'flotilla',
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', options.onIdleError ?? (() => undefined));
  if (options.onConnect) pool.on('connect', options.onConnect);
  return pool;
}

export { types as pgTypes };

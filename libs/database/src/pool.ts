import { Pool, types, type PoolClient } from 'pg';

// int8 (bigint) columns arrive as strings by default; positions are converted explicitly by
// their readers with BigInt(), counts with Number(). Keep the driver default.

/** Options for a Postgres connection pool. */
export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /**
   * Called when a connection dies, idle or checked out (Postgres restarted, the connection was
   * terminated).
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
  const onError = options.onIdleError ?? (() => undefined);
  pool.on('error', onError);
  // pg-pool takes its own error listener off a client while it is checked out: a connection
  // lost then (between two statements of a transaction) would be an unhandled 'error' event and
  // end the process. This one stands in while checked out; the statement in flight, or the next
  // one, fails as usual.
  pool.on('acquire', (client) => client.on('error', onError));
  pool.on('release', (_error: Error | undefined, client: PoolClient) =>
    client.removeListener('error', onError),
  );
  if (options.onConnect) pool.on('connect', options.onConnect);
  return pool;
}

export { types as pgTypes };

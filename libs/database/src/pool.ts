import { Pool, types } from 'pg';

// int8 (bigint) columns arrive as strings by default; positions are converted explicitly by
// their readers with BigInt(), counts with Number(). Keep the driver default.

/** Options for a Postgres connection pool. */
export interface PoolOptions {
  max?: number;
  applicationName?: string;
}

/** Creates a pg Pool for the given URL with Flotilla's defaults. */
export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  return new Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'flotilla',
    idleTimeoutMillis: 30_000,
  });
}

export { types as pgTypes };

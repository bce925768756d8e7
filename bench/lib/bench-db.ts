import { Client } from 'pg';

/**
 * A benchmark's own database on the server DATABASE_URL names (default the local one): its URL,
 * and `admin` to run statements (CREATE/DROP DATABASE) on the server's `postgres` database.
 */
export function benchDatabase(name: string): {
  server: string;
  url: string;
  admin: (sql: string) => Promise<void>;
} {
  const server = (
    process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla'
  ).replace(/\/[^/]*$/, '');
  return {
    server,
    url: `${server}/${name}`,
    async admin(sql: string): Promise<void> {
      const c = new Client({ connectionString: `${server}/postgres` });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    },
  };
}

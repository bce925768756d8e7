import { adminQuery, createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { createPool } from './pool';

describe('connection pool', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pool');
  });
  afterAll(() => db.drop());

  it('survives its idle connections being terminated (a Postgres restart) and reconnects', async () => {
    const seen: string[] = [];
    const pool = createPool(db.url, { max: 2, onIdleError: (e) => seen.push(e.message) });
    try {
      await pool.query('SELECT 1');
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`,
      );
      // The idle connection's death arrives as an event; the process carries on.
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([expect.stringContaining('terminating connection')]);
      const { rows } = await pool.query<{ n: number }>('SELECT 2 AS n');
      expect(rows[0]?.n).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it('survives a checked-out connection being terminated between two statements', async () => {
    const seen: string[] = [];
    const pool = createPool(db.url, { max: 2, onIdleError: (e) => seen.push(e.message) });
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await adminQuery(`SELECT pg_terminate_backend(${rows[0]?.pid})`);
      // Without a listener of ours this 'error' event would end the process (pg-pool removes
      // its own while the client is out).
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      client.release(true);
      expect(seen).toContainEqual(expect.stringContaining('terminating connection'));
      const again = await pool.query<{ n: number }>('SELECT 3 AS n');
      expect(again.rows[0]?.n).toBe(3);
    } finally {
      await pool.end();
    }
  });
});

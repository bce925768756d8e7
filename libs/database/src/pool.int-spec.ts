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
});

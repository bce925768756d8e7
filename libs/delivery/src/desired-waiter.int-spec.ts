import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { DesiredWaiter } from './desired-waiter';

describe('DesiredWaiter', () => {
  let db: TestDatabase;
  let pool: Pool;
  let waiter: DesiredWaiter;

  beforeAll(async () => {
    db = await createTestDatabase('delivery_waiter');
    pool = createPool(db.url, { max: 2 });
    waiter = new DesiredWaiter({ databaseUrl: db.url });
    await waiter.start();
  });
  afterAll(async () => {
    await waiter.stop();
    await pool.end();
    await db.drop();
  });

  it('wakes only the waiters of the notified cluster', async () => {
    const c1 = waiter.wait('c1', 30_000);
    const c2 = waiter.wait('c2', 50);
    expect(waiter.waiting).toBe(2);
    await pool.query(`SELECT pg_notify('flotilla_desired', 'c1')`);
    await expect(c1).resolves.toBe('wake');
    await expect(c2).resolves.toBe('timeout');
    expect(waiter.waiting).toBe(0);
  });

  it('ends a wait when its signal aborts (the client went away)', async () => {
    const ac = new AbortController();
    const w = waiter.wait('c1', 30_000, ac.signal);
    ac.abort();
    await expect(w).resolves.toBe('aborted');
    expect(waiter.waiting).toBe(0);
  });

  it('wakes everyone after the LISTEN connection is lost and comes back', async () => {
    const w = waiter.wait('c3', 30_000);
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
    );
    await expect(w).resolves.toBe('wake');
  });
});

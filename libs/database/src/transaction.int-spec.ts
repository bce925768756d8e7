import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { createPool } from './pool';
import { withTransaction } from './transaction';

describe('withTransaction', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase('transaction');
    pool = createPool(db.url, { max: 1 });
    await pool.query('CREATE TABLE t (n integer)');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  const rows = async () => (await pool.query<{ n: number }>('SELECT n FROM t ORDER BY n')).rows;

  it('commits what the work did and answers what it answered', async () => {
    const answer = await withTransaction(pool, async (c) => {
      await c.query('INSERT INTO t VALUES (1)');
      return 'done';
    });
    expect(answer).toBe('done');
    expect(await rows()).toEqual([{ n: 1 }]);
  });

  it('rolls back and rethrows, and the connection goes back to the pool', async () => {
    await expect(
      withTransaction(pool, async (c) => {
        await c.query('INSERT INTO t VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // A pool of one: this would wait for ever had the connection not been released.
    expect(await rows()).toEqual([{ n: 1 }]);
  });

  it('applies settings to that transaction only, and refuses writes when read-only', async () => {
    const inside = await withTransaction(
      pool,
      async (c) =>
        (await c.query<{ w: string }>("SELECT current_setting('work_mem') AS w")).rows[0]?.w,
      { settings: { work_mem: '32MB' } },
    );
    expect(inside).toBe('32MB');
    expect(
      (await pool.query<{ w: string }>("SELECT current_setting('work_mem') AS w")).rows[0]?.w,
    ).not.toBe('32MB');
    await expect(
      withTransaction(pool, (c) => c.query('INSERT INTO t VALUES (3)'), { readOnly: true }),
    ).rejects.toThrow(/read-only transaction/);
    expect(await rows()).toEqual([{ n: 1 }]);
  });
});

import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { ClusterLocks } from './push-jobs';

/** A promise and the function that settles it, for holding a pass open. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('ClusterLocks: push passes serialised per cluster across workers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('cluster_locks');
  });
  afterAll(() => db.drop());

  it('closing while passes are running and queued lets them finish, then closes (it never strands one)', async () => {
    // The regression: close() ended the one-connection pool under two passes; the query queued
    // behind end() was never served and the job (and the worker's shutdown) waited forever.
    const locks = new ClusterLocks(db.url, 10);
    const first = gate();
    const order: string[] = [];
    const a = locks.run('c10', async () => {
      order.push('c10 started');
      await first.opened;
      order.push('c10 done');
      return 'a';
    });
    const b = locks.run('c11', () => Promise.resolve('b'));
    const c = locks.run('c10', () => Promise.resolve('c'));
    const closed = locks.close();
    first.open();
    const results = await Promise.allSettled([a, b, c]);
    await closed;
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(order).toEqual(['c10 started', 'c10 done']);
    await expect(locks.run('c12', () => Promise.resolve('late'))).rejects.toThrow(/closing/);
  });

  it('a pass waiting for a lock another worker holds gives up when its worker closes', async () => {
    const holder = new ClusterLocks(db.url, 10);
    const waiter = new ClusterLocks(db.url, 10);
    const held = gate();
    const release = gate();
    const holding = holder.run('c20', async () => {
      held.open();
      await release.opened;
    });
    await held.opened;
    let ran = false;
    const waiting = waiter.run('c20', () => Promise.resolve((ran = true)));
    await new Promise((r) => setTimeout(r, 50)); // it polls at least once
    await waiter.close();
    await expect(waiting).rejects.toThrow(/closed while waiting/);
    expect(ran).toBe(false);
    release.open();
    await holding;
    await holder.close();
  });
});

import { RevisionCache } from './revision-cache';

describe('RevisionCache', () => {
  const setup = () => {
    const db = new Map<string, string>([['c1', 'r1']]);
    let reads = 0;
    let listening = true;
    let pending: (() => void) | undefined;
    let hold = false;
    const cache = new RevisionCache(
      async (id) => {
        reads++;
        const value = db.get(id) ?? 'empty';
        if (hold) await new Promise<void>((resolve) => (pending = resolve));
        return value;
      },
      () => listening,
    );
    return {
      cache,
      db,
      reads: () => reads,
      setListening: (v: boolean) => (listening = v),
      holdReads: (v: boolean) => (hold = v),
      release: () => pending?.(),
    };
  };

  it('reads once, then answers from memory until the cluster is notified', async () => {
    const t = setup();
    expect(await t.cache.get('c1')).toBe('r1');
    expect(await t.cache.get('c1')).toBe('r1');
    expect(t.reads()).toBe(1);
    t.db.set('c1', 'r2');
    t.cache.notify('c1');
    expect(await t.cache.get('c1')).toBe('r2');
    expect(t.reads()).toBe(2);
  });

  it('never caches a read that a notification overtook', async () => {
    const t = setup();
    t.holdReads(true);
    const first = t.cache.get('c1');
    await Promise.resolve();
    t.db.set('c1', 'r2');
    t.cache.notify('c1');
    t.release();
    expect(await first).toBe('r1');
    t.holdReads(false);
    expect(await t.cache.get('c1')).toBe('r2');
  });

  it('reads every time while notifications are not received, and forgets all on a reset', async () => {
    const t = setup();
    await t.cache.get('c1');
    t.setListening(false);
    t.db.set('c1', 'r2');
    expect(await t.cache.get('c1')).toBe('r2');
    expect(await t.cache.get('c1')).toBe('r2');
    expect(t.reads()).toBe(3);
    t.setListening(true);
    t.cache.reset();
    t.db.set('c1', 'r3');
    expect(await t.cache.get('c1')).toBe('r3');
    expect(await t.cache.get('c1')).toBe('r3');
    expect(t.reads()).toBe(4);
  });
});

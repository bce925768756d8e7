import type { PoolClient } from 'pg';
import { z } from 'zod';
import { defineEvent, EventRegistry, type EventOf } from './event-registry';
import type { Projection } from './projection';

// A small aggregate used by the event store's own tests and benchmark: a counter with a
// version-2 event whose version-1 shape lacked `step`.

/** `Incremented` v1 was `{ by }`; v2 adds the `step` label, upcast to `"legacy"`. */
export const Incremented = defineEvent(
  'Incremented',
  z.object({ by: z.number().int(), step: z.string() }).strict(),
  { version: 2, upcasters: { 1: (v1) => ({ ...(v1 as { by: number }), step: 'legacy' }) } },
);
export const Reset = defineEvent('Reset', z.object({ reason: z.string().min(1) }).strict());
export type CounterEvent = EventOf<typeof Incremented> | EventOf<typeof Reset>;
export const counterRegistry = new EventRegistry([Incremented, Reset]);

/** Projection of per-stream totals: `<name>_vN(stream_id, total, events, last_position)`. */
export function counterProjection(
  options: {
    name?: string;
    fail?: (event: { data: unknown; globalPosition: bigint }) => boolean;
  } = {},
): Projection<CounterEvent> {
  const name = options.name ?? 'counters';
  return {
    name,
    version: 1,
    handles: ['Incremented', 'Reset'],
    tables: [name],
    async setup(tx: PoolClient, target) {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${target.table(name)} (
        stream_id text PRIMARY KEY, total bigint NOT NULL, events integer NOT NULL,
        last_position bigint NOT NULL)`);
    },
    async apply(tx, events, target) {
      // Fold the batch per stream in memory, then one upsert for the whole batch.
      const byStream = new Map<
        string,
        { total: number; events: number; reset: boolean; last: bigint }
      >();
      for (const e of events) {
        if (options.fail?.(e)) throw new Error(`refusing event at ${e.globalPosition}`);
        const acc = byStream.get(e.streamId) ?? { total: 0, events: 0, reset: false, last: 0n };
        if (e.type === 'Reset') Object.assign(acc, { total: 0, reset: true });
        else acc.total += e.data.by;
        acc.events++;
        acc.last = e.globalPosition;
        byStream.set(e.streamId, acc);
      }
      for (const reset of [false, true]) {
        const entries = [...byStream].filter(([, acc]) => acc.reset === reset);
        if (entries.length === 0) continue;
        // After a Reset in the batch, the batch's own total replaces the stored one.
        await tx.query(
          `INSERT INTO ${target.table(name)} AS c (stream_id, total, events, last_position)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET
             total = ${reset ? 'EXCLUDED.total' : 'c.total + EXCLUDED.total'},
             events = c.events + EXCLUDED.events, last_position = EXCLUDED.last_position`,
          [
            entries.map(([id]) => id),
            entries.map(([, a]) => a.total),
            entries.map(([, a]) => a.events),
            entries.map(([, a]) => a.last.toString()),
          ],
        );
      }
    },
  };
}

import type { PoolClient } from 'pg';
import type { StoredOf } from './types';

/** Where a projection writes: maps a base table name to the concrete table of this run. */
export interface ProjectionTarget {
  table(base: string): string;
}

/**
 * A read model kept from the log. Its checkpoint commits in the same transaction as `apply`, so
 * each event takes effect exactly once. A breaking change bumps `version`: the new version is
 * built into new tables from zero, never migrated in place.
 */
export interface Projection<
  E extends { type: string; data: unknown } = { type: string; data: unknown },
> {
  readonly name: string;
  readonly version: number;
  /** The event types it reads; others are skipped (the checkpoint still moves past them). */
  readonly handles: readonly E['type'][];
  /** Base names of the tables it owns (see `target.table`). */
  readonly tables: readonly string[];
  /**
   * Creates its tables in `target` if missing. Let Postgres name indexes and constraints
   * (no explicit names), so a rebuilt table can be renamed over the live one.
   */
  setup(tx: PoolClient, target: ProjectionTarget): Promise<void>;
  /** Applies a batch of events, in global order, inside the runner's transaction. */
  apply(tx: PoolClient, events: StoredOf<E>[], target: ProjectionTarget): Promise<void>;
}

/** The live tables of a projection version: `<base>_v<version>`. */
export function liveTarget(projection: Pick<Projection, 'version'>): ProjectionTarget {
  return { table: (base) => `${base}_v${projection.version}` };
}

/** The tables a rebuild writes before it swaps them in: `<base>_v<version>_rebuild`. */
export function rebuildTarget(projection: Pick<Projection, 'version'>): ProjectionTarget {
  return { table: (base) => `${base}_v${projection.version}_rebuild` };
}

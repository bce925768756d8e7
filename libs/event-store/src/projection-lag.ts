import type { Queryable } from './event-store';

/** How far one projection is behind the log. */
export interface ProjectionLag {
  projection: string;
  version: number;
  /** The log's head position minus the checkpoint (positions may have gaps: an upper bound). */
  lagEvents: number;
  /** Age of the first event after the checkpoint; 0 when caught up. */
  lagSeconds: number;
  failed: boolean;
}

/**
 * The lag of every live projection (the newest version of each name; rebuilds in progress are
 * left out), from the checkpoints: one index probe per projection, cheap enough for a scrape.
 */
export async function projectionLag(db: Queryable): Promise<ProjectionLag[]> {
  const { rows } = await db.query<{
    name: string;
    version: number;
    state: string;
    lag_events: string;
    lag_seconds: number | null;
  }>(
    `WITH head AS (SELECT coalesce(max(global_position), 0) AS position FROM events),
          live AS (SELECT DISTINCT ON (name) name, version, position, state
                     FROM projection_checkpoints WHERE name NOT LIKE '%:rebuild'
                    ORDER BY name, version DESC)
     SELECT l.name, l.version, l.state, greatest(head.position - l.position, 0) AS lag_events,
            extract(epoch FROM now() - (SELECT e.recorded_at FROM events e
                                          WHERE e.global_position > l.position
                                          ORDER BY e.global_position LIMIT 1))::float8 AS lag_seconds
       FROM live l CROSS JOIN head
      ORDER BY l.name`,
  );
  return rows.map((r) => ({
    projection: r.name,
    version: r.version,
    lagEvents: Number(r.lag_events),
    lagSeconds: Math.max(0, r.lag_seconds ?? 0),
    failed: r.state === 'failed',
  }));
}

import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Pool, PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { EventRegistry } from './event-registry';
import {
  ConcurrencyError,
  IdempotencyConflictError,
  type AppendResult,
  type EventMetadata,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type StoredEvent,
  type StoredOf,
} from './types';

/** Anything that runs a query: the pool, or a client inside the caller's transaction. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** The notification channel that append_events() signals on commit. */
export const EVENTS_CHANNEL = 'flotilla_events';

interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: StoredEvent['metadata'];
  recorded_at: Date;
}

const COLUMNS =
  'global_position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at';

/** Options for one append. */
export interface AppendOptions {
  /** Run inside the caller's transaction (the append then commits with it). */
  client?: Queryable;
}

const tracer = trace.getTracer('flotilla');

/**
 * The append-only event log on Postgres. Generic over the event union `E`; knows nothing of
 * clusters or tenants beyond the metadata every event carries.
 */
export class EventStore<
  E extends { type: string; data: unknown } = { type: string; data: unknown },
> {
  constructor(
    private readonly pool: Pool,
    private readonly registry: EventRegistry,
    private readonly newId: () => string = uuidv7,
  ) {}

  /**
   * Appends events to one stream atomically. Fails with `ConcurrencyError` when the stream is
   * not at `expected`; succeeds without writing when every event id is already stored.
   */
  async append(
    streamId: string,
    expected: ExpectedVersion,
    events: ReadonlyArray<NewEvent<E['type'], E['data']>>,
    metadata: EventMetadata,
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`append to ${streamId}: no events`);
    const ids: string[] = [];
    const types: string[] = [];
    const versions: number[] = [];
    const data: string[] = [];
    for (const event of events) {
      const encoded = this.registry.encode(event.type, event.data);
      ids.push(event.eventId ?? this.newId());
      types.push(event.type);
      versions.push(encoded.schemaVersion);
      data.push(JSON.stringify(encoded.data));
    }
    const meta = {
      ...metadata,
      correlationId: metadata.correlationId ?? ids[0],
      tenantId: metadata.tenantId ?? null,
    };
    const target = options.client ?? this.pool;
    // A span per append when traces are on (OpenTelemetry's no-op otherwise): the last hop of a
    // request's or job's trace.
    const span = tracer.startSpan('eventstore.append', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'flotilla.stream': streamId,
        'flotilla.event_types': [...new Set(types)].join(','),
        'flotilla.events': events.length,
      },
    });
    try {
      const { rows } = await target.query<{
        next_version: number;
        last_position: string;
        duplicate: boolean;
      }>(
        'SELECT * FROM append_events($1, $2, $3::uuid[], $4::text[], $5::smallint[], $6::jsonb[], $7::jsonb, $8, $9)',
        [
          streamId,
          String(expected),
          ids,
          types,
          versions,
          data,
          JSON.stringify(meta),
          meta.tenantId,
          meta.actor,
        ],
      );
      const row = rows[0];
      if (!row) throw new Error(`append to ${streamId}: no result`);
      span.setAttribute('flotilla.position', row.last_position);
      return {
        nextExpectedVersion: row.next_version,
        lastPosition: BigInt(row.last_position),
        duplicate: row.duplicate,
      };
    } catch (error) {
      const translated = this.translate(error, streamId, expected, ids);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((translated as Error).message),
      });
      throw translated;
    } finally {
      span.end();
    }
  }

  /** Events of one stream with version greater than `afterVersion`, oldest first. */
  async readStream(
    streamId: string,
    options: { afterVersion?: number; limit?: number; client?: Queryable } = {},
  ): Promise<StoredOf<E>[]> {
    const { rows } = await (options.client ?? this.pool).query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND stream_version > $2
       ORDER BY stream_version LIMIT $3`,
      [streamId, options.afterVersion ?? 0, options.limit ?? 1_000_000],
    );
    return rows.map((r) => this.toStored(r));
  }

  /** The stream's current version (0 when it has no events). */
  async streamVersion(streamId: string, client?: Queryable): Promise<number> {
    const { rows } = await (client ?? this.pool).query<{ v: number | null }>(
      'SELECT max(stream_version) AS v FROM events WHERE stream_id = $1',
      [streamId],
    );
    return rows[0]?.v ?? 0;
  }

  /** Reads the whole log in global order (or reverse), filtered. */
  async readAll(options: ReadAllOptions = {}, client?: Queryable): Promise<StoredOf<E>[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (options.after !== undefined) add('global_position > ?', options.after.toString());
    if (options.before !== undefined) add('global_position < ?', options.before.toString());
    if (options.types?.length) add('type = ANY(?)', options.types);
    if (options.tenantId !== undefined) add('tenant_id = ?', options.tenantId);
    if (options.streamId !== undefined) add('stream_id = ?', options.streamId);
    if (options.streamIds !== undefined) add('stream_id = ANY(?)', options.streamIds);
    if (options.actor !== undefined) add('actor = ?', options.actor);
    if (options.recordedFrom) add('recorded_at >= ?', options.recordedFrom);
    if (options.recordedTo) add('recorded_at < ?', options.recordedTo);
    const order = options.direction === 'backward' ? 'DESC' : 'ASC';
    params.push(options.limit ?? 1000);
    const { rows } = await (client ?? this.pool).query<EventRow>(
      `SELECT ${COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY global_position ${order} LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => this.toStored(r));
  }

  /**
   * The newest events of several groups of streams in one statement (a list's histories without
   * a query per row): per group key, at most `limit` events of its streams, newest first, before
   * global position `before` when given. Every key is in the answer, with [] when it has none.
   */
  async readLatestPerGroup(
    groups: ReadonlyMap<string, readonly string[]>,
    options: { limit: number; before?: bigint },
    client?: Queryable,
  ): Promise<Map<string, StoredOf<E>[]>> {
    const keys: string[] = [];
    const streams: string[] = [];
    for (const [key, ids] of groups)
      for (const id of ids) {
        keys.push(key);
        streams.push(id);
      }
    const out = new Map<string, StoredOf<E>[]>([...groups.keys()].map((k) => [k, []]));
    if (streams.length === 0) return out;
    const { rows } = await (client ?? this.pool).query<EventRow & { group_key: string }>(
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(group_key, stream_id)),
            r AS (
              SELECT k.group_key, ${COLUMNS.split(',')
                .map((c) => `e.${c.trim()}`)
                .join(', ')},
                     row_number() OVER (PARTITION BY k.group_key ORDER BY e.global_position DESC) AS rn
                FROM events e JOIN k ON e.stream_id = k.stream_id
               WHERE $3::bigint IS NULL OR e.global_position < $3::bigint)
       SELECT * FROM r WHERE rn <= $4 ORDER BY group_key, global_position DESC`,
      [keys, streams, options.before?.toString() ?? null, options.limit],
    );
    for (const row of rows) out.get(row.group_key)?.push(this.toStored(row));
    return out;
  }

  /** The position of the newest committed event (0 when the log is empty). */
  async headPosition(client?: Queryable): Promise<bigint> {
    const { rows } = await (client ?? this.pool).query<{ p: string | null }>(
      'SELECT max(global_position) AS p FROM events',
    );
    return BigInt(rows[0]?.p ?? 0);
  }

  /** Maps a raw row to a stored event, upcasting old schema versions. */
  toStored(row: EventRow): StoredOf<E> {
    const { schemaVersion, data } = this.registry.upcast(row.type, row.schema_version, row.data);
    return {
      globalPosition: BigInt(row.global_position),
      eventId: row.event_id,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      type: row.type as E['type'],
      schemaVersion,
      data: data as E['data'],
      metadata: row.metadata,
      recordedAt: row.recorded_at,
    } as StoredOf<E>;
  }

  private translate(
    error: unknown,
    streamId: string,
    expected: ExpectedVersion,
    ids: string[],
  ): unknown {
    const pg = error as { code?: string; detail?: string; constraint?: string };
    if (pg.code === 'FL001')
      return new ConcurrencyError(streamId, expected, Number(pg.detail ?? -1));
    if (pg.code === 'FL002') return new IdempotencyConflictError(streamId, ids);
    return error;
  }
}

export type { EventRow };

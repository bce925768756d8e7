/** An event as a decider produces it: the store adds the envelope. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  /** Supplied for idempotency (a retry re-sends the same id); generated (UUIDv7) otherwise. */
  eventId?: string;
}

/** Who and what caused an append; stored on every event of the append. */
export interface EventMetadata {
  /** The authenticated subject (`sub`), or `system:<component>` for the hub's own work. */
  actor: string;
  actorGroups?: string[];
  tenantId?: string | null;
  correlationId?: string;
  causationId?: string | null;
  requestId?: string | null;
  clientAddress?: string | null;
}

/** An event as stored and read back (after upcasting to the current schema version). */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  globalPosition: bigint;
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: Required<Pick<EventMetadata, 'actor' | 'correlationId'>> & EventMetadata;
  recordedAt: Date;
}

/**
 * What the appender expects of the stream: `no_stream` (it must not exist), `stream_exists`,
 * `any`, or the exact current version (0 = empty stream).
 */
export type ExpectedVersion = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /** The stream's version after the append. */
  nextExpectedVersion: number;
  /** Position of the last event of this append. */
  lastPosition: bigint;
  /** True when every event id was already stored: nothing was written. */
  duplicate: boolean;
}

/** Filters for reading the whole log. All are ANDed; omitted means "any". */
export interface ReadAllOptions {
  /** Exclusive lower bound (forward) or upper bound (backward) on the global position. */
  after?: bigint;
  before?: bigint;
  limit?: number;
  direction?: 'forward' | 'backward';
  types?: readonly string[];
  tenantId?: string;
  streamId?: string;
  /** Any of these streams (an aggregate's history kept in several streams). */
  streamIds?: readonly string[];
  actor?: string;
  recordedFrom?: Date;
  recordedTo?: Date;
}

/** A wrong expected version: someone else appended first. Retry with fresh state. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, but it is at ${actual}`);
  }
}

/** Some but not all event ids of an append are already stored (a corrupted retry). */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(
    readonly streamId: string,
    readonly eventIds: string[],
  ) {
    super(
      `stream ${streamId}: event ids ${eventIds.join(', ')} are already stored but others of the same append are not`,
    );
  }
}

/** An event whose type is unknown or whose data does not match its schema. */
export class EventSchemaError extends Error {
  override readonly name = 'EventSchemaError';
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
    detail: string,
  ) {
    super(`event ${type} v${schemaVersion}: ${detail}`);
  }
}

/** A stored event of a union `E`, still discriminated by `type` (so `switch` narrows `data`). */
export type StoredOf<E extends { type: string; data: unknown }> = E extends {
  type: infer T extends string;
  data: infer D;
}
  ? StoredEvent<T, D>
  : never;

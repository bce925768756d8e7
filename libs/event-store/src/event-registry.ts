import type { z } from 'zod';
import { EventSchemaError } from './types';

/** Turns the data of schema version N into version N + 1. Pure. */
export type Upcaster = (data: unknown) => unknown;

/** One event type: its current schema and how older stored versions are brought up to it. */
export interface EventDefinition<Type extends string = string, Data = unknown> {
  readonly type: Type;
  /** The current schema version; new events are written with it. */
  readonly version: number;
  readonly schema: z.ZodType<Data>;
  /** `upcasters[n]` turns version n into n + 1, for every n below `version`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

/** The event shape (`{ type, data }`) a definition describes, for building unions. */
export type EventOf<D> =
  D extends EventDefinition<infer T, infer Data> ? { type: T; data: Data } : never;

/**
 * Declares an event type. The data type is derived from the zod schema; `upcasters` must cover
 * every older version (`{ 1: v1ToV2 }` when `version` is 2).
 */
export function defineEvent<Type extends string, Schema extends z.ZodType>(
  type: Type,
  schema: Schema,
  options: { version?: number; upcasters?: Record<number, Upcaster> } = {},
): EventDefinition<Type, z.output<Schema>> {
  const version = options.version ?? 1;
  const upcasters = options.upcasters ?? {};
  for (let v = 1; v < version; v++) {
    if (!upcasters[v])
      throw new Error(`event ${type}: version ${version} needs an upcaster from v${v}`);
  }
  return { type, version, schema: schema as z.ZodType<z.output<Schema>>, upcasters };
}

/** The event types a store accepts: validates on append, upcasts on read. */
export class EventRegistry {
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const d of definitions) {
      if (this.byType.has(d.type)) throw new Error(`event ${d.type} is defined twice`);
      this.byType.set(d.type, d);
    }
  }

  /** Validates new event data against the current schema; returns the version to store. */
  encode(type: string, data: unknown): { schemaVersion: number; data: unknown } {
    const def = this.definition(type, 0);
    const parsed = def.schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `data.${issue.path.join('.')}` : 'data';
      throw new EventSchemaError(type, def.version, `${where}: ${issue?.message ?? 'invalid'}`);
    }
    return { schemaVersion: def.version, data: parsed.data };
  }

  /** Brings stored data of an older schema version up to the current one. */
  upcast(
    type: string,
    schemaVersion: number,
    data: unknown,
  ): { schemaVersion: number; data: unknown } {
    const def = this.byType.get(type);
    // Types this build does not know (written by a newer build) are passed through untouched.
    if (!def || schemaVersion >= def.version) return { schemaVersion, data };
    let current = data;
    for (let v = schemaVersion; v < def.version; v++) {
      const up = def.upcasters[v];
      if (!up) throw new EventSchemaError(type, v, `no upcaster from v${v}`);
      current = up(current);
    }
    return { schemaVersion: def.version, data: current };
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  private definition(type: string, schemaVersion: number): EventDefinition {
    const def = this.byType.get(type);
    if (!def) throw new EventSchemaError(type, schemaVersion, 'unknown event type');
    return def;
  }
}

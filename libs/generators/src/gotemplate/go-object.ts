/**
 * Go values that are neither maps nor slices but structs with methods: `time.Time` (from `now`,
 * `toDate`, `dateModify`) and `*semver.Version` (from `semver`). They travel through the engine
 * as ordinary GoValues (objects) tagged with a symbol, so that:
 * - `fmt` prints them through their `String()` method, as Go's fmt does for a Stringer;
 * - the engine can call their methods (`{{ (semver "1.2.3").Major }}`, `{{ now.Year }}`);
 * - Sprig functions recognise them (`date`, `unixEpoch`, `empty`, `kindOf`...).
 * The engine (exec, fmt, builtins) owns this module; `sprig/go-object.ts` re-exports it.
 */
import type { GoValue } from './values';

/** The symbol under which a Go struct value keeps its type information and methods. */
export const GO_OBJECT: unique symbol = Symbol.for('flotilla.gotemplate.object');

/**
 * One field of a Go struct, for fmt's struct printing (`%d` of a time.Time prints
 * `{wall ext loc}`). `type` is the Go type name shown in bad-verb notes (`%!e(uint64=0)`).
 */
export type GoObjectField =
  | { readonly name: string; readonly type: 'uint64' | 'int64'; readonly value: bigint }
  | { readonly name: string; readonly type: 'string'; readonly value: string }
  /** A pointer field: its address (0n for nil), printed as Go's fmtPointer does. */
  | { readonly name: string; readonly type: `*${string}`; readonly pointer: bigint };

/** Type information and methods of a Go struct value. */
export interface GoObjectInfo {
  /** Go's `%T`, e.g. `time.Time` or `*semver.Version`. */
  readonly typeName: string;
  /** reflect Kind name: `struct`, or `ptr` for a pointer to a struct (compared by identity). */
  readonly kind: 'struct' | 'ptr';
  /** The value's `String()` (fmt prints Stringers with it). */
  string(): string;
  /** Exported methods, callable from templates; each receives already-evaluated arguments. */
  readonly methods: Readonly<Record<string, (...args: GoValue[]) => GoValue>>;
  /** The value's MarshalJSON output (a JSON string literal for time.Time and semver). */
  json(): string;
  /** reflect.DeepEqual against another value of the same type. */
  equals(other: GoValue): boolean;
  /** GoString(), when the type implements fmt.GoStringer (`%#v`); time.Time does. */
  goString?(): string;
  /** The struct's fields in declaration order (of the pointed-to struct for `ptr`). */
  fields?(): readonly GoObjectField[];
}

interface Tagged {
  [GO_OBJECT]?: GoObjectInfo;
}

/** Wraps a Go struct value so that it can travel as a GoValue. */
export function makeGoObject<T extends object>(payload: T, info: GoObjectInfo): GoValue {
  Object.defineProperty(payload, GO_OBJECT, { value: info, enumerable: false });
  return payload as unknown as GoValue;
}

/** The type after Go's indirect(): `semver.Version` for a `*semver.Version`, as len/index report it. */
export function elemTypeName(info: GoObjectInfo): string {
  return info.kind === 'ptr' ? info.typeName.replace(/^\*/, '') : info.typeName;
}

/** The Go struct information of a value, or undefined for maps, slices and scalars. */
export function goObjectOf(v: GoValue): GoObjectInfo | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  return (v as Tagged)[GO_OBJECT];
}

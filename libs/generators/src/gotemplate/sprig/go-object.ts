/**
 * Go values that are neither maps nor slices but structs with methods: `time.Time` (from `now`,
 * `toDate`, `dateModify`) and `*semver.Version` (from `semver`). They travel through the engine
 * as ordinary GoValues (objects) tagged with a symbol, so that:
 * - `fmt` prints them through their `String()` method, as Go's fmt does for a Stringer;
 * - the engine can call their methods (`{{ (semver "1.2.3").Major }}`, `{{ now.Year }}`);
 * - Sprig functions recognise them (`date`, `unixEpoch`, `empty`, `kindOf`...).
 */
import type { GoValue } from '../values';

/** The symbol under which a Go struct value keeps its type information and methods. */
export const GO_OBJECT: unique symbol = Symbol.for('flotilla.gotemplate.object');

/** Type information and methods of a Go struct value. */
export interface GoObjectInfo {
  /** Go's `%T`, e.g. `time.Time` or `*semver.Version`. */
  readonly typeName: string;
  /** reflect Kind name: `struct` or `ptr`. */
  readonly kind: string;
  /** The value's `String()` (fmt prints Stringers with it). */
  string(): string;
  /** Exported methods, callable from templates; each receives already-evaluated arguments. */
  readonly methods: Readonly<Record<string, (...args: GoValue[]) => GoValue>>;
  /** The value's MarshalJSON output (a JSON string literal for time.Time and semver). */
  json(): string;
  /** reflect.DeepEqual against another value of the same type. */
  equals(other: GoValue): boolean;
}

interface Tagged {
  [GO_OBJECT]?: GoObjectInfo;
}

/** Wraps a Go struct value so that it can travel as a GoValue. */
export function makeGoObject<T extends object>(payload: T, info: GoObjectInfo): GoValue {
  Object.defineProperty(payload, GO_OBJECT, { value: info, enumerable: false });
  return payload as unknown as GoValue;
}

/** The Go struct information of a value, or undefined for maps, slices and scalars. */
export function goObjectOf(v: GoValue): GoObjectInfo | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  return (v as Tagged)[GO_OBJECT];
}

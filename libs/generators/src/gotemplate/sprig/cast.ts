/**
 * Conversions Sprig performs on `interface{}` arguments, after github.com/spf13/cast (v1.7, the
 * version Sprig v3.3 pins) and Sprig's own `strval`/`empty`. Everything here is shared by the
 * themed function files; none of it is a template function itself.
 */
import { goFormatValue } from '../fmt';
import type { GoMap, GoValue } from '../values';
import { goObjectOf } from './go-object';

/** Go's `%T` of a value (`typeOf`): the engine's, so that Sprig and the engine agree. */
export { goTypeName } from '../fmt';

const INT64_MIN = -(1n << 63n);

/** Wraps to Go's int64 two's-complement range, as Go arithmetic does on overflow. */
export function wrapInt64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** Go's float64 → int64 conversion: truncation; NaN and out-of-range give MinInt64 (amd64). */
export function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 9223372036854775808 || f < -9223372036854775808) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

/** cast's trimZeroDecimal: "12.000" → "12" so integer parsing accepts it. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') {
      foundZero = true;
    } else {
      return s;
    }
  }
  return s;
}

const DIGITS: Record<number, RegExp> = {
  2: /^[01]+(_?[01]+)*$/,
  8: /^[0-7]+(_?[0-7]+)*$/,
  10: /^[0-9]+(_?[0-9]+)*$/,
  16: /^[0-9a-fA-F]+(_?[0-9a-fA-F]+)*$/,
};

/**
 * strconv.ParseInt(s, 0, 64): optional sign, base prefix (0x, 0o, 0b, or a leading 0 for
 * octal), underscores only between digits when a prefix is used. Undefined when invalid or out
 * of range.
 */
export function parseGoInt(s: string, bitSize = 64): bigint | undefined {
  let body = s;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  let prefixed = false;
  if (body.length > 1 && body[0] === '0') {
    const p = body[1]?.toLowerCase();
    if (p === 'x') base = 16;
    else if (p === 'o') base = 8;
    else if (p === 'b') base = 2;
    else base = 8;
    body = base === 8 && p !== 'o' ? body.slice(1) : body.slice(2);
    prefixed = true;
    // Go accepts one underscore right after the prefix ("0x_1F", and "0_7" after the octal 0).
    if (body.startsWith('_')) body = body.slice(1);
  }
  const pattern = DIGITS[base];
  if (!pattern || body === '' || !pattern.test(body)) return undefined;
  if (!prefixed && body.includes('_')) return undefined;
  const digits = body.replace(/_/g, '');
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  let n = BigInt(prefix + digits);
  if (neg) n = -n;
  const limit = 1n << BigInt(bitSize - 1);
  if (n >= limit || n < -limit) return undefined;
  return n;
}

/** strconv.ParseFloat(s, 64), including Go's "inf"/"nan" spellings, hex floats and underscores. */
export function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return sign * Infinity;
  if (unsigned === 'nan' && lower === unsigned) return NaN;
  if (/^0x/.test(unsigned)) {
    const m = /^0x([0-9a-f_]*)(?:\.([0-9a-f_]*))?p([+-]?[0-9_]+)$/.exec(unsigned);
    if (!m) {
      const i = parseGoInt(s);
      return i === undefined ? undefined : Number(i);
    }
    const intPart = (m[1] ?? '').replace(/_/g, '');
    const frac = (m[2] ?? '').replace(/_/g, '');
    if (intPart === '' && frac === '') return undefined;
    const mantissa = Number.parseInt(intPart + frac || '0', 16);
    return sign * mantissa * 2 ** (Number((m[3] ?? '0').replace(/_/g, '')) - 4 * frac.length);
  }
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(unsigned)) return undefined;
  return sign * Number(unsigned);
}

/** cast.ToInt64: ints as-is, floats truncated, bools 1/0, strings parsed, anything else 0. */
export function toInt64(v: GoValue): bigint {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return floatToInt64(v);
    case 'boolean':
      return v ? 1n : 0n;
    case 'string':
      return parseGoInt(trimZeroDecimal(v)) ?? 0n;
    default:
      return 0n;
  }
}

/** cast.ToFloat64: numbers as float64, bools 1/0, strings via ParseFloat, anything else 0. */
export function toFloat64(v: GoValue): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string':
      return parseGoFloat(v) ?? 0;
    default:
      return 0;
  }
}

/** fmt's %v of a value; Go struct values print through their String() method (Stringer). */
export function formatV(v: GoValue): string {
  const obj = goObjectOf(v);
  if (obj) return obj.string();
  return goFormatValue(v === undefined ? null : v);
}

/** Sprig's strval: strings as-is, everything else through fmt's %v. */
export function strval(v: GoValue): string {
  return typeof v === 'string' ? v : formatV(v);
}

/** Whether a value is a Go map[string]interface{} (a plain object, not a Go object wrapper). */
export function isGoMap(v: GoValue): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && goObjectOf(v) === undefined;
}

/** Sprig's `empty`: the zero value of its type (nil, 0, "", false, empty slice or map). */
export function isEmpty(v: GoValue): boolean {
  switch (typeof v) {
    case 'undefined':
      return true;
    case 'string':
      return v.length === 0;
    case 'boolean':
      return !v;
    case 'bigint':
      return v === 0n;
    case 'number':
      return v === 0;
    case 'function':
      return false;
    default:
      if (v === null) return true;
      if (Array.isArray(v)) return v.length === 0;
      // Structs (time.Time, *semver.Version) are never empty.
      if (goObjectOf(v) !== undefined) return false;
      for (const _ in v) return false;
      return true;
  }
}

/** Go's reflect Kind name of a value (`kindOf`). */
export function goKind(v: GoValue): string {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'function':
      return 'func';
    default: {
      if (v === null) return 'invalid';
      if (Array.isArray(v)) return 'slice';
      const obj = goObjectOf(v);
      return obj ? obj.kind : 'map';
    }
  }
}

/** reflect.DeepEqual over Go values: types must match exactly (int 1 ≠ float64 1). */
export function deepEqual(a: GoValue, b: GoValue): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return a === b; // NaN ≠ NaN, as in Go
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const oa = goObjectOf(a);
  const ob = goObjectOf(b);
  if (oa || ob)
    return oa !== undefined && ob !== undefined && oa.typeName === ob.typeName && oa.equals(b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** Treats Go `nil` and a missing value alike, as text/template does when passing arguments. */
export function isNil(v: GoValue): v is null | undefined {
  return v === null || v === undefined;
}

/** reflect Kind name used in Sprig's "Cannot X on type K" list errors (nil panics in Go). */
export function listKindOrThrow(v: GoValue): string {
  if (isNil(v)) {
    throw new Error('runtime error: invalid memory address or nil pointer dereference');
  }
  return goKind(v);
}

/**
 * text/template's predefined functions (Go's `text/template/funcs.go`). Parameters typed
 * `reflect` receive values as Go's reflect.Value parameters do: `null` is a nil interface,
 * `undefined` an invalid value; errors are thrown with Go's messages and become
 * `error calling NAME: MSG` in the executor.
 */
import { compareGoStrings } from './compare-strings';
import { goSprint, goSprintf, goSprintln, goTypeName } from './fmt';
import { elemTypeName, goObjectOf } from './go-object';
import { isPrint } from './strconv';
import { isGoMap, isTrue } from './truth';
import type { GoParamType, GoValue } from './values';

/** A parameter type: a Go type, or `reflect` for Go's reflect.Value parameters. */
export type ArgType = GoParamType | 'reflect';

/** A callable with its Go signature. */
export interface Builtin {
  params: readonly ArgType[];
  variadic?: ArgType | undefined;
  fn: (...args: GoValue[]) => GoValue;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The type Go's indirect() reaches: a *semver.Version's struct is semver.Version. */
const indirectTypeName = (v: GoValue): string => {
  const obj = goObjectOf(v);
  return obj !== undefined ? elemTypeName(obj) : goTypeName(v);
};

/** indexArg: an int index within [0, cap]; Go checks the cap, not the length, here. */
function indexArg(index: GoValue, cap: number): number {
  if (typeof index !== 'bigint') {
    if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
    throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  }
  if (index < 0n || index > BigInt(cap)) throw new Error(`index out of range: ${index}`);
  return Number(index);
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === null || item === undefined) throw new Error('index of untyped nil');
  for (let idx of indexes) {
    if (idx === null) idx = undefined;
    if (item === null) throw new Error('index of nil pointer');
    if (Array.isArray(item)) {
      const x = indexArg(idx, item.length);
      if (x === item.length) throw new Error('reflect: slice index out of range');
      item = item[x] ?? null;
    } else if (typeof item === 'string') {
      const bytes: Buffer = Buffer.from(item, 'utf8');
      const x = indexArg(idx, bytes.length);
      if (x === bytes.length) throw new Error('reflect: string index out of range');
      item = BigInt(bytes[x] ?? 0); // a byte: Go's uint8
    } else if (isGoMap(item)) {
      if (idx === undefined) throw new Error('value is nil; should be of type string');
      if (typeof idx !== 'string')
        throw new Error(`value has type ${goTypeName(idx)}; should be string`);
      item = Object.hasOwn(item, idx) ? (item[idx] ?? null) : null;
    } else {
      throw new Error(`can't index item of type ${indirectTypeName(item as GoValue)}`);
    }
  }
  return item;
}

function slice(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === null || item === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    cap = byteLength(item);
  } else if (Array.isArray(item)) {
    cap = item.length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, cap, 0];
  indexes.forEach((v, i) => (idx[i] = indexArg(v, cap)));
  const [i, j, k] = idx as [number, number, number];
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (indexes.length === 3 && j > k) throw new Error(`invalid slice index: ${j} > ${k}`);
  if (Array.isArray(item)) return item.slice(i, j);
  return Buffer.from(item, 'utf8').subarray(i, j).toString('utf8');
}

function length(item: GoValue): GoValue {
  if (item === null) throw new Error('len of nil pointer');
  if (item === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (typeof item === 'string') return BigInt(byteLength(item));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isGoMap(item)) return BigInt(Object.keys(item).length);
  throw new Error(`len of type ${indirectTypeName(item)}`);
}

/** Go's comparison kinds; maps, slices and functions have none. */
function basicKind(v: GoValue): 'bool' | 'int' | 'float' | 'string' | 'invalid' {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  return 'invalid';
}

const valid = (v: GoValue): boolean => v !== null && v !== undefined;

/** reflect Kind of a valid non-basic value, for eq's canCompare. */
function refKind(v: GoValue): string {
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'function') return 'func';
  return goObjectOf(v)?.kind ?? 'map';
}

function eq(arg1: GoValue, ...arg2: GoValue[]): GoValue {
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (valid(arg1) && valid(arg)) {
        throw new Error(
          `incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg)}`,
        );
      }
    } else if (k1 !== 'invalid') {
      truth = arg1 === arg;
    } else if (!valid(arg1) || !valid(arg)) {
      truth = !valid(arg1) && !valid(arg);
    } else {
      const kind = refKind(arg1);
      if (kind !== refKind(arg)) {
        throw new Error(
          goSprintf('non-comparable types %s: %v, %s: %v', [
            arg1,
            goTypeName(arg1),
            goTypeName(arg),
            arg,
          ]),
        );
      }
      if (kind === 'struct') {
        // Comparable structs (time.Time): == of equal types; different types are never equal.
        const a = goObjectOf(arg1)!;
        truth = a.typeName === goTypeName(arg) && a.equals(arg);
      } else if (kind === 'ptr') {
        truth = arg1 === arg; // pointers (*semver.Version) compare by identity, as in Go
      } else {
        // Two maps, slices or functions: Go's == on them is not allowed.
        throw new Error(goSprintf('non-comparable type %s: %v', [arg, goTypeName(arg)]));
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: GoValue, arg2: GoValue): boolean {
  const k1 = basicKind(arg1);
  const k2 = basicKind(arg2);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2)
    throw new Error(
      `incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg2)}`,
    );
  switch (k1) {
    case 'bool':
      throw new Error('invalid type for comparison');
    case 'string':
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
  }
  return (arg1 as number | bigint) < (arg2 as number | bigint);
}

const le = (a: GoValue, b: GoValue): boolean => lt(a, b) || (eq(a, b) as boolean);

/** evalArgs of html/js/urlquery: one string as is, otherwise fmt.Sprint of printable values. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(...args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

function htmlEscape(...args: GoValue[]): GoValue {
  const s = evalArgs(args);
  if (!/["'&<>\0]/.test(s)) return s;
  const map: Record<string, string> = {
    '"': '&#34;',
    "'": '&#39;',
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '\0': '\uFFFD',
  };
  return s.replace(/["'&<>\0]/g, (c) => map[c] ?? c);
}

function jsEscape(...args: GoValue[]): GoValue {
  const s = evalArgs(args);
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80 || isPrint(r)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape: unreserved bytes as is, space as '+', everything else %XX. */
function urlQueryEscape(...args: GoValue[]): GoValue {
  let out = '';
  for (const b of Buffer.from(evalArgs(args), 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** `call`: invokes a function value with arguments checked against its signature. */
function call(name: GoValue, fn: GoValue, ...args: GoValue[]): GoValue {
  if (fn === null || fn === undefined) throw new Error('call of nil');
  if (typeof fn !== 'function')
    throw new Error(`non-function ${String(name)} of type ${goTypeName(fn)}`);
  const sig = (fn as { goSignature?: { params: ArgType[]; variadic?: ArgType } }).goSignature;
  const params = sig?.params ?? [];
  const variadic = sig ? sig.variadic : 'interface';
  if (variadic !== undefined) {
    if (args.length < params.length) {
      throw new Error(
        `wrong number of args for ${String(name)}: got ${args.length} want at least ${params.length}`,
      );
    }
  } else if (args.length !== params.length) {
    throw new Error(
      `wrong number of args for ${String(name)}: got ${args.length} want ${params.length}`,
    );
  }
  const argv = args.map((a, i) => {
    const t = i < params.length ? params[i]! : variadic!;
    if (a === undefined || a === null) {
      if (
        t === 'interface' ||
        t === 'slice' ||
        t === 'stringSlice' ||
        t === 'map' ||
        t === 'reflect'
      )
        return null;
      throw new Error(`arg ${i}: value is nil; should be of type ${t}`);
    }
    const ok =
      t === 'interface' ||
      t === 'reflect' ||
      (t === 'string' && typeof a === 'string') ||
      (t === 'bool' && typeof a === 'boolean') ||
      ((t === 'int' || t === 'int64' || t === 'uint') && typeof a === 'bigint') ||
      (t === 'float64' && typeof a === 'number') ||
      ((t === 'slice' || t === 'stringSlice') && Array.isArray(a)) ||
      (t === 'map' && isGoMap(a));
    if (!ok) throw new Error(`arg ${i}: value has type ${goTypeName(a)}; should be ${t}`);
    return a;
  });
  const result = fn(...argv);
  return result === undefined ? null : result;
}

const R = 'reflect' as const;
const I = 'interface' as const;

/** The predefined functions with their Go signatures. `and`/`or` are short-circuited by the executor. */
export const BUILTINS: Record<string, Builtin> = {
  and: { params: [R], variadic: R, fn: () => undefined },
  or: { params: [R], variadic: R, fn: () => undefined },
  not: { params: [R], fn: (a) => !isTrue(a) },
  len: { params: [R], fn: length },
  index: { params: [R], variadic: R, fn: index },
  slice: { params: [R], variadic: R, fn: slice },
  call: { params: [R], variadic: R, fn: call },
  html: { params: [], variadic: I, fn: htmlEscape },
  js: { params: [], variadic: I, fn: jsEscape },
  urlquery: { params: [], variadic: I, fn: urlQueryEscape },
  print: { params: [], variadic: I, fn: (...a) => goSprint(...a) },
  printf: { params: ['string'], variadic: I, fn: (f, ...a) => goSprintf(f as string, a) },
  println: { params: [], variadic: I, fn: (...a) => goSprintln(...a) },
  eq: { params: [R], variadic: R, fn: eq },
  ne: { params: [R, R], fn: (a, b) => !eq(a, b) },
  lt: { params: [R, R], fn: lt },
  le: { params: [R, R], fn: le },
  gt: { params: [R, R], fn: (a, b) => !le(a, b) },
  ge: { params: [R, R], fn: (a, b) => !lt(a, b) },
};

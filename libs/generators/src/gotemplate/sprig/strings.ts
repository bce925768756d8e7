/**
 * Sprig's string functions (strings.go and the string entries of functions.go).
 */
import { goSprintf } from '../fmt';
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { formatV, isNil, strval } from './cast';
import {
  byteLength,
  byteSlice,
  checkedByteSlice,
  compareGoStrings,
  repeat,
  replaceAll,
  splitN,
  title,
  toLower,
  toUpper,
  trimCutset,
  trimSpace,
} from './go-strings';

const str = (v: GoValue): string => v as string;
const int = (v: GoValue): number => Number(v as bigint);

/** Sprig's strslice: a list's non-nil elements as strings; a scalar becomes a one-element list. */
export function strslice(v: GoValue): string[] {
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) if (!isNil(item)) out.push(strval(item));
    return out;
  }
  if (isNil(v)) return [];
  return [strval(v)];
}

function trunc(c: number, s: string): string {
  const len = byteLength(s);
  if (c < 0 && len + c > 0) return byteSlice(s, len + c);
  if (c >= 0 && len > c) return byteSlice(s, 0, c);
  return s;
}

function substring(start: number, end: number, s: string): string {
  if (start < 0) return checkedByteSlice(s, 0, end);
  const len = byteLength(s);
  if (end < 0 || end > len) return checkedByteSlice(s, start, len);
  return checkedByteSlice(s, start, end);
}

function indent(spaces: number, v: string): string {
  const pad = repeat(' ', spaces);
  return pad + v.split('\n').join('\n' + pad);
}

function toSplitMap(parts: string[]): Record<string, GoValue> {
  const res: Record<string, GoValue> = {};
  parts.forEach((p, i) => {
    res[`_${i}`] = p;
  });
  return res;
}

/** Sprig's `quote`: each non-nil argument through `%q`, space-separated. */
function quote(...args: GoValue[]): string {
  const out: string[] = [];
  for (const a of args) if (!isNil(a)) out.push(goSprintf('%q', [strval(a)]));
  return out.join(' ');
}

/** Sprig's `squote`: each non-nil argument through `'%v'`. */
function squote(...args: GoValue[]): string {
  const out: string[] = [];
  for (const a of args) if (!isNil(a)) out.push(`'${formatV(a)}'`);
  return out.join(' ');
}

/** Sprig's `cat`: non-nil arguments through `%v`, space-separated. */
function cat(...args: GoValue[]): string {
  const out: string[] = [];
  for (const a of args) if (!isNil(a)) out.push(formatV(a));
  return out.join(' ');
}

/** sortAlpha: a list's strings in byte order; anything else becomes a one-element list. */
function sortAlpha(list: GoValue): GoValue {
  if (Array.isArray(list)) return strslice(list).sort(compareGoStrings);
  return [strval(list === undefined ? null : list)];
}

/** The string functions, keyed by template name. */
export function stringFunctions(): Record<string, GoTemplateFunction> {
  const S = 'string' as const;
  const I = 'int' as const;
  return {
    hello: signed(() => 'Hello!', { params: [] }),
    trunc: signed((c, s) => trunc(int(c), str(s)), { params: [I, S] }),
    trim: signed((s) => trimSpace(str(s)), { params: [S] }),
    upper: signed((s) => toUpper(str(s)), { params: [S] }),
    lower: signed((s) => toLower(str(s)), { params: [S] }),
    title: signed((s) => title(str(s)), { params: [S] }),
    substr: signed((a, b, s) => substring(int(a), int(b), str(s)), { params: [I, I, S] }),
    repeat: signed((c, s) => repeat(str(s), int(c)), { params: [I, S] }),
    trimall: signed((a, b) => trimCutset(str(b), str(a)), { params: [S, S] }),
    trimAll: signed((a, b) => trimCutset(str(b), str(a)), { params: [S, S] }),
    trimSuffix: signed(
      (a, b) => (str(b).endsWith(str(a)) ? str(b).slice(0, str(b).length - str(a).length) : str(b)),
      {
        params: [S, S],
      },
    ),
    trimPrefix: signed(
      (a, b) => (str(b).startsWith(str(a)) ? str(b).slice(str(a).length) : str(b)),
      {
        params: [S, S],
      },
    ),
    contains: signed((sub, s) => str(s).includes(str(sub)), { params: [S, S] }),
    hasPrefix: signed((sub, s) => str(s).startsWith(str(sub)), { params: [S, S] }),
    hasSuffix: signed((sub, s) => str(s).endsWith(str(sub)), { params: [S, S] }),
    quote,
    squote,
    cat,
    indent: signed((n, v) => indent(int(n), str(v)), { params: [I, S] }),
    nindent: signed((n, v) => '\n' + indent(int(n), str(v)), { params: [I, S] }),
    replace: signed((o, n, s) => replaceAll(str(s), str(o), str(n)), { params: [S, S, S] }),
    plural: signed((one, many, count) => ((count as bigint) === 1n ? str(one) : str(many)), {
      params: [S, S, I],
    }),
    toString: (v: GoValue) => strval(v === undefined ? null : v),
    split: signed((sep, orig) => toSplitMap(splitN(str(orig), str(sep), -1)), { params: [S, S] }),
    splitList: signed((sep, orig) => splitN(str(orig), str(sep), -1), { params: [S, S] }),
    splitn: signed((sep, n, orig) => toSplitMap(splitN(str(orig), str(sep), int(n))), {
      params: [S, I, S],
    }),
    toStrings: (v) => strslice(v),
    join: signed((sep, v) => strslice(v).join(str(sep)), { params: [S, 'interface'] }),
    sortAlpha,
    fail: signed(
      (msg) => {
        throw new Error(str(msg));
      },
      { params: [S] },
    ),
  };
}

/**
 * Sprig's list.go: every list function and its must* variant. The plain variants panic in Go,
 * which text/template turns into an error with the same message, so both throw here.
 */
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { deepEqual, isEmpty, isNil, listKindOrThrow, toInt64 } from './cast';

/** The list behind a value, or Sprig's "Cannot VERB on type KIND" error. */
function asList(v: GoValue, message: (kind: string) => string): GoValue[] {
  if (Array.isArray(v)) return v;
  throw new Error(message(listKindOrThrow(v)));
}

const inList = (haystack: GoValue[], needle: GoValue): boolean =>
  haystack.some((h) => deepEqual(needle, h));

function chunk(size: number, list: GoValue[]): GoValue[][] {
  const l = list.length;
  const cs = Math.floor((l - 1) / size) + 1;
  if (!Number.isFinite(cs) || cs < 0) throw new Error('runtime error: makeslice: len out of range');
  const out: GoValue[][] = [];
  for (let i = 0; i < cs; i++) {
    let clen = size;
    if (i === cs - 1) {
      clen = Math.floor(l % size);
      if (clen === 0) clen = size;
    }
    out.push(list.slice(i * size, i * size + clen));
  }
  return out;
}

function sliceList(list: GoValue[], indices: GoValue[]): GoValue {
  const l = list.length;
  if (l === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0] as GoValue)) : 0;
  const end = indices.length < 2 ? l : Number(toInt64(indices[1] as GoValue));
  if (start < 0 || end < start || end > l)
    throw new Error('reflect.Value.Slice: slice index out of bounds');
  return list.slice(start, end);
}

function concat(...lists: GoValue[]): GoValue[] {
  const res: GoValue[] = [];
  for (const list of lists) {
    if (!Array.isArray(list))
      throw new Error(`Cannot concat type ${listKindOrThrow(list)} as list`);
    res.push(...list);
  }
  return res;
}

type ListOps = Record<string, (...args: GoValue[]) => GoValue>;

/** The must* bodies; the plain names share them (Go's panic and error carry the same text). */
function listOps(): ListOps {
  return {
    Push: (list, v) => [...asList(list, (k) => `Cannot push on type ${k}`), v as GoValue],
    Prepend: (list, v) => [v as GoValue, ...asList(list, (k) => `Cannot prepend on type ${k}`)],
    Chunk: (size, list) =>
      chunk(
        Number(size as bigint),
        asList(list as GoValue, (k) => `Cannot chunk type ${k}`),
      ),
    Last: (list) => {
      const l = asList(list, (k) => `Cannot find last on type ${k}`);
      return l.length === 0 ? null : (l[l.length - 1] as GoValue);
    },
    First: (list) => {
      const l = asList(list, (k) => `Cannot find first on type ${k}`);
      return l.length === 0 ? null : (l[0] as GoValue);
    },
    Rest: (list) => {
      const l = asList(list, (k) => `Cannot find rest on type ${k}`);
      return l.length === 0 ? null : l.slice(1);
    },
    Initial: (list) => {
      const l = asList(list, (k) => `Cannot find initial on type ${k}`);
      return l.length === 0 ? null : l.slice(0, -1);
    },
    Reverse: (list) => [...asList(list, (k) => `Cannot find reverse on type ${k}`)].reverse(),
    Compact: (list) =>
      asList(list, (k) => `Cannot compact on type ${k}`).filter((x) => !isEmpty(x)),
    Uniq: (list) => {
      const dest: GoValue[] = [];
      for (const x of asList(list, (k) => `Cannot find uniq on type ${k}`))
        if (!inList(dest, x)) dest.push(x);
      return dest;
    },
    Without: (list, ...omit) =>
      asList(list, (k) => `Cannot find without on type ${k}`).filter((x) => !inList(omit, x)),
    Has: (needle, haystack) => {
      if (isNil(haystack)) return false;
      return inList(
        asList(haystack as GoValue, (k) => `Cannot find has on type ${k}`),
        needle as GoValue,
      );
    },
    Slice: (list, ...indices) =>
      sliceList(
        asList(list, (k) => `list should be type of slice or array but ${k}`),
        indices,
      ),
  };
}

/** The list functions, keyed by template name. */
export function listFunctions(): Record<string, GoTemplateFunction> {
  const ops = listOps();
  const op = (name: string): ((...args: GoValue[]) => GoValue) =>
    ops[name] as (...args: GoValue[]) => GoValue;
  const one = { params: ['interface' as const] };
  const two = { params: ['interface' as const, 'interface' as const] };
  const variadic = { params: ['interface' as const], variadic: 'interface' as const };
  const sigs: Record<string, { params: ('interface' | 'int')[]; variadic?: 'interface' }> = {
    Push: two,
    Prepend: two,
    Chunk: { params: ['int', 'interface'] },
    Last: one,
    First: one,
    Rest: one,
    Initial: one,
    Reverse: one,
    Compact: one,
    Uniq: one,
    Without: variadic,
    Has: two,
    Slice: variadic,
  };
  const out: Record<string, GoTemplateFunction> = {
    list: (...v) => v,
    tuple: (...v) => v,
    concat,
  };
  for (const [name, sig] of Object.entries(sigs)) {
    const lower = name[0]?.toLowerCase() + name.slice(1);
    out[lower] = signed(op(name), sig);
    out[`must${name}`] = signed(op(name), sig);
  }
  out['append'] = out['push'] as GoTemplateFunction;
  out['mustAppend'] = out['mustPush'] as GoTemplateFunction;
  return out;
}

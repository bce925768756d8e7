/**
 * Sprig's dict.go: dict, get/set/unset, hasKey, pluck, keys, pick, omit, values, dig, and the
 * merges, which follow dario.cat/mergo (Merge and Merge WithOverride) on map[string]interface{}.
 * Go ranges over maps in random order; `keys` and `values` return insertion order here.
 */
import { signed, type GoMap, type GoTemplateFunction, type GoValue } from '../values';
import { goTypeName, isEmpty, isGoMap, strval } from './cast';

const has = (m: GoMap, k: string): boolean => Object.prototype.hasOwnProperty.call(m, k);

/** mergo's deepMerge of one map into another, in place. */
function mergeMaps(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const key of Object.keys(src)) {
    const srcEl = src[key] ?? null;
    const dstHas = has(dst, key);
    const dstEl = dst[key];
    if (srcEl === null) {
      if (overwrite) dst[key] = null;
      continue;
    }
    if (isGoMap(srcEl) && dstHas && isGoMap(dstEl)) {
      mergeMaps(dstEl, srcEl, overwrite);
      if (!isEmpty(dstEl)) continue;
    } else if (Array.isArray(srcEl) && dstHas && !isEmpty(dstEl) && !overwrite) {
      continue;
    }
    if (overwrite || !dstHas || isEmpty(dstEl)) dst[key] = srcEl;
  }
}

/** Sprig's dig: walks nested maps by keys; the default when a key is missing. */
function dig(...ps: GoValue[]): GoValue {
  if (ps.length < 3) throw new Error('dig needs at least three arguments');
  let dict = ps[ps.length - 1] as GoValue;
  const def = ps[ps.length - 2] as GoValue;
  const keys = ps.slice(0, -2).map((k) => {
    if (typeof k !== 'string')
      throw new Error(`interface conversion: interface {} is ${goTypeName(k)}, not string`);
    return k;
  });
  for (let i = 0; ; i++) {
    if (!isGoMap(dict)) {
      throw new Error(
        `interface conversion: interface {} is ${goTypeName(dict)}, not map[string]interface {}`,
      );
    }
    const k = keys[i] as string;
    if (!has(dict, k)) return def;
    if (i === keys.length - 1) return dict[k] as GoValue;
    dict = dict[k] as GoValue;
  }
}

/** The dict functions, keyed by template name. */
export function dictFunctions(): Record<string, GoTemplateFunction> {
  const M = 'map' as const;
  const S = 'string' as const;
  const map = (v: GoValue): GoMap => v as GoMap;
  const merge = (overwrite: boolean) =>
    signed(
      (dst, ...srcs) => {
        for (const src of srcs) mergeMaps(map(dst), map(src), overwrite);
        return dst;
      },
      { params: [M], variadic: M },
    );
  return {
    dict: (...v) => {
      const d: GoMap = {};
      for (let i = 0; i < v.length; i += 2) {
        const key = strval(v[i] as GoValue);
        d[key] = i + 1 >= v.length ? '' : (v[i + 1] as GoValue);
      }
      return d;
    },
    get: signed((d, k) => (has(map(d), k as string) ? (map(d)[k as string] as GoValue) : ''), {
      params: [M, S],
    }),
    set: signed(
      (d, k, v) => {
        map(d)[k as string] = v;
        return d;
      },
      { params: [M, S, 'interface'] },
    ),
    unset: signed(
      (d, k) => {
        delete map(d)[k as string];
        return d;
      },
      { params: [M, S] },
    ),
    hasKey: signed((d, k) => has(map(d), k as string), { params: [M, S] }),
    pluck: signed(
      (k, ...ds) =>
        ds.filter((d) => has(map(d), k as string)).map((d) => map(d)[k as string] as GoValue),
      { params: [S], variadic: M },
    ),
    keys: signed((...ds) => ds.flatMap((d) => Object.keys(map(d))), { params: [], variadic: M }),
    pick: signed(
      (d, ...ks) => {
        const res: GoMap = {};
        for (const k of ks as string[]) if (has(map(d), k)) res[k] = map(d)[k] as GoValue;
        return res;
      },
      { params: [M], variadic: S },
    ),
    omit: signed(
      (d, ...ks) => {
        const drop = new Set(ks as string[]);
        const res: GoMap = {};
        for (const k of Object.keys(map(d))) if (!drop.has(k)) res[k] = map(d)[k] as GoValue;
        return res;
      },
      { params: [M], variadic: S },
    ),
    values: signed((d) => Object.values(map(d)), { params: [M] }),
    dig,
    merge: merge(false),
    mustMerge: merge(false),
    mergeOverwrite: merge(true),
    mustMergeOverwrite: merge(true),
  };
}

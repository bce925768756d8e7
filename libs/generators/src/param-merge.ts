/**
 * The map merges Argo CD performs with `dario.cat/mergo` and its own helpers, reproduced for
 * plain JSON-like values (objects stand for Go maps and structs alike).
 */

/** A parameter set: `map[string]interface{}` in Argo CD. */
export type ParamSet = Record<string, unknown>;

/** True for a plain object (a Go map or struct), not an array or null. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// mergo's isEmptyValue for the kinds JSON can hold.
function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}

/**
 * `mergo.Merge(&dst, src, mergo.WithOverride)` on `map[string]interface{}` values, in place:
 * nested maps merge key by key; a slice never replaces a non-empty slice or map already in `dst`;
 * every other source value (even an empty one) overwrites.
 */
export function mergoMergeOverride(dst: ParamSet, src: ParamSet): ParamSet {
  for (const key of Object.keys(src)) {
    const s = src[key];
    const d = dst[key];
    if (isPlainObject(s) && isPlainObject(d)) {
      if (!isEmpty(d)) {
        mergoMergeOverride(d, s);
        continue;
      }
    }
    if (Array.isArray(s) && d !== undefined && !isEmpty(d)) continue;
    dst[key] = isPlainObject(s) ? deepCopy(s) : s;
  }
  return dst;
}

/**
 * `mergo.Merge(&dst, src)` without override, as used to fill a generator's `template` with the
 * ApplicationSet's: a field empty in `dst` takes the value from `src`, objects merge recursively.
 */
export function mergoMergeFill(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
): Record<string, unknown> {
  for (const key of Object.keys(src)) {
    const s = src[key];
    const d = dst[key];
    if (isPlainObject(d) && isPlainObject(s) && !isEmpty(d)) {
      mergoMergeFill(d, s);
    } else if (isEmpty(d) && s !== undefined) {
      dst[key] = deepCopy(s);
    }
  }
  return dst;
}

/**
 * Argo CD's `CombineStringMaps` (matrix in the default template mode): the union of both sets;
 * a key present in both with different values is an error.
 */
export function combineStringMaps(a: ParamSet, b: ParamSet): ParamSet {
  const res: ParamSet = { ...a };
  for (const key of Object.keys(b)) {
    const v = b[key];
    if (Object.prototype.hasOwnProperty.call(res, key) && res[key] !== v) {
      throw new Error(
        `found duplicate key ${key} with different value, a: ${String(res[key])} ,b: ${String(v)}`,
      );
    }
    res[key] = v;
  }
  return res;
}

/** Deep copy of JSON-like data (objects, arrays, scalars). */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = deepCopy(v[k]);
    return out as T;
  }
  return v;
}

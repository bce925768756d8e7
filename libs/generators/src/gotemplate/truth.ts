/**
 * Go's template truth (`IsTrue`): false for nil, missing, false, zero numbers and empty
 * strings, slices and maps; functions are non-nil and so true.
 */
import type { GoMap, GoValue } from './values';

/** A Go map[string]interface{}: a plain object that is not an array. */
export function isGoMap(v: GoValue): v is GoMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** text/template's isTrue after indirecting interfaces. */
export function isTrue(v: GoValue): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'function':
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  for (const k in v) if (Object.hasOwn(v, k)) return true;
  return false;
}

/**
 * Go's template truth (`IsTrue`): false for nil, missing, false, zero numbers and empty
 * strings, slices and maps; functions, structs and non-nil pointers are true.
 */
import { goObjectOf } from './go-object';
import type { GoMap, GoValue } from './values';

/** A Go map[string]interface{}: a plain object that is neither an array nor a Go struct value. */
export function isGoMap(v: GoValue): v is GoMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && goObjectOf(v) === undefined;
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
  if (goObjectOf(v) !== undefined) return true; // a struct is always true, a non-nil pointer too
  for (const k in v) if (Object.hasOwn(v, k)) return true;
  return false;
}

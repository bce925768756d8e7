/**
 * Sprig's defaults.go (default, empty, coalesce, all, any, ternary, JSON), the reflection
 * functions (typeOf, kindOf, deepEqual...) and deepCopy.
 */
import { signed, type GoMap, type GoTemplateFunction, type GoValue } from '../values';
import { deepEqual, goKind, goTypeName, isEmpty, isGoMap } from './cast';
import { decodeJson, encodeJson } from './json';

/** copystructure.Copy for template values: maps and slices are copied, scalars and structs shared. */
export function deepCopyValue(v: GoValue): GoValue {
  if (Array.isArray(v)) return v.map(deepCopyValue);
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) out[k] = deepCopyValue(v[k]);
    return out;
  }
  return v;
}

/** Sprig's default: `given` unless it is absent or empty. */
function dfault(d: GoValue, ...given: GoValue[]): GoValue {
  if (given.length === 0 || isEmpty(given[0])) return d;
  return given[0] as GoValue;
}

function toJson(v: GoValue, escapeHtml: boolean, indent?: string): string {
  return encodeJson(v, indent === undefined ? { escapeHtml } : { escapeHtml, indent });
}

/** Runs a must* body, turning its error into the non-must variant's silent fallback. */
function orElse<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** The defaults, JSON and reflection functions, keyed by template name. */
export function defaultFunctions(): Record<string, GoTemplateFunction> {
  const one = { params: ['interface' as const] };
  return {
    default: signed(dfault, { params: ['interface'], variadic: 'interface' }),
    empty: signed((v) => isEmpty(v), one),
    coalesce: (...vs) => vs.find((v) => !isEmpty(v)) ?? null,
    all: (...vs) => vs.every((v) => !isEmpty(v)),
    any: (...vs) => vs.some((v) => !isEmpty(v)),
    ternary: signed((vt, vf, cond) => (cond ? vt : vf), {
      params: ['interface', 'interface', 'bool'],
    }),
    fromJson: signed((s) => orElse(() => decodeJson(s as string), null), { params: ['string'] }),
    mustFromJson: signed((s) => decodeJson(s as string), { params: ['string'] }),
    toJson: signed((v) => orElse(() => toJson(v, true), ''), one),
    mustToJson: signed((v) => toJson(v, true), one),
    toPrettyJson: signed((v) => orElse(() => toJson(v, true, '  '), ''), one),
    mustToPrettyJson: signed((v) => toJson(v, true, '  '), one),
    toRawJson: signed((v) => orElse(() => toJson(v, false), ''), one),
    mustToRawJson: signed((v) => toJson(v, false), one),
    deepCopy: signed((v) => deepCopyValue(v), one),
    mustDeepCopy: signed((v) => deepCopyValue(v), one),
    typeOf: signed((v) => goTypeName(v), one),
    typeIs: signed((t, v) => t === goTypeName(v), { params: ['string', 'interface'] }),
    typeIsLike: signed((t, v) => t === goTypeName(v) || `*${t as string}` === goTypeName(v), {
      params: ['string', 'interface'],
    }),
    kindOf: signed((v) => goKind(v), one),
    kindIs: signed((t, v) => t === goKind(v), { params: ['string', 'interface'] }),
    deepEqual: signed((a, b) => deepEqual(a, b), { params: ['interface', 'interface'] }),
  };
}

/**
 * Go parameter types as the executor checks arguments against them (validateType): their
 * printed names, which accept nil, and which values are assignable.
 */
import type { ArgType } from './builtins';
import { isGoMap } from './truth';
import type { GoParamType, GoValue } from './values';

export const TYPE_NAMES: Record<ArgType, string> = {
  interface: 'interface {}',
  reflect: 'reflect.Value',
  string: 'string',
  bool: 'bool',
  int: 'int',
  int64: 'int64',
  uint: 'uint',
  float64: 'float64',
  slice: '[]interface {}',
  stringSlice: '[]string',
  map: 'map[string]interface {}',
};

export const canBeNil = (t: ArgType): boolean =>
  t === 'interface' || t === 'reflect' || t === 'slice' || t === 'stringSlice' || t === 'map';

/**
 * Whether a concrete value is assignable to a parameter type. Integer parameters accept any
 * integer: the value model has one integer type, so Go's int/int64/uint distinctions (which
 * would reject e.g. Sprig's int64 results passed to an int parameter) cannot be reproduced.
 */
export function assignable(v: GoValue, t: GoParamType): boolean {
  switch (t) {
    case 'interface':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
    case 'int64':
    case 'uint':
      return typeof v === 'bigint';
    case 'float64':
      return typeof v === 'number';
    case 'slice':
      return Array.isArray(v);
    case 'stringSlice':
      return Array.isArray(v) && v.every((e) => typeof e === 'string');
    case 'map':
      return isGoMap(v);
  }
}

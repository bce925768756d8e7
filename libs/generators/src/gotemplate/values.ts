/**
 * The Go value model used by the Go `text/template` engine and the Sprig functions.
 *
 * Argo CD hands templates `map[string]interface{}` parameters decoded from JSON/YAML, so the
 * distinctions that change output must survive in TypeScript:
 * - Go `int`/`int64` (template literals like `{{ 1 }}`, Sprig arithmetic, `len`) is a `bigint`;
 * - Go `float64` (every number decoded from JSON, `{{ 1.5 }}`) is a `number`, printed with
 *   Go's `%v` rules (`1e+06`, not `1000000`);
 * - `nil` is `null`; a missing map key yields `undefined` ("<no value>" when printed under
 *   `missingkey=default`);
 * - `map[string]interface{}` is a plain object (Go prints and ranges over it in key order);
 * - `[]interface{}` is an array; `string` and `bool` map directly.
 */
export type GoValue =
  null | undefined | string | boolean | bigint | number | GoValue[] | GoMap | GoFunctionValue;

export interface GoMap {
  [key: string]: GoValue;
}

/** A function value (rare in templates; kept for `call`). */
export type GoFunctionValue = (...args: GoValue[]) => GoValue;

/** A template function: receives evaluated arguments, returns a value or throws an Error. */
export type GoTemplateFunction = (...args: GoValue[]) => GoValue;

/**
 * Go parameter types that change how text/template passes an argument: an untyped constant
 * such as `3` becomes the parameter's type (int for `interface{}`), and a value of the wrong
 * type is an error ("wrong type for value; expected int; got float64"), as in Go.
 */
export type GoParamType =
  | 'interface'
  | 'string'
  | 'bool'
  | 'int'
  | 'int64'
  | 'uint'
  | 'float64'
  | 'slice' // []interface{}
  | 'stringSlice' // []string
  | 'map'; // map[string]interface{}

/** A function's Go signature; functions without one take `...interface{}`. */
export interface GoSignature {
  params: GoParamType[];
  /** Type of the trailing `...T` parameter, when the function is variadic. */
  variadic?: GoParamType;
}

/** A template function that declares its Go signature. */
export interface GoSignedFunction extends GoTemplateFunction {
  goSignature?: GoSignature;
}

/** Attaches a Go signature to a function (used by the Sprig and Argo CD function tables). */
export function signed(fn: GoTemplateFunction, signature: GoSignature): GoSignedFunction {
  return Object.assign(fn, { goSignature: signature });
}

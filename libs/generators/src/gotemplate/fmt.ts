/**
 * Go's `fmt.Sprint`, `fmt.Sprintln` and `fmt.Sprintf` over the Go value model (see values.ts),
 * following `fmt/print.go`: `%v` of a float64 is `%g` with shortest digits (so 1000000 is
 * `1e+06`), maps print as `map[k:v]` in key order, a bad verb prints `%!d(string=x)`, and
 * missing or extra arguments are reported inline rather than thrown, exactly as Go does.
 */
import { Printer } from './fmt-printer';
import type { GoValue } from './values';

export { goTypeName, sortedKeys } from './fmt-printer';
export { goSprintf } from './fmt-printf';

/** fmt.Sprint: operands joined, with a space between two operands when neither is a string. */
export function goSprint(...args: GoValue[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) p.f.out += ' ';
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.f.out;
}

/** fmt.Sprintln: operands always separated by spaces, followed by a newline. */
export function goSprintln(...args: GoValue[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.f.out += ' ';
    p.printArg(arg, 'v');
  });
  return p.f.out + '\n';
}

/**
 * How `{{ . }}` prints a value: fmt.Sprint of it, except that a missing value (undefined, Go's
 * invalid reflect.Value) prints as `<no value>`, as text/template's printValue does.
 */
export function goFormatValue(v: GoValue): string {
  if (v === undefined) return '<no value>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  return goSprint(v);
}

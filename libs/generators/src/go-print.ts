/**
 * `fmt.Sprintf("%v", v)` for the values a JSON/YAML document decodes to in Go
 * (`map[string]interface{}`, `[]interface{}`, float64, string, bool, nil). Used where Argo CD
 * flattens Git file contents into string parameters.
 */
export function goSprintV(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return formatGoFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(goSprintV).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${goSprintV((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/**
 * Go's `%v` for a float64: strconv's shortest `'g'` form, which uses an exponent when the decimal
 * exponent is below -4 or at least 6 (`1e+06`, `1.234567e+06`, `123456`, `0.0001`, `1e-05`).
 */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // toExponential() without an argument gives the shortest digits that round-trip, like Go.
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const absExp = Math.abs(exp);
    out = `${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${absExp < 10 ? `0${absExp}` : absExp}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return negative ? `-${out}` : out;
}

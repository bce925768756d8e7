/**
 * Go's `time.ParseDuration`, which Argo CD uses for a sync window's `duration`: a sequence of
 * decimal numbers, each with an optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`,
 * `h`), e.g. `1h30m`, `90m`, `1.5h`; `0` needs no unit.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5
  μs: 1e-3, // U+03BC
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM_RE = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/** Milliseconds in a Go duration string; throws an Error with Go's message when it is malformed. */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    TERM_RE.lastIndex = pos;
    const m = TERM_RE.exec(s);
    const [whole = '', frac, unit = ''] = m ? [m[1], m[2], m[3]] : [];
    if (!m || (whole === '' && (frac ?? '') === ''))
      throw new Error(`time: invalid duration ${quoted}`);
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined)
      throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(`${whole || '0'}.${frac ?? ''}0`) * perUnit;
    pos = TERM_RE.lastIndex;
  }
  return sign * total;
}

/**
 * Sprig's regex.go over Go's regexp semantics: FindAll and ReplaceAll skip an empty match that
 * abuts the previous match, replacement templates expand `$1`, `${1}`, `$name`, `${name}`
 * (names taken greedily, as Go does), and Split follows regexp.Split.
 */
import { goSprintf } from '../fmt';
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { compileGoRegexp, quoteMeta, type GoRegexp } from './re2';

/** Match positions: [start, end, group1Start, group1End, ...] (-1 when a group did not take part). */
type Match = number[];

function execAt(r: GoRegexp, s: string, pos: number): Match | undefined {
  r.re.lastIndex = pos;
  const m = r.re.exec(s);
  if (!m) return undefined;
  const out: Match = [m.index, m.index + m[0].length];
  const indices = (m as RegExpExecArray & { indices?: [number, number][] }).indices;
  for (let g = 1; g < m.length; g++) {
    const span = indices?.[g];
    out.push(span ? span[0] : -1, span ? span[1] : -1);
  }
  return out;
}

const withIndicesCache = new WeakMap<GoRegexp, GoRegexp>();

/** The same regexp with the `d` flag, so that group offsets are available for `$1` expansion. */
function withIndices(r: GoRegexp): GoRegexp {
  let d = withIndicesCache.get(r);
  if (!d) {
    d = { ...r, re: new RegExp(r.re.source, 'gud') };
    withIndicesCache.set(r, d);
  }
  return d;
}

function runeWidthAt(s: string, pos: number): number {
  const cp = s.codePointAt(pos);
  return cp !== undefined && cp > 0xffff ? 2 : 1;
}

/** regexp's allMatches: successive non-overlapping matches, at most n (n < 0: all). */
function allMatches(r: GoRegexp, s: string, n: number): Match[] {
  const limit = n < 0 ? s.length + 1 : n;
  const out: Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while (out.length < limit && pos <= s.length) {
    const m = execAt(r, s, pos);
    if (!m) break;
    const [start, end] = m as [number, number];
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      pos = start < s.length ? start + runeWidthAt(s, start) : s.length + 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Expand of a replacement template for one match. */
function expand(template: string, r: GoRegexp, s: string, m: Match): string {
  let out = '';
  let rest = template;
  for (;;) {
    const at = rest.indexOf('$');
    if (at < 0) break;
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = rest.slice(ref[0].length);
    const name = (ref[1] ?? ref[2]) as string;
    let group = -1;
    if (/^\d+$/.test(name)) group = name.length > 8 ? -1 : Number(name);
    else group = r.names.indexOf(name);
    if (group >= 0 && 2 * group + 1 < m.length && (m[2 * group] as number) >= 0) {
      out += s.slice(m[2 * group], m[2 * group + 1]);
    }
  }
  return out + rest;
}

/** regexp's replaceAll loop, with Go's rule against replacing an empty match right after a match. */
function replaceAll(r: GoRegexp, s: string, repl: (m: Match) => string): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = execAt(r, s, searchPos);
    if (!m) break;
    const [start, end] = m as [number, number];
    out += s.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += repl(m);
    lastMatchEnd = end;
    const width = searchPos < s.length ? runeWidthAt(s, searchPos) : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + s.slice(lastMatchEnd);
}

function split(r: GoRegexp, s: string, n: number): string[] {
  if (n === 0) return [];
  if (r.source.length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of allMatches(r, s, n)) {
    if (n > 0 && out.length === n - 1) break;
    end = m[0] as number;
    if (m[1] !== 0) out.push(s.slice(beg, end));
    beg = m[1] as number;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** regexp.MustCompile's panic text. */
function mustCompile(expr: string): GoRegexp {
  try {
    return compileGoRegexp(expr);
  } catch (e) {
    // eslint-disable-next-line no-control-regex -- strconv.CanBackquote: no control characters other than tab.
    const quoted = /^[^`\x00-\x08\x0a-\x1f\x7f]*$/.test(expr)
      ? `\`${expr}\``
      : goSprintf('%q', [expr]);
    throw new Error(`regexp: Compile(${quoted}): ${(e as Error).message}`);
  }
}

type Op = (r: GoRegexp, ...args: GoValue[]) => GoValue;

const OPS: Record<string, { op: Op; params: ('string' | 'int')[] }> = {
  RegexMatch: {
    op: (r, s) => execAt(r, s as string, 0) !== undefined,
    params: ['string', 'string'],
  },
  RegexFindAll: {
    op: (r, s, n) =>
      allMatches(r, s as string, Number(n as bigint)).map((m) => (s as string).slice(m[0], m[1])),
    params: ['string', 'string', 'int'],
  },
  RegexFind: {
    op: (r, s) => {
      const m = execAt(r, s as string, 0);
      return m ? (s as string).slice(m[0], m[1]) : '';
    },
    params: ['string', 'string'],
  },
  RegexReplaceAll: {
    op: (r, s, repl) =>
      replaceAll(withIndices(r), s as string, (m) => expand(repl as string, r, s as string, m)),
    params: ['string', 'string', 'string'],
  },
  RegexReplaceAllLiteral: {
    op: (r, s, repl) => replaceAll(r, s as string, () => repl as string),
    params: ['string', 'string', 'string'],
  },
  RegexSplit: {
    op: (r, s, n) => split(r, s as string, Number(n as bigint)),
    params: ['string', 'string', 'int'],
  },
};

/** The regex functions, keyed by template name. */
export function regexFunctions(): Record<string, GoTemplateFunction> {
  const out: Record<string, GoTemplateFunction> = {
    regexQuoteMeta: signed((s) => quoteMeta(s as string), { params: ['string'] }),
  };
  for (const [name, { op, params }] of Object.entries(OPS)) {
    const lower = name[0]?.toLowerCase() + name.slice(1);
    out[`must${name}`] = signed((expr, ...rest) => op(compileGoRegexp(expr as string), ...rest), {
      params,
    });
    // regexMatch swallows the compile error (false); the others MustCompile and panic.
    out[lower] =
      name === 'RegexMatch'
        ? signed(
            (expr, s) => {
              try {
                return op(compileGoRegexp(expr as string), s as GoValue);
              } catch {
                return false;
              }
            },
            { params },
          )
        : signed((expr, ...rest) => op(mustCompile(expr as string), ...rest), { params });
  }
  return out;
}

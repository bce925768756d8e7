/**
 * Translates Go (RE2) regular expressions into JavaScript RegExps with the same meaning:
 * Go's `.` matches `\r`, `\s` is ASCII-only, `^`/`$` are text anchors unless `(?m)`, flags
 * (`i`, `m`, `s`, `U`) can change mid-pattern, `[[:alpha:]]`, `\pL`, `\Q...\E`, octal escapes,
 * and a literal `{` that is not a repeat. Capture groups become plain JS groups; Go's group
 * names are kept on the side for `${name}` expansion. Syntax errors carry Go's messages.
 * One file past 300 lines on purpose: the translator is a single recursive-descent pass whose
 * parts (groups, escapes, classes, flags) share its cursor and flag state.
 */

export interface GoRegexp {
  /** Global, unicode-mode JS RegExp (exec from lastIndex). */
  readonly re: RegExp;
  /** Go's SubexpNames: index 0 is "", unnamed groups are "". */
  readonly names: string[];
  readonly source: string;
}

type Range = [number, number];
const MAX = 0x10ffff;

const PERL: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

const POSIX: Record<string, Range[]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

function negate(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

function esc(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function rangesToClassBody(ranges: Range[]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`)).join('');
}

/** Adds the simple case variants of letters in small ranges (Go folds case in classes under (?i)). */
function foldRanges(ranges: Range[]): Range[] {
  const out = [...ranges];
  for (const [lo, hi] of ranges) {
    if (hi - lo > 512) continue;
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCodePoint(c);
      for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
        const cp = v.codePointAt(0) ?? c;
        if (Array.from(v).length === 1 && cp !== c) out.push([cp, cp]);
      }
    }
  }
  return out;
}

/** A Go regexp syntax error, with Go's wording. */
export class GoRegexpError extends Error {
  constructor(code: string, arg: string) {
    super(`error parsing regexp: ${code}: \`${arg}\``);
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const GENERAL_CATEGORY = /^(?:[CLMNPSZ]|C[cfos]|L[lmotu]|M[cen]|N[dlo]|P[cdefios]|S[ckmo]|Z[lps])$/;

class Translator {
  private i = 0;
  private out = '';
  readonly names: string[] = [''];
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private readonly stack: { flags: Flags; start: number }[] = [];
  /** Whether the last emitted item can take a repetition, and where it starts in `out`. */
  private atomStart = -1;
  private lastWasRepeat = false;

  constructor(private readonly src: string) {}

  translate(): string {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (c === '(') this.openGroup();
      else if (c === ')') this.closeGroup();
      else if (c === '|') this.emitOp('|');
      else if (c === '*' || c === '+' || c === '?') this.repeat(c, 1);
      else if (c === '{' && this.tryBraceRepeat()) continue;
      else if (c === '[') this.atom(this.charClass());
      else if (c === '.') {
        this.i++;
        this.atom(this.flags.s ? '[\\u{0}-\\u{10ffff}]' : '[^\\n]');
      } else if (c === '^') {
        this.i++;
        this.emitOp(this.flags.m ? '(?:^|(?<=\\n))' : '^');
      } else if (c === '$') {
        this.i++;
        this.emitOp(this.flags.m ? '(?:$|(?=\\n))' : '$');
      } else if (c === '\\') this.escape();
      else {
        const cp = s.codePointAt(this.i) ?? 0;
        this.i += cp > 0xffff ? 2 : 1;
        this.literal(cp);
      }
    }
    if (this.stack.length > 0) throw new GoRegexpError('missing closing )', s);
    return this.out;
  }

  private emitOp(text: string): void {
    if (text === '|') this.i++;
    this.out += text;
    this.atomStart = -1;
    this.lastWasRepeat = false;
  }

  private atom(text: string): void {
    this.atomStart = this.out.length;
    this.out += text;
    this.lastWasRepeat = false;
  }

  private literal(cp: number): void {
    if (this.flags.i) {
      const folded = foldRanges([[cp, cp]]);
      if (folded.length > 1) {
        this.atom(`[${rangesToClassBody(folded)}]`);
        return;
      }
    }
    this.atom(esc(cp));
  }

  private repeat(op: string, length: number): void {
    const text = this.src.slice(this.i, this.i + length);
    this.i += length;
    let lazy = false;
    if (this.src[this.i] === '?') {
      lazy = true;
      this.i++;
    }
    if (this.lastWasRepeat)
      throw new GoRegexpError(
        'invalid nested repetition operator',
        this.src.slice(this.i - length - (lazy ? 1 : 0) - 1, this.i),
      );
    if (this.atomStart < 0)
      throw new GoRegexpError('missing argument to repetition operator', text);
    if (this.flags.U) lazy = !lazy;
    this.out += op + (lazy ? '?' : '');
    this.lastWasRepeat = true;
  }

  private tryBraceRepeat(): boolean {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
    if (!m) {
      this.i++;
      this.literal(0x7b);
      return true;
    }
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > 1000 || max > 1000 || (max >= 0 && min > max))
      throw new GoRegexpError('invalid repeat count', m[0]);
    this.repeat(m[0], m[0].length);
    return true;
  }

  private openGroup(): void {
    const s = this.src;
    const rest = s.slice(this.i);
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named) {
      const name = named[1] ?? '';
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoRegexpError('invalid named capture', named[0]);
      if (this.names.includes(name)) throw new GoRegexpError('duplicate capture group name', name);
      this.names.push(name);
      this.push(named[0].length, '(');
      return;
    }
    const flagged = /^\(\?([a-zA-Z-]*)(:|\))/.exec(rest);
    if (rest.startsWith('(?')) {
      if (!flagged) throw new GoRegexpError('invalid or unsupported Perl syntax', rest.slice(0, 3));
      const next = { ...this.flags };
      let neg = false;
      for (const f of flagged[1] ?? '') {
        if (f === '-') {
          if (neg) throw new GoRegexpError('invalid or unsupported Perl syntax', flagged[0]);
          neg = true;
        } else if (f === 'i' || f === 'm' || f === 's' || f === 'U') next[f] = !neg;
        else throw new GoRegexpError('invalid or unsupported Perl syntax', flagged[0]);
      }
      if (flagged[2] === ')') {
        this.i += flagged[0].length;
        this.flags = next;
        return;
      }
      this.push(flagged[0].length, '(?:');
      this.flags = next;
      return;
    }
    this.names.push('');
    this.push(1, '(');
  }

  private push(length: number, text: string): void {
    this.stack.push({ flags: { ...this.flags }, start: this.out.length });
    this.i += length;
    this.out += text;
    this.atomStart = -1;
    this.lastWasRepeat = false;
  }

  private closeGroup(): void {
    const top = this.stack.pop();
    if (!top) throw new GoRegexpError('unexpected )', this.src);
    this.i++;
    this.out += ')';
    this.flags = top.flags;
    this.atomStart = top.start;
    this.lastWasRepeat = false;
  }

  private escape(): void {
    const s = this.src;
    const c = s[this.i + 1];
    if (c === undefined) throw new GoRegexpError('trailing backslash at end of expression', '');
    if (c === 'Q') {
      const end = s.indexOf('\\E', this.i + 2);
      const lit = end < 0 ? s.slice(this.i + 2) : s.slice(this.i + 2, end);
      this.i = end < 0 ? s.length : end + 2;
      for (const ch of lit) this.literal(ch.codePointAt(0) ?? 0);
      return;
    }
    if (c === 'A' || c === 'z') {
      this.i += 2;
      this.emitOp(c === 'A' ? '^' : '$');
      return;
    }
    if (c === 'b' || c === 'B') {
      this.i += 2;
      this.emitOp(`\\${c}`);
      return;
    }
    const cls = this.classEscape();
    if (cls !== undefined) {
      this.atom(`[${cls}]`);
      return;
    }
    this.literal(this.charEscape());
  }

  /** A class-like escape (\d \S \pL \p{Greek}...) as class body text, or undefined. */
  private classEscape(): string | undefined {
    const s = this.src;
    const c = s[this.i + 1] as string;
    const lower = c.toLowerCase();
    if (PERL[lower]) {
      this.i += 2;
      const ranges = c === lower ? (PERL[lower] as Range[]) : negate(PERL[lower] as Range[]);
      return rangesToClassBody(ranges);
    }
    if (c === 'p' || c === 'P') {
      let name: string;
      const start = this.i;
      if (s[this.i + 2] === '{') {
        const end = s.indexOf('}', this.i + 3);
        if (end < 0) throw new GoRegexpError('invalid character class range', s.slice(start));
        name = s.slice(this.i + 3, end);
        this.i = end + 1;
      } else {
        name = s[this.i + 2] ?? '';
        this.i += 3;
      }
      let neg = c === 'P';
      if (name.startsWith('^')) {
        neg = !neg;
        name = name.slice(1);
      }
      if (name === 'Any') return neg ? '' : rangesToClassBody([[0, MAX]]);
      const prop = GENERAL_CATEGORY.test(name) ? name : `Script=${name}`;
      try {
        new RegExp(`\\p{${prop}}`, 'u');
      } catch {
        throw new GoRegexpError('invalid character class range', s.slice(start, this.i));
      }
      return `\\${neg ? 'P' : 'p'}{${prop}}`;
    }
    return undefined;
  }

  /** A single-character escape; advances past it and returns the code point. */
  private charEscape(): number {
    const s = this.src;
    const c = s[this.i + 1] as string;
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (simple[c] !== undefined) {
      this.i += 2;
      return simple[c] as number;
    }
    if (c >= '0' && c <= '7') {
      const m = /^[0-7]{1,3}/.exec(s.slice(this.i + 1)) as RegExpExecArray;
      if (c !== '0' && m[0].length === 1)
        throw new GoRegexpError('invalid escape sequence', `\\${c}`);
      this.i += 1 + m[0].length;
      return Number.parseInt(m[0], 8);
    }
    if (c === 'x') {
      const braced = /^\{([0-9a-fA-F]+)\}/.exec(s.slice(this.i + 2));
      const plain = /^[0-9a-fA-F]{2}/.exec(s.slice(this.i + 2));
      const m = braced ?? plain;
      const hex = braced ? braced[1] : plain?.[0];
      if (!m || hex === undefined || Number.parseInt(hex, 16) > MAX) {
        throw new GoRegexpError(
          'invalid escape sequence',
          s.slice(this.i, this.i + 2 + (m?.[0].length ?? 0)),
        );
      }
      this.i += 2 + m[0].length;
      return Number.parseInt(hex, 16);
    }
    const cp = c.codePointAt(0) ?? 0;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) {
      this.i += 2;
      return cp;
    }
    throw new GoRegexpError('invalid escape sequence', `\\${c}`);
  }

  private charClass(): string {
    const s = this.src;
    const start = this.i;
    this.i++;
    let negated = false;
    if (s[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Range[] = [];
    const props: string[] = [];
    let first = true;
    for (;;) {
      if (this.i >= s.length) throw new GoRegexpError('missing closing ]', s.slice(start));
      const c = s[this.i] as string;
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(s.slice(this.i));
      if (posix) {
        const set = POSIX[posix[2] ?? ''];
        if (!set) throw new GoRegexpError('invalid character class range', posix[0]);
        ranges.push(...(posix[1] ? negate(set) : set));
        this.i += posix[0].length;
        continue;
      }
      if (c === '\\') {
        const cls = this.classEscape();
        if (cls !== undefined) {
          props.push(cls);
          continue;
        }
      }
      const lo = this.classChar();
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && this.i + 1 < s.length) {
        const rangeStart = this.i;
        this.i++;
        const hi = this.classChar();
        if (hi < lo)
          throw new GoRegexpError(
            'invalid character class range',
            s.slice(rangeStart - String.fromCodePoint(lo).length, this.i),
          );
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    const body = rangesToClassBody(this.flags.i ? foldRanges(ranges) : ranges) + props.join('');
    if (body === '') return negated ? '[\\u{0}-\\u{10ffff}]' : '[^\\u{0}-\\u{10ffff}]';
    return `[${negated ? '^' : ''}${body}]`;
  }

  private classChar(): number {
    const s = this.src;
    if (s[this.i] === '\\') return this.charEscape();
    const cp = s.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

const cache = new Map<string, GoRegexp>();

/** regexp.Compile: the translated RegExp plus Go's group names; throws Go's parse errors. */
export function compileGoRegexp(source: string): GoRegexp {
  // Callers always set lastIndex before exec and run synchronously, so a cached RegExp is safe to share.
  const hit = cache.get(source);
  if (hit) return hit;
  const t = new Translator(source);
  const js = t.translate();
  const compiled: GoRegexp = { re: new RegExp(js, 'gu'), names: t.names, source };
  if (cache.size > 500) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

/** regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * Literal decoding for the parser: Go's `strconv.Unquote`/`UnquoteChar` for string and rune
 * literals, and `parse.newNumber`'s rules for numeric constants (ParseUint/ParseInt with base 0,
 * then ParseFloat), so that `0x1F`, `0o17`, `1_000`, `1e3`, `'a'` mean what they mean in Go.
 */

export class SyntaxError extends Error {}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

function utf8(cp: number): number[] {
  return [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
}

/** Decodes one (possibly escaped) character at s[i]; returns its value, whether it is a raw byte, and the next index. */
function unquoteChar(
  s: string,
  i: number,
  quote: string,
): { value: number; byte: boolean; next: number } {
  const c = s.codePointAt(i);
  if (c === undefined) throw new SyntaxError('invalid syntax');
  const ch = String.fromCodePoint(c);
  if (ch === quote && (quote === "'" || quote === '"')) throw new SyntaxError('invalid syntax');
  if (ch !== '\\') return { value: c, byte: false, next: i + ch.length };
  const e = s[i + 1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e !== undefined && simple[e] !== undefined)
    return { value: simple[e]!, byte: false, next: i + 2 };
  if (e === "'" || e === '"') {
    if (e !== quote) throw new SyntaxError('invalid syntax');
    return { value: e.charCodeAt(0), byte: false, next: i + 2 };
  }
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const hex = s.slice(i + 2, i + 2 + n);
    if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new SyntaxError('invalid syntax');
    const v = parseInt(hex, 16);
    if (e === 'x') return { value: v, byte: true, next: i + 2 + n };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError('invalid syntax');
    return { value: v, byte: false, next: i + 2 + n };
  }
  if (e !== undefined && e >= '0' && e <= '7') {
    const oct = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(oct)) throw new SyntaxError('invalid syntax');
    const v = parseInt(oct, 8);
    if (v > 255) throw new SyntaxError('invalid syntax');
    return { value: v, byte: true, next: i + 4 };
  }
  throw new SyntaxError('invalid syntax');
}

/** strconv.Unquote for "..." and `...` literals. */
export function unquote(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new SyntaxError('invalid syntax');
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new SyntaxError('invalid syntax');
    return body.replace(/\r/g, ''); // Go drops carriage returns from raw strings
  }
  if (q !== '"') throw new SyntaxError('invalid syntax');
  if (!body.includes('\\') && !body.includes('"') && !body.includes('\n')) return body;
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    if (body[i] === '\n') throw new SyntaxError('invalid syntax');
    const r = unquoteChar(body, i, '"');
    if (r.byte) bytes.push(r.value);
    else bytes.push(...utf8(r.value));
    i = r.next;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A character constant such as 'a' or '\n': its rune value. */
export function unquoteRune(lit: string): number {
  const r = unquoteChar(lit, 1, "'");
  if (lit.slice(r.next) !== "'") throw new SyntaxError(`malformed character constant: ${lit}`);
  return r.value;
}

/** strconv's underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, 64) / ParseInt(s, 0, 64); null on any error. */
function parseInteger(s: string, signed: boolean): bigint | null {
  let neg = false;
  let body = s;
  if (signed && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  if (body.length === 0) return null;
  let base = 10;
  let digits = body;
  if (body[0] === '0' && body.length > 1) {
    const p = body[1]!.toLowerCase();
    if (p === 'x' || p === 'b' || p === 'o') {
      base = p === 'x' ? 16 : p === 'b' ? 2 : 8;
      digits = body.slice(2);
    } else {
      base = 8;
      digits = body.slice(1);
    }
  }
  if (digits.includes('_')) {
    if (!underscoreOK(s)) return null;
    digits = digits.replace(/_/g, '');
  }
  if (digits.length === 0) return null;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[
    base as 2 | 8 | 10 | 16
  ];
  if (!valid.test(digits)) return null;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  let v = BigInt(prefix + digits);
  if (neg) v = -v;
  if (signed ? v < INT64_MIN || v > INT64_MAX : v > UINT64_MAX) return null;
  return v;
}

/** strconv.ParseFloat(s, 64) for decimal and hexadecimal forms; null on error or overflow. */
function parseFloat64(s: string): number | null {
  if (s.includes('_')) {
    if (!underscoreOK(s)) return null;
    s = s.replace(/_/g, '');
  }
  const hexm = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)$/.exec(s);
  let v: number;
  if (hexm) {
    const [, sign, int = '', frac = '', exp = '0'] = hexm;
    if (int.length + frac.length === 0) return null;
    v = parseInt(int + frac || '0', 16) * Math.pow(2, Number(exp) - 4 * frac.length);
    if (sign === '-') v = -v;
  } else {
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return null;
    v = Number(s);
  }
  return Number.isFinite(v) ? v : null;
}

/** The readings of a numeric literal, as parse.NumberNode records them. */
export interface NumberInfo {
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  int: bigint;
  uint: bigint;
  float: number;
}

/** parse.newNumber for itemNumber and itemCharConstant (complex constants are rejected by the caller). */
export function parseNumber(text: string, isChar: boolean): NumberInfo {
  if (isChar) {
    const r = unquoteRune(text);
    return { isInt: true, isUint: true, isFloat: true, int: BigInt(r), uint: BigInt(r), float: r };
  }
  const n: NumberInfo = {
    isInt: false,
    isUint: false,
    isFloat: false,
    int: 0n,
    uint: 0n,
    float: 0,
  };
  const u = parseInteger(text, false);
  if (u !== null) {
    n.isUint = true;
    n.uint = u;
  }
  const i = parseInteger(text, true);
  if (i !== null) {
    n.isInt = true;
    n.int = i;
    if (i === 0n) {
      n.isUint = true; // in case of -0
      n.uint = 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float = Number(n.int);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float = Number(n.uint);
  } else {
    const f = parseFloat64(text);
    if (f !== null) {
      // A float reading of something that looks like an integer means it overflowed.
      if (!/[.eEpP]/.test(text)) throw new SyntaxError(`integer overflow: ${JSON.stringify(text)}`);
      n.isFloat = true;
      n.float = f;
      if (Number.isInteger(f) && BigInt(f) >= INT64_MIN && BigInt(f) <= INT64_MAX) {
        n.isInt = true;
        n.int = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && BigInt(f) <= UINT64_MAX) {
        n.isUint = true;
        n.uint = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat)
    throw new SyntaxError(`illegal number syntax: ${JSON.stringify(text)}`);
  return n;
}

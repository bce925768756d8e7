/**
 * The parts of Go's `strconv` that `fmt` and the template parser need: float formatting with
 * Go's exact digit and layout rules, and Go-syntax quoting/unquoting.
 *
 * JavaScript's own `toString`/`toFixed` differ from Go in the places that show up in rendered
 * manifests (`1e+06` vs `1000000`, round-half-even vs half-up on exact ties, `e+06` vs `e+6`),
 * so digits are produced here and laid out exactly as `strconv/ftoa.go` does.
 */

/** Decimal digits of |v|: value = 0.d1d2d3... × 10^dp, with no trailing zeros in `d`. */
interface Digits {
  d: string;
  dp: number;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Float64Array/Uint32Array share the platform's endianness; Node runs little-endian hosts.
const HI = 1;
const LO = 0;

/** Shortest digits that round-trip, as Go's shortest mode (and JS's ToString) produce them. */
function shortestDigits(abs: number): Digits {
  if (abs === 0) return { d: '', dp: 0 };
  const s = abs.toExponential();
  const e = s.indexOf('e');
  const mant = s.slice(0, e).replace('.', '');
  return { d: trimZeros(mant), dp: Number(s.slice(e + 1)) + 1 };
}

/** The exact decimal expansion of a finite double (every double is a finite decimal). */
function exactDigits(abs: number): Digits {
  if (abs === 0) return { d: '', dp: 0 };
  F64[0] = abs;
  const hi = U32[HI] ?? 0;
  const lo = U32[LO] ?? 0;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (bexp === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = bexp - 1075;
  }
  if (exp >= 0) {
    const s = (mant << BigInt(exp)).toString();
    return { d: trimZeros(s), dp: s.length };
  }
  // mant × 2^exp = mant × 5^-exp / 10^-exp.
  const s = (mant * 5n ** BigInt(-exp)).toString();
  const lead = s.length - s.replace(/^0+/, '').length;
  return { d: trimZeros(s.slice(lead)), dp: s.length + exp };
}

function trimZeros(s: string): string {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 48) n--;
  return s.slice(0, n);
}

/** Go's decimal.Round: round to nd digits, half to even on an exact tie. */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x;
  const c = x.d.charCodeAt(nd);
  let up: boolean;
  if (c === 53 /* '5' */ && nd + 1 === x.d.length) {
    up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = c >= 53;
  }
  if (!up) {
    const d = trimZeros(x.d.slice(0, nd));
    return { d, dp: d.length === 0 ? 0 : x.dp };
  }
  let i = nd - 1;
  while (i >= 0 && x.d.charCodeAt(i) === 57) i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  return { d: x.d.slice(0, i) + String.fromCharCode(x.d.charCodeAt(i) + 1), dp: x.dp };
}

function fmtE(neg: boolean, x: Digits, prec: number, verb: string): string {
  let out = neg ? '-' : '';
  out += x.d.length > 0 ? x.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(x.d.length, prec + 1);
    out += x.d.slice(1, m);
    for (let i = Math.max(m, 1); i <= prec; i++) out += '0';
  }
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  return `${out}${verb}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    out += x.d.slice(0, m);
    for (let i = m; i < x.dp; i++) out += '0';
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      out += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return out;
}

/**
 * strconv.FormatFloat(v, verb, prec, 64) for verbs e, E, f, g, G; prec -1 means shortest.
 * Infinities and NaN are spelled `+Inf`, `-Inf`, `NaN` as in Go.
 */
export function formatFloat(v: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let x: Digits;
  if (shortest) {
    x = shortestDigits(abs);
    if (verb === 'e' || verb === 'E') prec = Math.max(x.d.length - 1, 0);
    else if (verb === 'f') prec = Math.max(x.d.length - x.dp, 0);
    else prec = x.d.length;
  } else {
    x = exactDigits(abs);
    if (verb === 'e' || verb === 'E') x = roundDigits(x, prec + 1);
    else if (verb === 'f') x = roundDigits(x, x.dp + prec);
    else {
      if (prec === 0) prec = 1;
      x = roundDigits(x, prec);
    }
  }
  if (verb === 'e' || verb === 'E') return fmtE(neg, x, prec, verb);
  if (verb === 'f') return fmtF(neg, x, prec);
  // %g: %e when the exponent is < -4 or >= the precision (6 when shortest, as in Go).
  let eprec = prec;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > x.d.length) prec = x.d.length;
    return fmtE(neg, x, prec - 1, verb === 'g' ? 'e' : 'E');
  }
  if (prec > x.dp) prec = x.d.length;
  return fmtF(neg, x, Math.max(prec - x.dp, 0));
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return PRINTABLE.test(String.fromCodePoint(r));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 92) return '\\' + String.fromCharCode(r);
  if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r >= 0xd800 && r <= 0xdfff) return '\\ufffd'; // a lone surrogate is invalid UTF-8 in Go
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote (or QuoteToASCII when asciiOnly). */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) ?? 0, 34, asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune (or QuoteRuneToASCII). Invalid code points become U+FFFD as in Go. */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + escapeRune(r, 39, asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (r === 0x60 || r === 0xfeff) return false;
    if (r < 0x20 ? r !== 9 : r === 0x7f) return false;
  }
  return true;
}

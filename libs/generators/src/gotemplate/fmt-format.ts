/**
 * The low-level formatter of Go's `fmt` package (`fmt/format.go`): flags, width, precision,
 * padding, and the primitive writers for integers, floats, strings and runes.
 */
import { canBackquote, formatFloat, isPrint, quote, quoteRune } from './strconv';

const LDIGITS = '0123456789abcdefx';
const UDIGITS = '0123456789ABCDEFX';

/** Counts code points, as Go counts runes for width and precision. */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** Formatter state for one verb; `out` accumulates the whole Sprintf result. */
export class GoFormatter {
  out = '';
  wid = 0;
  prec = 0;
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;

  clearFlags(): void {
    this.wid = 0;
    this.prec = 0;
    this.widPresent = false;
    this.precPresent = false;
    this.minus = false;
    this.plus = false;
    this.sharp = false;
    this.space = false;
    this.zero = false;
    this.plusV = false;
    this.sharpV = false;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.out += (this.zero ? '0' : ' ').repeat(n);
  }

  /** Appends s padded to the width (left or right per the minus flag). */
  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.out += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.out += s;
    } else {
      this.out += s;
      this.writePadding(width);
    }
  }

  /** Pads without zero fill: Go never zero-pads `<nil>` or booleans meaningfully. */
  padString(s: string): void {
    this.pad(s);
  }

  fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  /** fmt.fmtInteger: base 2, 8, 10 or 16, with precision/zero-padding/sharp prefixes. */
  fmtInteger(v: bigint, base: number, verb: string, upper = false): void {
    const negative = v < 0n;
    let u = negative ? -v : v;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      // Precision 0 and value 0 prints nothing but padding.
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--; // leave room for the sign
    }
    let digits = u === 0n ? '0' : '';
    const digitSet = upper ? UDIGITS : LDIGITS;
    const b = BigInt(base);
    while (u > 0n) {
      digits = digitSet[Number(u % b)] + digits;
      u /= b;
    }
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = '0' + digitSet[16] + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (this.plus) digits = '+' + digits;
    else if (this.space) digits = ' ' + digits;
    // Zero padding was handled as precision above, or is ignored due to an explicit precision.
    const oldZero = this.zero;
    this.zero = false;
    this.pad(digits);
    this.zero = oldZero;
  }

  /** fmt.fmtFloat for verbs e, E, f, g, G (prec -1 = shortest unless a precision is given). */
  fmtFloat(v: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      // Infinities and NaN are not padded with zeros; NaN shows a sign only when asked.
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp) num = sharpFloat(num, verb, prec);
    if (this.plus || num[0] !== '+') {
      // Zero padding goes between the sign and the digits.
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.out += num[0];
        this.writePadding(this.wid - num.length);
        this.out += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  /** %s with precision truncating to runes. */
  fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  truncate(s: string): string {
    if (!this.precPresent) return s;
    let n = 0;
    let i = 0;
    for (const ch of s) {
      if (n >= this.prec) return s.slice(0, i);
      n++;
      i += ch.length;
    }
    return s;
  }

  /** %x / %X of a string: hex of its UTF-8 bytes. */
  fmtSx(s: string, upper: boolean): void {
    const bytes = Buffer.from(this.truncate(s), 'utf8');
    const digits = upper ? UDIGITS : LDIGITS;
    if (bytes.length === 0) {
      // Go pads an empty hex encoding with spaces only.
      this.writePaddingSpaces(this.widPresent ? this.wid : 0);
      return;
    }
    let out = '';
    for (let i = 0; i < bytes.length; i++) {
      if (this.space && i > 0) out += ' ';
      if (this.sharp && (this.space || i === 0)) out += '0' + digits[16];
      const b = bytes[i] ?? 0;
      out += (digits[b >> 4] ?? '') + (digits[b & 15] ?? '');
    }
    this.pad(out);
  }

  private writePaddingSpaces(n: number): void {
    if (n > 0) this.out += ' '.repeat(n);
  }

  /** %q of a string. */
  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(quote(s, this.plus));
  }

  /** %c of an integer. */
  fmtC(r: bigint): void {
    this.pad(String.fromCodePoint(validRune(r)));
  }

  /** %q of an integer. */
  fmtQc(r: bigint): void {
    this.pad(quoteRune(validRune(r), this.plus));
  }

  /** %U of an integer: U+0041, or with '#' U+0041 'A'. */
  fmtUnicode(r: bigint): void {
    let hex = (r < 0n ? -r : r).toString(16).toUpperCase();
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    hex = hex.padStart(prec, '0');
    let s = (r < 0n ? 'U+-' : 'U+') + hex;
    if (this.sharp && r >= 0n && r <= 0x10ffffn && isPrint(Number(r))) {
      s += " '" + String.fromCodePoint(Number(r)) + "'";
    }
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }
}

function validRune(r: bigint): number {
  if (r < 0n || r > 0x10ffffn) return 0xfffd;
  const n = Number(r);
  return n >= 0xd800 && n <= 0xdfff ? 0xfffd : n;
}

/** The '#' flag on floats: always a decimal point; %g keeps trailing zeros (fmt/format.go). */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 0;
  if (verb === 'g' || verb === 'G') digits = prec === -1 ? 6 : prec;
  let tail = '';
  let body = num;
  const e = num.search(/[eE]/);
  if (e >= 0) {
    tail = num.slice(e);
    body = num.slice(0, e);
  }
  let sawNonzero = false;
  let sawDot = false;
  for (let i = 1; i < body.length; i++) {
    const c = body[i];
    if (c === '.') {
      sawDot = true;
      continue;
    }
    if (c !== '0') sawNonzero = true;
    // Count significant digits after the first non-zero digit.
    if (sawNonzero) digits--;
  }
  if (!sawDot) {
    // Leading digit 0 should contribute once to digits.
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  while (digits > 0) {
    body += '0';
    digits--;
  }
  return body + tail;
}

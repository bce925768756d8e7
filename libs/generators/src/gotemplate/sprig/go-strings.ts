/**
 * Go's `strings` and `unicode` semantics over JavaScript strings. Go strings are UTF-8 bytes
 * and several Sprig functions index them by byte, so byte-oriented helpers convert through
 * UTF-8; ASCII strings (the common case) take the plain JavaScript path.
 */
// eslint-disable-next-line no-control-regex -- ASCII is every code point from U+0000 to U+007F, NUL included.
const ASCII = /^[\x00-\x7f]*$/;

/** Whether a string is pure ASCII, where bytes and UTF-16 units coincide. */
export function isAscii(s: string): boolean {
  return ASCII.test(s);
}

/** The UTF-8 length of a string (Go's `len(s)`). */
export function byteLength(s: string): number {
  return isAscii(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

/** Go's `s[start:end]` on bytes (bounds already checked). */
export function byteSlice(s: string, start: number, end?: number): string {
  if (isAscii(s)) return s.slice(start, end);
  return Buffer.from(s, 'utf8').subarray(start, end).toString('utf8');
}

/** Go's runtime panic for a bad `s[low:high]` string slice expression. */
export function sliceBoundsError(low: number, high: number, length: number): Error {
  if (high < 0) return new Error(`runtime error: slice bounds out of range [:${high}]`);
  if (high > length)
    return new Error(`runtime error: slice bounds out of range [:${high}] with length ${length}`);
  return new Error(`runtime error: slice bounds out of range [${low}:${high}]`);
}

/** Go's `s[low:high]` on bytes, panicking like Go when out of range. */
export function checkedByteSlice(s: string, low: number, high: number): string {
  const length = byteLength(s);
  if (high < 0 || high > length || low < 0 || low > high) throw sliceBoundsError(low, high, length);
  return byteSlice(s, low, high);
}

const SPACE_CODES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** unicode.IsSpace (differs from JavaScript's \s: includes U+0085, excludes U+FEFF). */
export function isGoSpace(code: number): boolean {
  return SPACE_CODES.has(code);
}

const GO_TRIM_SPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** strings.TrimSpace. */
export function trimSpace(s: string): string {
  return s.replace(GO_TRIM_SPACE, '');
}

/** strings.Trim with a cutset of runes. */
export function trimCutset(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const set = new Set(Array.from(cutset));
  const runes = Array.from(s);
  let start = 0;
  let end = runes.length;
  while (start < end && set.has(runes[start] as string)) start++;
  while (end > start && set.has(runes[end - 1] as string)) end--;
  return runes.slice(start, end).join('');
}

/** Maps each rune through a case function, keeping runes whose mapping is not one rune (Go has no special casing). */
function mapRunes(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += m.length === c.length && Array.from(m).length === 1 ? m : c;
  }
  return out;
}

/** strings.ToUpper (simple case mapping: "ß" stays "ß"). */
export function toUpper(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase());
}

/** strings.ToLower (simple case mapping). */
export function toLower(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase());
}

/** unicode.ToUpper on one rune. */
export function runeUpper(c: string): string {
  return mapRunes(c, (x) => x.toUpperCase());
}

/** unicode.ToLower on one rune. */
export function runeLower(c: string): string {
  return mapRunes(c, (x) => x.toLowerCase());
}

/** unicode.IsUpper. */
export function isUpper(c: string): boolean {
  return /^\p{Lu}$/u.test(c);
}

/** unicode.IsLower. */
export function isLower(c: string): boolean {
  return /^\p{Ll}$/u.test(c);
}

/** unicode.IsLetter. */
export function isLetter(c: string): boolean {
  return /^\p{L}$/u.test(c);
}

/** unicode.IsDigit / IsNumber (Nd) . */
export function isDigit(c: string): boolean {
  return /^\p{Nd}$/u.test(c);
}

/** strings.Title's word-boundary rule (deprecated in Go but what Sprig calls). */
function isTitleSeparator(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  if (code <= 0x7f) {
    if (/[0-9a-zA-Z_]/.test(c)) return false;
    return true;
  }
  if (/^[\p{L}\p{Nd}]$/u.test(c)) return false;
  return isGoSpace(code);
}

/** strings.Title: upper-cases (title-cases) the first letter of each word. */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isTitleSeparator(prev) ? runeUpper(c) : c;
    prev = c;
  }
  return out;
}

/** strings.Replace(s, old, new, -1), including Go's rule for an empty `old` (insert between runes). */
export function replaceAll(s: string, old: string, replacement: string): string {
  if (old === '') {
    const runes = Array.from(s);
    return replacement + runes.map((r) => r + replacement).join('');
  }
  return s.split(old).join(replacement);
}

/** strings.SplitN (n < 0: all; n == 0: nil), with Go's rune explosion for an empty separator. */
export function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = Array.from(s);
    if (n < 0 || n >= runes.length) return runes;
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** strings.Repeat, with its panic on a negative count. */
export function repeat(s: string, count: number): string {
  if (count < 0) throw new Error('strings: negative Repeat count');
  if (s.length * count > 1 << 28) throw new Error('strings: Repeat output length overflow');
  return s.repeat(count);
}

/** Byte-wise comparison of UTF-8 strings (Go's `<` on strings, i.e. code point order). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (isAscii(a) && isAscii(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Sprig's word functions, implemented by Masterminds/goutils (abbrev, initials, wrap, swapcase,
 * untitle, nospace) and huandu/xstrings v1.5 (snakecase, camelcase, kebabcase, shuffle).
 * goutils works on bytes in several places; that is reproduced because it shows in results.
 */
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { isGoSpace, isLower, isUpper, runeLower, runeUpper } from './go-strings';

const str = (v: GoValue): string => v as string;
const int = (v: GoValue): number => Number(v as bigint);
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** goutils.AbbreviateFull on bytes; errors (width too small) yield "". */
export function abbreviateFull(s: string, offset: number, maxWidth: number): string {
  if (s === '') return '';
  if (maxWidth < 4) return '';
  const b = utf8(s);
  const len = b.length;
  if (len <= maxWidth) return s;
  if (offset > len) offset = len;
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  if (offset <= 4) return b.subarray(0, maxWidth - 3).toString('utf8') + '...';
  if (maxWidth < 7) return '';
  if (offset + maxWidth - 3 < len) {
    return '...' + abbreviateFull(b.subarray(offset).toString('utf8'), 0, maxWidth - 3);
  }
  return '...' + b.subarray(len - (maxWidth - 3)).toString('utf8');
}

/** goutils.DeleteWhiteSpace: drops bytes that are spaces when read as runes (byte-wise, as goutils does). */
function deleteWhiteSpace(s: string): string {
  if (s === '') return s;
  const b = utf8(s);
  const kept = b.filter((byte) => !isGoSpace(byte));
  return kept.length === b.length ? s : Buffer.from(kept).toString('utf8');
}

/** goutils.Initials: first byte of each whitespace-separated word, each byte written as a rune. */
function initials(s: string): string {
  let out = '';
  let lastWasGap = true;
  for (const byte of utf8(s)) {
    if (isGoSpace(byte)) lastWasGap = true;
    else if (lastWasGap) {
      out += String.fromCharCode(byte);
      lastWasGap = false;
    }
  }
  return out;
}

/** goutils.Uncapitalize: lower-cases the first rune of each whitespace-separated word. */
function uncapitalize(s: string): string {
  let next = true;
  let out = '';
  for (const c of s) {
    if (isGoSpace(c.codePointAt(0) ?? 0)) {
      next = true;
      out += c;
    } else if (next) {
      out += runeLower(c);
      next = false;
    } else out += c;
  }
  return out;
}

/** goutils.SwapCase: upper → lower, lower → title after whitespace, else upper. */
function swapCase(s: string): string {
  let whitespace = true;
  let out = '';
  for (const c of s) {
    if (isUpper(c) || /^\p{Lt}$/u.test(c)) {
      out += runeLower(c);
      whitespace = false;
    } else if (isLower(c)) {
      out += runeUpper(c);
      if (whitespace) whitespace = false;
    } else {
      out += c;
      whitespace = isGoSpace(c.codePointAt(0) ?? 0);
    }
  }
  return out;
}

/** goutils.WrapCustom on bytes. */
export function wrapCustom(
  s: string,
  wrapLength: number,
  newLine: string,
  wrapLongWords: boolean,
): string {
  if (s === '') return '';
  if (newLine === '') newLine = '\n';
  if (wrapLength < 1) wrapLength = 1;
  const b = utf8(s);
  const len = b.length;
  const SPACE = 0x20;
  let offset = 0;
  const out: string[] = [];
  const text = (from: number, to: number): string => b.subarray(from, to).toString('utf8');
  while (len - offset > wrapLength) {
    if (b[offset] === SPACE) {
      offset++;
      continue;
    }
    const end = Math.min(wrapLength + offset + 1, len);
    const last = b.subarray(offset, end).lastIndexOf(SPACE);
    const spaceToWrapAt = last + offset;
    if (last >= 0) {
      out.push(text(offset, spaceToWrapAt), newLine);
      offset = spaceToWrapAt + 1;
    } else if (wrapLongWords) {
      out.push(text(offset, wrapLength + offset), newLine);
      offset += wrapLength;
    } else {
      const idx = b.indexOf(SPACE, wrapLength + offset);
      if (idx >= 0) {
        out.push(text(offset, idx), newLine);
        offset = idx + 1;
      } else {
        out.push(text(offset, len));
        offset = len;
      }
    }
  }
  out.push(text(offset, len));
  return out.join('');
}

const isConnector = (c: string): boolean =>
  c === '-' || c === '_' || isGoSpace(c.codePointAt(0) ?? 0);

/** xstrings.ToPascalCase (what Sprig's `camelcase` calls since v3.3). */
export function toPascalCase(s: string): string {
  const runes = Array.from(s);
  let out = '';
  let i = 0;
  while (i < runes.length && isConnector(runes[i] as string)) out += runes[i++];
  if (i >= runes.length) return out;
  let firstUpper = isUpper(runes[i] as string);
  let r0 = runeUpper(runes[i++] as string);
  if (i >= runes.length) return out + r0;
  while (i < runes.length) {
    const r1 = r0;
    r0 = runes[i++] as string;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) {
      firstUpper = isUpper(r0);
      r0 = runeUpper(r0);
    } else {
      if (firstUpper) {
        if (isUpper(r0)) r0 = runeLower(r0);
        else firstUpper = false;
      }
      out += r1;
    }
  }
  return out + r0;
}

/** Fisher–Yates over runes with Go's rand.Intn(i+1) draws (xstrings.Shuffle). */
function shuffle(s: string, random: () => number): string {
  const runes = Array.from(s);
  for (let i = runes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    if (i !== j) [runes[i], runes[j]] = [runes[j] as string, runes[i] as string];
  }
  return runes.join('');
}

/** The goutils/xstrings word functions. */
export function wordFunctions(random: () => number): Record<string, GoTemplateFunction> {
  const S = 'string' as const;
  const I = 'int' as const;
  return {
    abbrev: signed((w, s) => (int(w) < 4 ? str(s) : abbreviateFull(str(s), 0, int(w))), {
      params: [I, S],
    }),
    abbrevboth: signed(
      (l, r, s) => {
        const left = int(l);
        const right = int(r);
        if (right < 4 || (left > 0 && right < 7)) return str(s);
        return abbreviateFull(str(s), left, right);
      },
      { params: [I, I, S] },
    ),
    initials: signed((s) => initials(str(s)), { params: [S] }),
    untitle: signed((s) => uncapitalize(str(s)), { params: [S] }),
    nospace: signed((s) => deleteWhiteSpace(str(s)), { params: [S] }),
    swapcase: signed((s) => swapCase(str(s)), { params: [S] }),
    wrap: signed((l, s) => wrapCustom(str(s), int(l), '', false), { params: [I, S] }),
    wrapWith: signed((l, sep, s) => wrapCustom(str(s), int(l), str(sep), true), {
      params: [I, S, S],
    }),
    camelcase: signed((s) => toPascalCase(str(s)), { params: [S] }),
    snakecase: signed((s) => camelCaseToLowerCase(str(s), '_'), { params: [S] }),
    kebabcase: signed((s) => camelCaseToLowerCase(str(s), '-'), { params: [S] }),
    shuffle: signed((s) => shuffle(str(s), random), { params: [S] }),
  };
}

type WordType = 'invalid' | 'number' | 'upper' | 'alphabet' | 'connector' | 'punct' | 'other';

/** xstrings' isAlphabet: a letter that is not CJK. */
function isAlphabet(c: string): boolean {
  if (!/^\p{L}$/u.test(c)) return false;
  const r = c.codePointAt(0) ?? 0;
  if (r < 0x3400) return true;
  if (r >= 0x4e00 && r <= 0x9fcc) return false;
  if (r >= 0x3400 && r <= 0x4d85) return false;
  if (r >= 0x20000 && r <= 0x2b81d) return false;
  return true;
}
const isPunct = (c: string | undefined): boolean => c !== undefined && /^\p{P}$/u.test(c);
const isNumber = (c: string | undefined): boolean => c !== undefined && /^\p{N}$/u.test(c);

/** xstrings.nextWord over runes: the type of the word at `start` and where it ends. */
function nextWord(r: string[], start: number): { wt: WordType; end: number } {
  if (start >= r.length) return { wt: 'invalid', end: start };
  const c = r[start] as string;
  let i = start + 1;
  const at = (k: number): string => r[k] as string;
  if (isConnector(c)) {
    while (i < r.length && isConnector(at(i))) i++;
    return { wt: 'connector', end: i };
  }
  if (isPunct(c)) {
    while (i < r.length && isPunct(at(i))) i++;
    return { wt: 'punct', end: i };
  }
  if (isUpper(c)) {
    if (i >= r.length) return { wt: 'upper', end: i };
    if (isUpper(at(i))) {
      i++;
      while (i < r.length && isUpper(at(i))) i++;
      // "HTTPStatus" splits into "HTTP" and "Status": the last capital starts the next word.
      if (i < r.length && isAlphabet(at(i))) i--;
    } else if (isAlphabet(at(i))) {
      i++;
      while (i < r.length && isAlphabet(at(i)) && !isUpper(at(i))) i++;
    }
    return { wt: 'upper', end: i };
  }
  if (isAlphabet(c)) {
    while (i < r.length && isAlphabet(at(i)) && !isUpper(at(i))) i++;
    return { wt: 'alphabet', end: i };
  }
  if (isNumber(c)) {
    while (i < r.length && isNumber(at(i))) i++;
    return { wt: 'number', end: i };
  }
  while (
    i < r.length &&
    !(isConnector(at(i)) || isAlphabet(at(i)) || isNumber(at(i)) || isPunct(at(i)))
  )
    i++;
  return { wt: 'other', end: i };
}

/** xstrings.camelCaseToLowerCase (snakecase, kebabcase), ported step by step. */
export function camelCaseToLowerCase(s: string, connector: string): string {
  if (s === '') return '';
  const r = Array.from(s);
  let out = '';
  const toLower = (wt: WordType, word: string[]): void => {
    if (wt !== 'upper' && wt !== 'connector') {
      out += word.join('');
      return;
    }
    for (const c of word) out += isConnector(c) ? connector : isUpper(c) ? runeLower(c) : c;
  };
  let pos = 0;
  const take = (): { wt: WordType; word: string[] } => {
    const { wt, end } = nextWord(r, pos);
    const word = r.slice(pos, end);
    pos = end;
    return { wt, word };
  };
  let { wt, word } = take();
  while (pos < r.length) {
    if (wt !== 'connector') toLower(wt, word);
    const prev = wt;
    const last = word;
    ({ wt, word } = take());
    if (prev === 'number') {
      while (wt === 'alphabet' || wt === 'number') {
        toLower(wt, word);
        ({ wt, word } = take());
      }
      if (wt !== 'invalid' && wt !== 'punct' && wt !== 'connector') out += connector;
    } else if (prev === 'connector') {
      toLower(prev, last);
    } else if (prev !== 'punct') {
      if (wt !== 'number') {
        if (wt !== 'connector' && wt !== 'punct') out += connector;
        continue;
      }
      if (pos >= r.length) continue;
      const num = word;
      ({ wt, word } = take());
      // A number followed by a non-letter belongs to the previous word ("Bld4Floor" → "bld4_floor").
      if (wt !== 'alphabet') {
        toLower('number', num);
        if (wt !== 'connector' && wt !== 'punct') out += connector;
        continue;
      }
      // Letters after a number start a new word with it ("HTTP2xx" → "http_2xx").
      out += connector;
      toLower('number', num);
      while (wt === 'alphabet' || wt === 'number') {
        toLower(wt, word);
        ({ wt, word } = take());
      }
      if (wt !== 'invalid' && wt !== 'connector' && wt !== 'punct') out += connector;
    }
  }
  toLower(wt, word);
  return out;
}

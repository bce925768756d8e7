/**
 * The text/template lexer (Go's `text/template/parse/lex.go`, Go 1.22+ behaviour: trim
 * markers, newlines inside actions, `=` assignment, `break`/`continue`, number syntax with
 * `0o`/`0b`/underscores). Runs once at compile time and produces the whole item list; it stops
 * at the first error item, exactly where Go's lexer goroutine would.
 */
import { goSprintf } from './fmt-printf';
import { KEYWORDS, T, type Item } from './lexer-items';

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\r' || c === '\n';
const ALNUM = /^[\p{L}\p{Nd}_]$/u;
const isAlphaNumeric = (c: string | undefined): boolean =>
  c !== undefined &&
  (c === '_' ||
    (c >= 'a' && c <= 'z') ||
    (c >= 'A' && c <= 'Z') ||
    (c >= '0' && c <= '9') ||
    (c > '\x7f' && ALNUM.test(c)));

/** `%#U` of a rune, as in "bad character U+0023 '#'". */
function sharpU(c: string): string {
  return goSprintf('%#U', [BigInt(c.codePointAt(0) ?? 0)]);
}

/** Lexes a whole template. `breakOK`/`continueOK` are false when a function shadows them. */
export function lex(input: string, breakOK: boolean, continueOK: boolean): Item[] {
  const items: Item[] = [];
  const L = '{{';
  const R = '}}';
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  let lineAtPos = 0;
  let lineCount = 1;
  const lineOf = (p: number): number => {
    // Items are emitted in order, so count newlines incrementally.
    for (; lineAtPos < p; lineAtPos++) if (input.charCodeAt(lineAtPos) === 10) lineCount++;
    return lineCount;
  };
  const emit = (typ: T): void => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: lineOf(start) });
    start = pos;
  };
  const fail = (msg: string): Item[] => {
    items.push({ typ: T.Error, pos: start, val: msg, line: lineOf(start) });
    return items;
  };
  const hasLeftTrim = (p: number): boolean => input[p] === '-' && isSpace(input[p + 1]);
  const hasRightTrim = (p: number): boolean => isSpace(input[p]) && input[p + 1] === '-';
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrim(pos) && input.startsWith(R, pos + 2)) return [true, true];
    if (input.startsWith(R, pos)) return [true, false];
    return [false, false];
  };
  const trailingSpace = (from: number, to: number): number => {
    let n = 0;
    while (to - n > from && isSpace(input[to - n - 1])) n++;
    return n;
  };
  const leadingSpace = (from: number): number => {
    let n = 0;
    while (isSpace(input[from + n])) n++;
    return n;
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    return c === undefined || isSpace(c) || '.,|:)('.includes(c) || c === R[0];
  };
  const scanNumber = (): boolean => {
    const accept = (valid: string): boolean => {
      const c = input[pos];
      if (c !== undefined && valid.includes(c)) {
        pos++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string): void => {
      while (accept(valid)) {
        /* absorb */
      }
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      // A leading 0 does not mean octal in floats, so only prefixes change the digit set.
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(input[pos])) {
      pos += (input.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
      return false;
    }
    return true;
  };
  const scanQuoted = (quote: string, what: string): string | null => {
    for (;;) {
      const c = input[pos++];
      if (c === '\\') {
        const n = input[pos++];
        if (n !== undefined && n !== '\n') continue;
        return what;
      }
      if (c === undefined || c === '\n') return what;
      if (c === quote) return null;
    }
  };

  // lexText / lexLeftDelim / lexComment / lexRightDelim / lexInsideAction as one state loop.
  let inside = false;
  for (;;) {
    if (!inside) {
      const x = input.indexOf(L, pos);
      if (x < 0) {
        pos = input.length;
        if (pos > start) emit(T.Text);
        emit(T.EOF);
        return items;
      }
      if (x > pos) {
        pos = x;
        const trim = hasLeftTrim(x + L.length) ? trailingSpace(start, pos) : 0;
        pos -= trim;
        if (pos > start) emit(T.Text);
        pos += trim;
        start = pos;
      }
      // Left delimiter, possibly with a trim marker, possibly opening a comment.
      pos += L.length;
      const afterMarker = hasLeftTrim(pos) ? 2 : 0;
      if (input.startsWith('/*', pos + afterMarker)) {
        pos += afterMarker;
        start = pos;
        pos += 2;
        const i = input.indexOf('*/', pos);
        if (i < 0) return fail('unclosed comment');
        pos = i + 2;
        const [delim, trim] = atRightDelim();
        if (!delim) return fail('comment ends before closing delimiter');
        if (trim) pos += 2;
        pos += R.length;
        if (trim) pos += leadingSpace(pos);
        start = pos;
        continue;
      }
      emit(T.LeftDelim);
      pos += afterMarker;
      start = pos;
      parenDepth = 0;
      inside = true;
      continue;
    }
    const [delim, trim] = atRightDelim();
    if (delim) {
      if (parenDepth !== 0) return fail('unclosed left paren');
      if (trim) {
        pos += 2;
        start = pos;
      }
      pos += R.length;
      emit(T.RightDelim);
      if (trim) {
        pos += leadingSpace(pos);
        start = pos;
      }
      inside = false;
      continue;
    }
    const c = input[pos];
    if (c === undefined) return fail('unclosed action');
    if (isSpace(c)) {
      let n = 0;
      while (isSpace(input[pos])) {
        pos++;
        n++;
      }
      // A trim-marked right delimiter starts with a space: leave that space to it.
      if (input.startsWith('-' + R, pos)) {
        pos--;
        if (n === 1) continue;
      }
      emit(T.Space);
      continue;
    }
    pos++;
    switch (c) {
      case '=':
        emit(T.Assign);
        continue;
      case ':':
        if (input[pos++] !== '=') return fail('expected :=');
        emit(T.Declare);
        continue;
      case '|':
        emit(T.Pipe);
        continue;
      case '"': {
        const err = scanQuoted('"', 'unterminated quoted string');
        if (err) return fail(err);
        emit(T.String);
        continue;
      }
      case '`': {
        const end = input.indexOf('`', pos);
        if (end < 0) return fail('unterminated raw quoted string');
        pos = end + 1;
        emit(T.RawString);
        continue;
      }
      case "'": {
        const err = scanQuoted("'", 'unterminated character constant');
        if (err) return fail(err);
        emit(T.CharConstant);
        continue;
      }
      case '(':
        emit(T.LeftParen);
        parenDepth++;
        continue;
      case ')':
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit(T.RightParen);
        continue;
    }
    const nextC = input[pos];
    if (c === '$' || (c === '.' && nextC !== undefined && (nextC < '0' || nextC > '9'))) {
      // lexVariable / lexField: "$" or "." alone, else an alphanumeric run.
      if (!atTerminator()) {
        while (
          isAlphaNumeric(String.fromCodePoint(input.codePointAt(pos) ?? 0)) &&
          pos < input.length
        ) {
          pos += (input.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
        }
        if (!atTerminator()) return fail(`bad character ${sharpU(input.slice(pos))}`);
        emit(c === '$' ? T.Variable : T.Field);
      } else {
        emit(c === '$' ? T.Variable : T.Dot);
      }
      continue;
    }
    if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      pos--;
      if (!scanNumber()) return fail(goSprintf('bad number syntax: %q', [input.slice(start, pos)]));
      if (input[pos] === '+' || input[pos] === '-') {
        // Complex: 1+2i. No spaces, must end in 'i'.
        if (!scanNumber() || input[pos - 1] !== 'i') {
          return fail(goSprintf('bad number syntax: %q', [input.slice(start, pos)]));
        }
        emit(T.Complex);
      } else {
        emit(T.Number);
      }
      continue;
    }
    const full = String.fromCodePoint(input.codePointAt(pos - 1) ?? 0);
    if (isAlphaNumeric(full)) {
      pos += full.length - 1;
      while (
        pos < input.length &&
        isAlphaNumeric(String.fromCodePoint(input.codePointAt(pos) ?? 0))
      ) {
        pos += (input.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
      }
      const word = input.slice(start, pos);
      if (!atTerminator()) return fail(`bad character ${sharpU(input.slice(pos))}`);
      const kw = KEYWORDS[word];
      if (kw !== undefined && kw > T.Keyword) {
        emit(
          (kw === T.Break && !breakOK) || (kw === T.Continue && !continueOK) ? T.Identifier : kw,
        );
      } else if (word === 'true' || word === 'false') {
        emit(T.Bool);
      } else {
        emit(T.Identifier);
      }
      continue;
    }
    if (c <= '\x7e' && c >= ' ') {
      emit(T.Char);
      continue;
    }
    return fail(`unrecognized character in action: ${sharpU(full)}`);
  }
}

import { DomainError } from '../domain-error';

/**
 * Go's `path/filepath.Match` on Unix, which Argo CD uses (not gobwas) for the group and kind of
 * `clusterResourceWhitelist` / `namespaceResourceBlacklist` entries: `*` and `?` never match `/`,
 * `[...]` classes take several ranges and negate with `^`, `\` escapes, and there are no `{a,b}`
 * alternatives. Go reports `ErrBadPattern` for a malformed class or a trailing `\`.
 */
export interface CompiledPathMatch {
  readonly pattern: string;
  match(text: string): boolean;
}

const codePoint = (c: string): string => `\\u{${c.codePointAt(0)!.toString(16)}}`;

// Go's getEsc: one class character, `\` escaping; `-` and `]` may not start a range.
function classChar(chars: readonly string[], i: number): [string, number] {
  const c = chars[i];
  if (c === undefined || c === '-' || c === ']') throw new Error('syntax error in pattern');
  if (c !== '\\') return [c, i + 1];
  const escaped = chars[i + 1];
  if (escaped === undefined) throw new Error('syntax error in pattern');
  return [escaped, i + 2];
}

function classSource(chars: readonly string[], start: number): [string, number] {
  let i = start;
  let out = '[';
  if (chars[i] === '^') {
    out += '^';
    i++;
  }
  let ranges = 0;
  for (;;) {
    if (chars[i] === ']' && ranges > 0) return [`${out}]`, i + 1];
    let lo: string;
    [lo, i] = classChar(chars, i);
    let hi = lo;
    if (chars[i] === '-') [hi, i] = classChar(chars, i + 1);
    // Go accepts a reversed range and matches nothing with it; a JS class would not compile.
    if (hi.codePointAt(0)! >= lo.codePointAt(0)!) {
      out += lo === hi ? codePoint(lo) : `${codePoint(lo)}-${codePoint(hi)}`;
    }
    ranges++;
  }
}

/** Compiles a Go `filepath.Match` pattern; throws `DomainError('BAD_USER_INPUT')` naming `field`. */
export function compilePathMatch(pattern: string, field: string): CompiledPathMatch {
  const chars = Array.from(pattern);
  let source = '';
  try {
    for (let i = 0; i < chars.length;) {
      const c = chars[i] as string;
      if (c === '*') {
        source += '[^/]*';
        i++;
      } else if (c === '?') {
        source += '[^/]';
        i++;
      } else if (c === '[') {
        let cls: string;
        [cls, i] = classSource(chars, i + 1);
        source += cls;
      } else if (c === '\\') {
        if (i + 1 >= chars.length) throw new Error('syntax error in pattern');
        source += codePoint(chars[i + 1] as string);
        i += 2;
      } else {
        source += codePoint(c);
        i++;
      }
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}: invalid pattern ${JSON.stringify(pattern)} (${reason})`,
      field,
    );
  }
  const re = new RegExp(`^${source}$`, 'u');
  return { pattern, match: (text) => re.test(text) };
}

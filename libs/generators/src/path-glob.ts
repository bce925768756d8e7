/**
 * The three glob dialects Argo CD's Git generator uses, compiled to regular expressions:
 * - Go's `path.Match` (directory generator): `*` and `?` never cross `/`, `[^...]` negates;
 * - git pathspecs as `git ls-files -- PATTERN` reads them (file generator, default globbing):
 *   wildmatch without WM_PATHNAME, so `*` and `?` also match `/`, plus a literal pattern matching
 *   a file or any file below a directory of that name;
 * - doublestar (file generator with `--enable-new-git-file-globbing`): `**` as a whole segment
 *   spans any number of directories, `{a,b}` alternatives.
 */

/** Thrown for a malformed pattern (Go's `path.ErrBadPattern`). */
export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
  }
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;
const escapeRe = (s: string): string => s.replace(REGEX_SPECIAL, '\\$&');

// Parses a bracket expression starting after '['; returns the regex class and the next index.
function bracket(p: string, i: number, negators: string, allowSlash: boolean): [string, number] {
  let out = '[';
  if (i < p.length && negators.includes(p[i] as string)) {
    out += '^';
    if (!allowSlash) out += '/';
    i++;
  }
  let first = true;
  for (;;) {
    if (i >= p.length) throw new BadPatternError();
    let c = p[i] as string;
    if (c === ']' && !first) return [`${out}]`, i + 1];
    first = false;
    if (c === '\\') {
      i++;
      if (i >= p.length) throw new BadPatternError();
      c = p[i] as string;
    }
    let lo = c;
    i++;
    if (p[i] === '-' && p[i + 1] !== undefined && p[i + 1] !== ']') {
      i++;
      let hi = p[i] as string;
      if (hi === '\\') {
        i++;
        if (i >= p.length) throw new BadPatternError();
        hi = p[i] as string;
      }
      i++;
      if (hi < lo) throw new BadPatternError();
      out += `${escapeRe(lo)}-${escapeRe(hi)}`;
      lo = '';
    }
    if (lo) out += escapeRe(lo);
  }
}

/** Compiles Go's `path.Match` pattern; throws BadPatternError like Go does. */
export function compileGoPathMatch(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i] as string;
    if (c === '*') {
      re += '[^/]*';
      i++;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      if (pattern[i + 1] === ']') throw new BadPatternError();
      const [cls, next] = bracket(pattern, i + 1, '^', false);
      re += cls;
      i = next;
    } else if (c === '\\') {
      if (i + 1 >= pattern.length) throw new BadPatternError();
      re += escapeRe(pattern[i + 1] as string);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return new RegExp(`${re}$`, 's');
}

/** Go's `path.Match(pattern, name)`; a malformed pattern throws BadPatternError. */
export function goPathMatch(pattern: string, name: string): boolean {
  return compileGoPathMatch(pattern).test(name);
}

const GIT_WILDCARDS = /[*?[\\]/;

/** A matcher for a `git ls-files` pathspec (no magic, default flags). */
export function compileGitPathspec(pattern: string): (path: string) => boolean {
  const literal = pattern.replace(/^\.\/+/, '');
  const prefix = (p: string): boolean =>
    literal === '' ||
    literal === '.' ||
    p === literal ||
    p.startsWith(literal.endsWith('/') ? literal : `${literal}/`);
  if (!GIT_WILDCARDS.test(literal)) return prefix;
  let re = '^';
  for (let i = 0; i < literal.length;) {
    const c = literal[i] as string;
    if (c === '*') {
      re += '.*';
      i++;
      while (literal[i] === '*') i++;
    } else if (c === '?') {
      re += '.';
      i++;
    } else if (c === '[') {
      try {
        const [cls, next] = bracket(literal, i + 1, '!^', true);
        re += cls;
        i = next;
      } catch {
        re += '\\[';
        i++;
      }
    } else if (c === '\\' && i + 1 < literal.length) {
      re += escapeRe(literal[i + 1] as string);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  const wild = new RegExp(`${re}$`, 's');
  return (p) => prefix(p) || wild.test(p);
}

/** A matcher for a doublestar pattern (`**` segments, `{a,b}` alternatives). */
export function compileDoublestar(pattern: string): (path: string) => boolean {
  const re = new RegExp(`^${doublestarBody(pattern.replace(/^\.\/+/, ''))}$`, 's');
  return (p) => re.test(p);
}

function doublestarBody(p: string): string {
  let re = '';
  for (let i = 0; i < p.length;) {
    const c = p[i] as string;
    if (
      c === '*' &&
      p[i + 1] === '*' &&
      (i === 0 || p[i - 1] === '/') &&
      (i + 2 === p.length || p[i + 2] === '/')
    ) {
      // `**/` matches zero or more whole directories; a trailing `**` matches everything below.
      if (i + 2 === p.length) re += '.*';
      else re += '(?:[^/]*/)*';
      i += i + 2 === p.length ? 2 : 3;
    } else if (c === '*') {
      re += '[^/]*';
      i++;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const [cls, next] = bracket(p, i + 1, '!^', false);
      re += cls;
      i = next;
    } else if (c === '{') {
      const close = matchingBrace(p, i);
      const alternatives = splitTopLevel(p.slice(i + 1, close));
      re += `(?:${alternatives.map(doublestarBody).join('|')})`;
      i = close + 1;
    } else if (c === '\\' && i + 1 < p.length) {
      re += escapeRe(p[i + 1] as string);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return re;
}

function matchingBrace(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '{') depth++;
    else if (p[i] === '}' && --depth === 0) return i;
  }
  throw new BadPatternError();
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

import { DomainError } from '../domain-error';

/**
 * Argo CD's `util/glob` (github.com/gobwas/glob v0.2.3), compiled to regular expressions:
 * - `*` any run of characters that are not separators; `**` any run at all;
 * - `?` one character that is not a separator;
 * - `[abc]`, `[!abc]`, `[a-z]`, `[!a-z]` one character (separators included), a single range only;
 * - `{a,b*,c}` alternatives, which may nest and hold patterns;
 * - `\` escapes the next character; `]`, `}` and `,` are plain text where nothing opened them.
 * Argo CD matches source repositories with `/` as the separator and everything else (namespaces,
 * cluster names and servers, sync-window globs) with none, so there `*` spans `/` too.
 */

/** A compiled glob; `match` is a regular-expression test, so one call costs well under 1 µs. */
export interface CompiledGlob {
  readonly pattern: string;
  readonly separators: string;
  match(text: string): boolean;
}

/** Raised for a pattern gobwas/glob refuses; `message` is gobwas's own. */
export class GlobSyntaxError extends Error {
  override readonly name = 'GlobSyntaxError';
}

type GlobNode =
  | { kind: 'text'; text: string }
  | { kind: 'any' }
  | { kind: 'super' }
  | { kind: 'single' }
  | { kind: 'list'; chars: string; not: boolean }
  | { kind: 'range'; lo: string; hi: string; not: boolean }
  | { kind: 'anyOf'; alternatives: GlobNode[][] };

const TEXT_BREAKERS = ['?', '*', '[', '{'];
const TERMS_BREAKERS = [...TEXT_BREAKERS, '}', ','];

// gobwas's fetchText: reads up to a breaker, `\` escapes one character, a trailing `\` vanishes.
function readText(
  chars: readonly string[],
  start: number,
  breakers: readonly string[],
): [string, number] {
  let text = '';
  let escaped = false;
  let i = start;
  for (; i < chars.length; i++) {
    const c = chars[i] as string;
    if (!escaped) {
      if (c === '\\') {
        escaped = true;
        continue;
      }
      if (breakers.includes(c)) break;
    }
    escaped = false;
    text += c;
  }
  return [text, i];
}

// gobwas's fetchRange plus parserRange: `i` is just past the `[`.
function readRange(chars: readonly string[], start: number): [GlobNode, number] {
  let i = start;
  let not = false;
  let lo = '';
  let hi = '';
  let text = '';
  let wantHi = false;
  let wantClose = false;
  for (;;) {
    if (i >= chars.length) throw new GlobSyntaxError('unexpected end of input');
    const c = chars[i++] as string;
    if (wantClose) {
      if (c !== ']') throw new GlobSyntaxError('expected close range character');
      break;
    }
    if (wantHi) {
      hi = c;
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) {
        throw new GlobSyntaxError(`hi character '${hi}' should be greater than lo '${lo}'`);
      }
      wantClose = true;
      continue;
    }
    if (!not && c === '!') {
      not = true;
      continue;
    }
    if (chars[i] === '-') {
      lo = c;
      i++;
      wantHi = true;
      continue;
    }
    [text, i] = readText(chars, i - 1, [']']);
    wantClose = true;
  }
  const isRange = lo !== '' && hi !== '';
  if (isRange === (text !== '')) throw new GlobSyntaxError('could not parse range');
  return [isRange ? { kind: 'range', lo, hi, not } : { kind: 'list', chars: text, not }, i];
}

/** Parses a pattern the way gobwas/glob v0.2.3 does, errors included. */
function parseGlob(pattern: string): GlobNode[] {
  // gobwas reads rune 0 as the end of input.
  const nul = pattern.indexOf('\0');
  const chars = Array.from(nul === -1 ? pattern : pattern.slice(0, nul));
  const root: GlobNode[] = [];
  // Open `{` groups: each holds its alternatives; `current` is the sequence being filled.
  const open: { node: Extract<GlobNode, { kind: 'anyOf' }>; parent: GlobNode[] }[] = [];
  let current = root;
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === '{') {
      const node: Extract<GlobNode, { kind: 'anyOf' }> = { kind: 'anyOf', alternatives: [[]] };
      current.push(node);
      open.push({ node, parent: current });
      current = node.alternatives[0] as GlobNode[];
      i++;
    } else if (c === ',' && open.length > 0) {
      const alternative: GlobNode[] = [];
      open[open.length - 1]!.node.alternatives.push(alternative);
      current = alternative;
      i++;
    } else if (c === '}' && open.length > 0) {
      current = open.pop()!.parent;
      i++;
    } else if (c === '[') {
      let node: GlobNode;
      [node, i] = readRange(chars, i + 1);
      current.push(node);
    } else if (c === '?') {
      current.push({ kind: 'single' });
      i++;
    } else if (c === '*') {
      const isSuper = chars[i + 1] === '*';
      current.push(isSuper ? { kind: 'super' } : { kind: 'any' });
      i += isSuper ? 2 : 1;
    } else {
      let text: string;
      [text, i] = readText(chars, i, open.length > 0 ? TERMS_BREAKERS : TEXT_BREAKERS);
      // A lone trailing `\` reads as nothing; gobwas then stops.
      if (text === '' && i >= chars.length) break;
      if (text !== '') current.push({ kind: 'text', text });
      else i++;
    }
  }
  // An unclosed `{` is not an error in gobwas: the alternatives read so far stand.
  return root;
}

const codePoint = (c: string): string => `\\u{${c.codePointAt(0)!.toString(16)}}`;
const literal = (s: string): string => Array.from(s, codePoint).join('');

function toRegExpSource(nodes: readonly GlobNode[], separators: string): string {
  const notSeparator = separators === '' ? '[^]' : `[^${literal(separators)}]`;
  return nodes
    .map((node): string => {
      switch (node.kind) {
        case 'text':
          return literal(node.text);
        case 'any':
          return `${notSeparator}*`;
        case 'super':
          return '[^]*';
        case 'single':
          return notSeparator;
        case 'list':
          return `[${node.not ? '^' : ''}${literal(node.chars)}]`;
        case 'range':
          return `[${node.not ? '^' : ''}${codePoint(node.lo)}-${codePoint(node.hi)}]`;
        case 'anyOf':
          return `(?:${node.alternatives.map((a) => toRegExpSource(a, separators)).join('|')})`;
      }
    })
    .join('');
}

// Argo CD caches compiled globs in a 10,000-entry LRU; so do we (Map order is recency).
const CACHE_SIZE = 10_000;
const cache = new Map<string, CompiledGlob>();

/**
 * Compiles `pattern` with gobwas/glob semantics (cached). Throws {@link GlobSyntaxError} for a
 * pattern that cannot compile; use {@link compileGlobField} to get a field-naming DomainError.
 */
export function compileGlob(pattern: string, separators = ''): CompiledGlob {
  const key = `${separators}\0${pattern}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const re = new RegExp(`^${toRegExpSource(parseGlob(pattern), separators)}$`, 'u');
  const compiled: CompiledGlob = { pattern, separators, match: (text) => re.test(text) };
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/** {@link compileGlob}, failing with `DomainError('BAD_USER_INPUT', '<field>: ...', field)`. */
export function compileGlobField(pattern: string, field: string, separators = ''): CompiledGlob {
  try {
    return compileGlob(pattern, separators);
  } catch (err) {
    if (!(err instanceof GlobSyntaxError)) throw err;
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}: invalid glob ${JSON.stringify(pattern)} (${err.message})`,
      field,
    );
  }
}

/** Argo CD's `glob.Match`: true when `text` matches; a pattern that cannot compile matches nothing. */
export function globMatch(pattern: string, text: string, separators = ''): boolean {
  try {
    return compileGlob(pattern, separators).match(text);
  } catch (err) {
    if (err instanceof GlobSyntaxError) return false;
    throw err;
  }
}

/**
 * sigs.k8s.io/yaml Marshal for template values, which Argo CD's `toYaml` uses: the value goes
 * through encoding/json, is re-read by go-yaml v2 (integers become ints, other numbers floats)
 * and emitted by go-yaml v2's libyaml port. Reproduced here: keys in yaml.v2's natural order
 * ("a2" before "a10"), sequences not indented under their key, `{}`/`[]` for empty
 * collections, floats in strconv 'g' format, plain/single/double-quoted/literal string styles
 * chosen by libyaml's scalar analysis, and folding of long scalars at column 80.
 */
import { goObjectOf } from './sprig/go-object';
import { encodeJson } from './sprig/json';
import type { GoMap, GoValue } from './values';

type Json =
  | null
  | boolean
  | string
  | { int: bigint }
  | { float: number }
  | Json[]
  | { map: [string, Json][] };

const BEST_WIDTH = 80;

const isLetterRune = (c: string): boolean => {
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  return /^\p{L}$/u.test(c);
};
const isDigitRune = (c: string | undefined): boolean => {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) return code >= 0x30 && code <= 0x39;
  return /^\p{Nd}$/u.test(c);
};

/** yaml.v2's keyList.Less: letters and digit runs compared naturally. */
function naturalLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i] as string;
    const y = br[i] as string;
    if (x === y) continue;
    const al = isLetterRune(x);
    const bl = isLetterRune(y);
    if (al && bl) return (x.codePointAt(0) ?? 0) < (y.codePointAt(0) ?? 0);
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigitRune(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigitRune(ar[ai]); ai++) an = an * 10n + BigInt(Number(ar[ai]));
    for (; bi < br.length && isDigitRune(br[bi]); bi++) bn = bn * 10n + BigInt(Number(br[bi]));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return (x.codePointAt(0) ?? 0) < (y.codePointAt(0) ?? 0);
  }
  return ar.length < br.length;
}

/**
 * What encoding/json then go-yaml v2 make of a value: integers (and integral floats, which
 * json prints without a fraction) become ints while they fit int64/uint64, other numbers stay
 * floats; Go objects become their MarshalJSON strings; NaN and functions fail as in json.
 */
function toJsonTree(v: GoValue): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { int: v };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return JSON.parse(encodeJson(v, { escapeHtml: false })) as Json;
    return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 64
      ? { int: BigInt(v) }
      : { float: v };
  }
  if (typeof v === 'function') return JSON.parse(encodeJson(v, { escapeHtml: false })) as Json;
  if (Array.isArray(v)) return v.map(toJsonTree);
  if (goObjectOf(v)) return JSON.parse(encodeJson(v, { escapeHtml: false })) as string;
  const entries = Object.keys(v).map((k) => [k, toJsonTree((v as GoMap)[k])] as [string, Json]);
  entries.sort((a, b) => (naturalLess(a[0], b[0]) ? -1 : naturalLess(b[0], a[0]) ? 1 : 0));
  return { map: entries };
}

/** strconv.FormatFloat(f, 'g', -1, 64) (exponent form below 1e-4 and from 1e6), YAML's specials. */
function formatFloat(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (!Number.isFinite(f)) return f > 0 ? '.inf' : '-.inf';
  const [mant, e] = f.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6)
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

const isPrintable = (c: number): boolean =>
  c === 0x0a ||
  (c >= 0x20 && c <= 0x7e) ||
  c === 0x85 ||
  (c >= 0xa0 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
  (c >= 0x10000 && c <= 0x10ffff);
const isBreak = (c: string | undefined): boolean =>
  c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlankz = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || isBreak(c);

interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  blockAllowed: boolean;
}

/** libyaml's yaml_emitter_analyze_scalar (block context). */
function analyze(value: string): Analysis {
  if (value === '')
    return { multiline: false, blockPlain: true, singleQuoted: true, blockAllowed: false };
  const chars = Array.from(value);
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let leadingSpace = false,
    leadingBreak = false,
    trailingSpace = false,
    trailingBreak = false;
  let breakSpace = false,
    spaceBreak = false,
    prevSpace = false,
    prevBreak = false;
  let lineBreaks = false,
    special = false,
    preceded = true;
  chars.forEach((c, i) => {
    const followed = isBlankz(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followed) blockIndicators = true;
    } else if ((c === ':' && followed) || (c === '#' && preceded)) blockIndicators = true;
    if (!isPrintable(c.codePointAt(0) ?? 0)) special = true;
    const last = i === chars.length - 1;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    preceded = isBlankz(c);
  });
  let blockPlain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let singleQuoted = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || special) blockPlain = singleQuoted = blockAllowed = false;
  if (lineBreaks || blockIndicators) blockPlain = false;
  return { multiline: lineBreaks, blockPlain, singleQuoted, blockAllowed };
}

/** Strings go-yaml v2 would resolve to null, bool, int, float or merge (so they must be quoted). */
const RESOLVES_TO_NON_STRING = new RegExp(
  '^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|<<' +
    '|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)' +
    '|[-+]?0b[01_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0o[0-7_]+' +
    '|[-+]?(?:\\.[0-9_]+|[0-9][0-9_]*(?:\\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?' +
    '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?)$',
);

/** Strings that need no quoting, folding or escaping (no spaces, no indicators, ASCII). */
const SIMPLE_PLAIN = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** An emitter writing one scalar with libyaml's style rules and folding. */
class Writer {
  out = '';
  column = 0;

  write(s: string): void {
    this.out += s;
    const nl = s.lastIndexOf('\n');
    this.column = nl < 0 ? this.column + Array.from(s).length : Array.from(s.slice(nl + 1)).length;
  }

  indentLine(indent: number): void {
    this.write('\n' + ' '.repeat(indent));
  }

  scalar(value: string, indent: number, simpleKey: boolean): void {
    // The common case: a short word-like string that libyaml writes plain, untouched.
    if (SIMPLE_PLAIN.test(value) && !RESOLVES_TO_NON_STRING.test(value)) {
      this.out += value;
      this.column += value.length;
      return;
    }
    const a = analyze(value);
    const canPlain = value !== '' && !RESOLVES_TO_NON_STRING.test(value);
    let style: 'plain' | 'single' | 'double' | 'literal' = value.includes('\n')
      ? 'literal'
      : canPlain
        ? 'plain'
        : 'double';
    if (style === 'plain' && (!a.blockPlain || a.multiline)) style = 'single';
    if (style === 'plain' && value === '' && simpleKey) style = 'single';
    if (style === 'single' && !a.singleQuoted) style = 'double';
    if (style === 'literal' && (!a.blockAllowed || simpleKey)) style = 'double';
    if (style === 'literal') return this.literal(value, indent);
    if (style === 'double') return this.doubleQuoted(value, indent, !simpleKey);
    const chars = Array.from(value);
    const quote = style === 'single' ? "'" : '';
    this.write(quote);
    let spaces = false;
    chars.forEach((c, i) => {
      if (c === ' ') {
        const canBreak = style === 'plain' ? true : i > 0 && i < chars.length - 1;
        if (!simpleKey && !spaces && this.column > BEST_WIDTH && canBreak && chars[i + 1] !== ' ')
          this.indentLine(indent);
        else this.write(c);
        spaces = true;
      } else {
        this.write(c === "'" && quote ? "''" : c);
        spaces = false;
      }
    });
    this.write(quote);
  }

  private doubleQuoted(value: string, indent: number, allowBreaks: boolean): void {
    const esc: Record<string, string> = {
      '\0': '\\0',
      '\x07': '\\a',
      '\b': '\\b',
      '\t': '\\t',
      '\n': '\\n',
      '\v': '\\v',
      '\f': '\\f',
      '\r': '\\r',
      '\x1b': '\\e',
      '"': '\\"',
      '\\': '\\\\',
      '\u0085': '\\N',
      '\u00a0': '\\_',
      '\u2028': '\\L',
      '\u2029': '\\P',
    };
    const chars = Array.from(value);
    this.write('"');
    let spaces = false;
    chars.forEach((c, i) => {
      const cp = c.codePointAt(0) ?? 0;
      if (!isPrintable(cp) || c === '\ufeff' || isBreak(c) || c === '"' || c === '\\') {
        const e = esc[c];
        if (e) this.write(e);
        else if (cp <= 0xff) this.write(`\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`);
        else if (cp <= 0xffff) this.write(`\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`);
        else this.write(`\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`);
        spaces = false;
      } else if (c === ' ') {
        if (
          allowBreaks &&
          !spaces &&
          this.column > BEST_WIDTH &&
          i !== 0 &&
          i !== chars.length - 1
        ) {
          this.indentLine(indent);
          if (chars[i + 1] === ' ') this.write('\\');
        } else this.write(c);
        spaces = true;
      } else {
        this.write(c);
        spaces = false;
      }
    });
    this.write('"');
  }

  private literal(value: string, indent: number): void {
    const chars = Array.from(value);
    let hints = '';
    if (chars[0] === ' ' || isBreak(chars[0])) hints += '2';
    const last = chars[chars.length - 1];
    if (!isBreak(last)) hints += '-';
    else if (chars.length === 1 || isBreak(chars[chars.length - 2])) hints += '+';
    this.write('|' + hints);
    for (const line of value.split('\n').slice(0, isBreak(last) ? -1 : undefined)) {
      this.write('\n');
      if (line !== '') this.write(' '.repeat(indent) + line);
    }
  }
}

/**
 * Emits a node after its parent's indicator: at the top, after `key:` ('value') or after `-`
 * ('item'). `base` is the column of that key or dash.
 */
function emitNode(w: Writer, node: Json, ctx: 'top' | 'value' | 'item', base: number): void {
  const lead = ctx === 'top' ? '' : ' ';
  if (Array.isArray(node) || (node !== null && typeof node === 'object' && 'map' in node)) {
    const isSeq = Array.isArray(node);
    const size = isSeq ? node.length : node.map.length;
    if (size === 0) return void w.write(lead + (isSeq ? '[]' : '{}'));
    // yaml.v2 does not indent a sequence under a mapping key.
    const indent = ctx === 'top' ? 0 : isSeq && ctx === 'value' ? base : base + 2;
    for (let i = 0; i < size; i++) {
      if (i === 0 && ctx === 'item') w.write(' ');
      else if (!(i === 0 && ctx === 'top')) w.indentLine(indent);
      if (isSeq) {
        w.write('-');
        emitNode(w, node[i] as Json, 'item', indent);
      } else {
        const [k, v] = node.map[i] as [string, Json];
        w.scalar(k, indent + 2, true);
        w.write(':');
        emitNode(w, v, 'value', indent);
      }
    }
    return;
  }
  w.write(lead);
  if (node === null) w.write('null');
  else if (typeof node === 'boolean') w.write(String(node));
  else if (typeof node === 'string') w.scalar(node, base + 2, false);
  else if ('int' in node) w.write(node.int.toString());
  else w.write(formatFloat(node.float));
}

/** sigs.k8s.io/yaml.Marshal of a template value (ends with a newline, like Go's). */
export function marshalK8sYaml(v: GoValue): string {
  const w = new Writer();
  emitNode(w, toJsonTree(v), 'top', 0);
  return w.out + '\n';
}

/**
 * Go's encoding/json for template values: Marshal (sorted keys, HTML escaping, Go's float
 * formatting) and Unmarshal into interface{} (numbers become float64) with the Go scanner's
 * error messages, which `mustFromJson` surfaces verbatim.
 */
import type { GoMap, GoValue } from '../values';
import { goTypeName } from './cast';
import { goObjectOf } from './go-object';
import { compareGoStrings } from './go-strings';

export interface JsonEncodeOptions {
  escapeHtml: boolean;
  indent?: string;
}

/** Go's float64 JSON encoding: %f-style between 1e-6 and 1e21, else exponent without padding. */
export function formatJsonFloat(f: number): string {
  if (!Number.isFinite(f))
    throw new Error(
      `json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`,
    );
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const abs = Math.abs(f);
  if (abs < 1e-6 || abs >= 1e21) {
    // JavaScript already gives the shortest digits with an unpadded exponent ("1e-7", "1e+21").
    return f.toExponential().replace(/\.?0*e/, 'e');
  }
  return String(f).includes('e') ? f.toFixed(20).replace(/\.?0+$/, '') : String(f);
}

const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };

/** Go's JSON string encoding. */
export function encodeJsonString(s: string, escapeHtml: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20) {
      if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else out += `\\u00${c.toString(16).padStart(2, '0')}`;
    } else if (escapeHtml && (ch === '<' || ch === '>' || ch === '&')) out += HTML_ESCAPES[ch];
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** json.Marshal / MarshalIndent of a template value. */
export function encodeJson(v: GoValue, opts: JsonEncodeOptions, depth = 0): string {
  switch (typeof v) {
    case 'undefined':
      return 'null';
    case 'string':
      return encodeJsonString(v, opts.escapeHtml);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return formatJsonFloat(v);
    case 'function':
      throw new Error(`json: unsupported type: ${goTypeName(v)}`);
    default:
      break;
  }
  if (v === null) return 'null';
  const nl = opts.indent === undefined ? '' : '\n' + opts.indent.repeat(depth + 1);
  const close = opts.indent === undefined ? '' : '\n' + opts.indent.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => nl + encodeJson(x, opts, depth + 1)).join(',') + close + ']';
  }
  const obj = goObjectOf(v);
  if (obj) return obj.json();
  const keys = Object.keys(v).sort(compareGoStrings);
  if (keys.length === 0) return '{}';
  const sep = opts.indent === undefined ? ':' : ': ';
  const map = v as GoMap;
  return (
    '{' +
    keys
      .map(
        (k) =>
          nl + encodeJsonString(k, opts.escapeHtml) + sep + encodeJson(map[k], opts, depth + 1),
      )
      .join(',') +
    close +
    '}'
  );
}

/** Go's quoteChar for scanner errors. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

class JsonSyntaxError extends Error {}

/** A recursive-descent JSON parser producing Go values and Go's scanner error texts. */
class JsonParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): GoValue {
    this.ws();
    const v = this.value('looking for beginning of value');
    this.ws();
    if (this.i < this.s.length) this.fail('after top-level value');
    return v;
  }

  private fail(context: string): never {
    if (this.i >= this.s.length) throw new JsonSyntaxError('unexpected end of JSON input');
    const c = String.fromCodePoint(this.s.codePointAt(this.i) ?? 0);
    throw new JsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i++;
  }

  private value(context: string): GoValue {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [lit, val] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (c === lit[0]) {
        this.i++;
        for (let k = 1; k < lit.length; k++, this.i++) {
          if (this.s[this.i] !== lit[k])
            this.fail(`in literal ${lit} (expecting ${quoteChar(lit[k] as string)})`);
        }
        return val;
      }
    }
    return this.fail(context);
  }

  private object(): GoMap {
    this.i++;
    const out: GoMap = {};
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.s[this.i] !== '"') this.fail('looking for beginning of object key string');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('after object key');
      this.i++;
      this.ws();
      out[key] = this.value('looking for beginning of value');
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        this.ws();
        continue;
      }
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      this.fail('after object key:value pair');
    }
  }

  private array(): GoValue[] {
    this.i++;
    const out: GoValue[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value('looking for beginning of value'));
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        this.ws();
        continue;
      }
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      this.fail('after array element');
    }
  }

  private string(): string {
    const start = ++this.i;
    let out = '';
    let chunk = start;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('in string literal');
      if (c === '"') {
        out += this.s.slice(chunk, this.i++);
        return out;
      }
      if (c < ' ') this.fail('in string literal');
      if (c === '\\') {
        out += this.s.slice(chunk, this.i++);
        const e = this.s[this.i];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          this.i++;
        } else if (e === 'u') {
          this.i++;
          for (let k = 0; k < 4; k++, this.i++) {
            if (!/[0-9a-fA-F]/.test(this.s[this.i] ?? ''))
              this.fail('in \\u hexadecimal character escape');
          }
          out += String.fromCharCode(Number.parseInt(this.s.slice(this.i - 4, this.i), 16));
        } else this.fail('in string escape code');
        chunk = this.i;
        continue;
      }
      this.i++;
    }
  }

  private number(): number {
    const start = this.i;
    const digit = (): boolean => {
      const c = this.s[this.i];
      return c !== undefined && c >= '0' && c <= '9';
    };
    if (this.s[this.i] === '-') {
      this.i++;
      if (!digit()) this.fail('in numeric literal');
    }
    if (this.s[this.i] === '0') this.i++;
    else while (digit()) this.i++;
    if (this.s[this.i] === '.') {
      this.i++;
      if (!digit()) this.fail('after decimal point in numeric literal');
      while (digit()) this.i++;
    }
    if (this.s[this.i] === 'e' || this.s[this.i] === 'E') {
      this.i++;
      if (this.s[this.i] === '+' || this.s[this.i] === '-') this.i++;
      if (!digit()) this.fail('in exponent of numeric literal');
      while (digit()) this.i++;
    }
    const f = Number(this.s.slice(start, this.i));
    if (!Number.isFinite(f)) {
      throw new JsonSyntaxError(
        `json: cannot unmarshal number ${this.s.slice(start, this.i)} into Go value of type float64`,
      );
    }
    return f;
  }
}

/** json.Unmarshal into interface{}; throws with Go's message on invalid input. */
export function decodeJson(s: string): GoValue {
  return new JsonParser(s).parseDocument();
}

/**
 * Sprig's encoding (b64enc/b64dec/b32enc/b32dec with Go's strict decoders and error texts),
 * path and filepath functions (Go's path package on Linux), and urlParse/urlJoin.
 */
import { signed, type GoMap, type GoTemplateFunction, type GoValue } from '../values';
import { goKind } from './cast';
import { formatUrl, parseGoUrl } from './go-url';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base64.StdEncoding.DecodeString, reporting Go's CorruptInputError offsets. */
export function base64Decode(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  let si = 0;
  const isNl = (b: number | undefined): boolean => b === 0x0a || b === 0x0d;
  const corrupt = (at: number): Error => new Error(`illegal base64 data at input byte ${at}`);
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw corrupt(si - j);
      }
      const ch = src[si++] as number;
      const v = B64.indexOf(String.fromCharCode(ch));
      if (v >= 0 && ch < 0x80) {
        dbuf[j] = v;
        continue;
      }
      if (isNl(ch)) {
        j--;
        continue;
      }
      if (ch !== 0x3d) throw corrupt(si - 1);
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNl(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNl(src[si])) si++;
      if (si < src.length) throw corrupt(si);
      dlen = j;
      break;
    }
    const val =
      ((dbuf[0] as number) << 18) |
      ((dbuf[1] as number) << 12) |
      ((dbuf[2] as number) << 6) |
      (dbuf[3] as number);
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, dlen - 1));
  }
  return Buffer.from(out);
}

/** base32.StdEncoding.EncodeToString. */
export function base32Encode(data: Buffer): string {
  let out = '';
  for (let i = 0; i < data.length; i += 5) {
    const chunk = data.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(chunk[k] ?? 0);
    const chars = Math.ceil((chunk.length * 8) / 5);
    for (let k = 0; k < 8; k++)
      out += k < chars ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)] : '=';
  }
  return out;
}

/** base32.StdEncoding.DecodeString (newlines stripped first, as Go does). */
export function base32Decode(s: string): Buffer {
  const src = Buffer.from(s.replace(/[\r\n]/g, ''), 'utf8');
  const olen = src.length;
  const out: number[] = [];
  const corrupt = (at: number): Error => new Error(`illegal base32 data at input byte ${at}`);
  let p = 0;
  let end = false;
  while (p < src.length && !end) {
    const dbuf = [0, 0, 0, 0, 0, 0, 0, 0];
    let dlen = 8;
    for (let j = 0; j < 8;) {
      if (p === src.length) throw corrupt(olen - (src.length - p) - j);
      const ch = src[p++] as number;
      const remaining = src.length - p;
      if (ch === 0x3d && j >= 2 && remaining < 8) {
        if (remaining + j < 7) throw corrupt(olen);
        for (let k = 0; k < 7 - j; k++) {
          if (remaining > k && src[p + k] !== 0x3d) throw corrupt(olen - remaining + k - 1);
        }
        dlen = j;
        end = true;
        if (dlen === 1 || dlen === 3 || dlen === 6) throw corrupt(olen - remaining - 1);
        break;
      }
      const v = ch < 0x80 ? B32.indexOf(String.fromCharCode(ch)) : -1;
      if (v < 0) throw corrupt(olen - remaining - 1);
      dbuf[j++] = v;
    }
    let bits = 0n;
    for (const v of dbuf) bits = (bits << 5n) | BigInt(v);
    const bytes = [32n, 24n, 16n, 8n, 0n].map((sh) => Number((bits >> sh) & 0xffn));
    const n = [0, 0, 1, 1, 2, 3, 3, 4, 5][dlen] as number;
    out.push(...bytes.slice(0, n));
  }
  return Buffer.from(out);
}

/** path.Clean (Go's lexical processing, slash-separated). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const joined = parts.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** path.Base. */
export function basePath(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** path.Dir. */
export function dirPath(p: string): string {
  const i = p.lastIndexOf('/');
  return cleanPath(p.slice(0, i + 1));
}

/** path.Ext. */
export function extPath(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

function dictString(d: GoMap, key: string): string {
  if (!Object.prototype.hasOwnProperty.call(d, key)) return '';
  const v = d[key] as GoValue;
  if (typeof v !== 'string') {
    throw new Error(`unable to parse ${key} key, must be of type string, but ${goKind(v)} found`);
  }
  return v;
}

/** The encoding, path and URL functions, keyed by template name. */
export function encodingFunctions(): Record<string, GoTemplateFunction> {
  const S = { params: ['string' as const] };
  const s = (v: GoValue): string => v as string;
  return {
    b64enc: signed((v) => Buffer.from(s(v), 'utf8').toString('base64'), S),
    b64dec: signed((v) => {
      try {
        return base64Decode(s(v)).toString('utf8');
      } catch (e) {
        return (e as Error).message;
      }
    }, S),
    b32enc: signed((v) => base32Encode(Buffer.from(s(v), 'utf8')), S),
    b32dec: signed((v) => {
      try {
        return base32Decode(s(v)).toString('utf8');
      } catch (e) {
        return (e as Error).message;
      }
    }, S),
    base: signed((v) => basePath(s(v)), S),
    dir: signed((v) => dirPath(s(v)), S),
    clean: signed((v) => cleanPath(s(v)), S),
    ext: signed((v) => extPath(s(v)), S),
    isAbs: signed((v) => s(v).startsWith('/'), S),
    // filepath on Linux, where Argo CD runs: the same as path.
    osBase: signed((v) => basePath(s(v)), S),
    osClean: signed((v) => cleanPath(s(v)), S),
    osDir: signed((v) => dirPath(s(v)), S),
    osExt: signed((v) => extPath(s(v)), S),
    osIsAbs: signed((v) => s(v).startsWith('/'), S),
    urlParse: signed((v) => urlParse(s(v)), S),
    urlJoin: signed((d) => urlJoin(d as GoMap), { params: ['map'] }),
  };
}

function withContext<T>(context: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${context}: ${(e as Error).message}`);
  }
}

function urlParse(v: string): GoMap {
  const u = withContext('unable to parse url', () => parseGoUrl(v));
  return {
    scheme: u.scheme,
    host: u.host,
    hostname: u.hostname,
    path: u.path,
    query: u.rawQuery,
    opaque: u.opaque,
    fragment: u.fragment,
    userinfo: u.userinfo ?? '',
  };
}

function urlJoin(d: GoMap): string {
  const userinfo = dictString(d, 'userinfo');
  let user: string | undefined;
  if (userinfo !== '') {
    user = withContext('unable to parse userinfo in dict', () =>
      parseGoUrl(`proto://${userinfo}@host`),
    ).userinfo;
  }
  return formatUrl({
    scheme: dictString(d, 'scheme'),
    host: dictString(d, 'host'),
    path: dictString(d, 'path'),
    rawQuery: dictString(d, 'query'),
    opaque: dictString(d, 'opaque'),
    fragment: dictString(d, 'fragment'),
    userinfo: user,
  });
}

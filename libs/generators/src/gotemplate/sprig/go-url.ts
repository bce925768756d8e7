/**
 * The parts of Go's net/url that Sprig's urlParse/urlJoin use: url.Parse (scheme, opaque,
 * authority, unescaped path and fragment, raw query) and URL.String's escaping.
 */

export interface GoUrl {
  scheme: string;
  opaque: string;
  /** User.String(): escaped "user[:password]", undefined when the URL has no userinfo. */
  userinfo: string | undefined;
  host: string;
  hostname: string;
  path: string;
  rawQuery: string;
  forceQuery?: boolean;
  fragment: string;
}

type Mode = 'path' | 'host' | 'userPassword' | 'fragment' | 'query';

function shouldEscape(c: number, mode: Mode): boolean {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch)) return false;
  if (mode === 'host' && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userPassword':
        return '@/?:'.includes(ch);
      case 'fragment':
        return false;
      default:
        return true;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

/** Go's url escape for a mode (uppercase hex, bytewise over UTF-8). */
export function escapeUrl(s: string, mode: Mode): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (shouldEscape(b, mode)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Go's url unescape; throws Go's EscapeError / InvalidHostError texts. */
function unescapeUrl(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const src = Buffer.from(s, 'utf8');
  for (let i = 0; i < src.length; i++) {
    const b = src[i] as number;
    if (b === 0x25) {
      const hex = src.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        const bad = src.subarray(i, Math.min(i + 3, src.length)).toString('utf8');
        throw new Error(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (mode === 'host' && b < 0x80 && shouldEscape(b, mode)) {
      throw new Error(`invalid character ${JSON.stringify(String.fromCharCode(b))} in host name`);
    }
    bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseAuthority(authority: string): { userinfo: string | undefined; host: string } {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return { userinfo: undefined, host };
  const info = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(info)) throw new Error('net/url: invalid userinfo');
  const colon = info.indexOf(':');
  const user = unescapeUrl(colon < 0 ? info : info.slice(0, colon), 'userPassword');
  let out = escapeUrl(user, 'userPassword');
  if (colon >= 0)
    out += ':' + escapeUrl(unescapeUrl(info.slice(colon + 1), 'userPassword'), 'userPassword');
  return { userinfo: out, host };
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const end = host.lastIndexOf(']');
    if (end < 0) throw new Error("missing ']' in host");
    const port = host.slice(end + 1);
    if (port !== '' && !/^:\d*$/.test(port))
      throw new Error(`invalid port ${JSON.stringify(port)} after host`);
    return unescapeUrl(host, 'host');
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) {
    const port = host.slice(colon);
    if (!/^:\d*$/.test(port)) throw new Error(`invalid port ${JSON.stringify(port)} after host`);
  }
  return unescapeUrl(host, 'host');
}

function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon >= 0 && /^:\d*$/.test(host.slice(colon)) ? host.slice(0, colon) : host;
}

function parseInner(raw: string): GoUrl {
  const u: GoUrl = {
    scheme: '',
    opaque: '',
    userinfo: undefined,
    host: '',
    hostname: '',
    path: '',
    rawQuery: '',
    fragment: '',
  };
  // eslint-disable-next-line no-control-regex -- net/url rejects ASCII control characters (stringContainsCTLByte).
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error('net/url: invalid control character in URL');
  if (raw === '*') {
    u.path = '*';
    return u;
  }
  let rest = raw;
  const scheme = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(raw);
  if (raw.startsWith(':')) throw new Error('missing protocol scheme');
  if (scheme) {
    u.scheme = (scheme[1] as string).toLowerCase();
    rest = raw.slice(scheme[0].length);
  }
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    const segment = rest.split('/')[0] ?? '';
    if (segment.includes(':')) throw new Error('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const a = parseAuthority(authority);
    u.userinfo = a.userinfo;
    u.host = a.host;
    u.hostname = hostnameOf(a.host);
  }
  u.path = unescapeUrl(rest, 'path');
  return u;
}

/** url.Parse; throws `parse "URL": reason` like Go's *url.Error. */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const main = hash < 0 ? raw : raw.slice(0, hash);
  try {
    const u = parseInner(main);
    if (hash >= 0) u.fragment = unescapeUrl(raw.slice(hash + 1), 'fragment');
    return u;
  } catch (e) {
    throw new Error(`parse ${JSON.stringify(raw)}: ${(e as Error).message}`);
  }
}

/** URL.String. */
export function formatUrl(u: Omit<GoUrl, 'hostname'>): string {
  let out = '';
  if (u.scheme !== '') out += u.scheme + ':';
  if (u.opaque !== '') out += u.opaque;
  else {
    if (u.scheme !== '' || u.host !== '' || u.userinfo !== undefined) {
      if (u.host !== '' || u.path !== '' || u.userinfo !== undefined) out += '//';
      if (u.userinfo !== undefined) out += u.userinfo + '@';
      if (u.host !== '') out += escapeUrl(u.host, 'host');
    }
    const path = u.path === '*' ? '*' : escapeUrl(u.path, 'path');
    if (path !== '' && !path.startsWith('/') && u.host !== '') out += '/';
    if (out === '' && (path.split('/')[0] ?? '').includes(':')) out += './';
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== '') out += '?' + u.rawQuery;
  if (u.fragment !== '') out += '#' + escapeUrl(u.fragment, 'fragment');
  return out;
}

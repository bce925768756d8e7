import type { GoValue } from '../values';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('sprig encoding', () => {
  it.each<[string, GoValue[], GoValue]>([
    ['b64enc', ['coffee'], 'Y29mZmVl'],
    ['b64dec', ['Y29mZmVl'], 'coffee'],
    ['b64enc', [''], ''],
    ['b64dec', ['aGk='], 'hi'],
    ['b64dec', ['aG\nk='], 'hi'],
    ['b64dec', ['abc'], 'illegal base64 data at input byte 0'],
    ['b64dec', ['a!bc'], 'illegal base64 data at input byte 1'],
    ['b64dec', ['aGk=x'], 'illegal base64 data at input byte 4'],
    ['b64dec', ['a==='], 'illegal base64 data at input byte 1'],
    ['b32enc', ['coffee'], 'MNXWMZTFMU======'],
    ['b32dec', ['MNXWMZTFMU======'], 'coffee'],
    ['b32enc', ['f'], 'MY======'],
    ['b32dec', ['MZXW6==='], 'foo'],
    ['b32dec', ['MZXW6'], 'illegal base32 data at input byte 0'],
    ['b32dec', ['1ZXW6==='], 'illegal base32 data at input byte 0'],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toBe(expected);
  });
});

describe('sprig paths (Go path and path/filepath on Linux)', () => {
  it.each<[string, string, GoValue]>([
    ['base', 'foo/bar', 'bar'],
    ['base', 'foo/bar/', 'bar'],
    ['base', '', '.'],
    ['base', '///', '/'],
    ['dir', 'foo/bar/baz', 'foo/bar'],
    ['dir', 'foo', '.'],
    ['dir', '/foo', '/'],
    ['clean', 'foo/../../bar', '../bar'],
    ['clean', '/../a//b/./c/', '/a/b/c'],
    ['clean', '', '.'],
    ['ext', 'foo.bar', '.bar'],
    ['ext', 'foo.tar.gz', '.gz'],
    ['ext', 'a.b/c', ''],
    ['isAbs', '/foo', true],
    ['isAbs', 'foo', false],
    ['osBase', 'a/b.txt', 'b.txt'],
    ['osDir', 'a/b.txt', 'a'],
    ['osClean', 'a//b/..', 'a'],
    ['osExt', 'a/b.txt', '.txt'],
    ['osIsAbs', '/x', true],
  ])('%s(%p)', (name, arg, expected) => {
    expect(call(name, arg)).toBe(expected);
  });
});

describe('sprig URLs (net/url)', () => {
  it('urlParse splits a URL like url.Parse', () => {
    // url_test.go
    expect(call('urlParse', 'proto://auth@host:80/path?query#fragment')).toEqual({
      fragment: 'fragment',
      host: 'host:80',
      hostname: 'host',
      opaque: '',
      path: '/path',
      query: 'query',
      scheme: 'proto',
      userinfo: 'auth',
    });
  });

  it.each<[string, Record<string, string>]>([
    ['mailto:someone@example.com', { scheme: 'mailto', opaque: 'someone@example.com', path: '' }],
    [
      'https://user:p%40ss@[::1]:8443/a%20b?x=1',
      { userinfo: 'user:p%40ss', hostname: '::1', path: '/a b', query: 'x=1' },
    ],
    ['/relative/path', { scheme: '', host: '', path: '/relative/path' }],
    ['HTTP://Example.com', { scheme: 'http', host: 'Example.com' }],
  ])('urlParse %p', (url, subset) => {
    expect(call('urlParse', url)).toMatchObject(subset);
  });

  it.each<[string, string]>([
    ['http://[::1', 'unable to parse url: parse "http://[::1": missing \']\' in host'],
    [
      'http://host:port/',
      'unable to parse url: parse "http://host:port/": invalid port ":port" after host',
    ],
    [':foo', 'unable to parse url: parse ":foo": missing protocol scheme'],
    ['http://a/%zz', 'unable to parse url: parse "http://a/%zz": invalid URL escape "%zz"'],
  ])('urlParse %p fails like Go', (url, message) => {
    expect(() => call('urlParse', url)).toThrow(message);
  });

  it.each<[GoValue, string]>([
    // url_test.go
    [
      { host: 'host:80', path: '/path', query: 'query', scheme: 'proto' },
      'proto://host:80/path?query',
    ],
    [
      { host: 'host', path: '/path', scheme: 'proto', fragment: 'frag', userinfo: 'user:pass' },
      'proto://user:pass@host/path#frag',
    ],
    [{ scheme: 'mailto', opaque: 'me@host' }, 'mailto:me@host'],
    [{ host: 'h', path: 'a b', scheme: 'http' }, 'http://h/a%20b'],
    [{ path: 'a:b' }, './a:b'],
    [{}, ''],
  ])('urlJoin %j', (dict, expected) => {
    expect(call('urlJoin', dict)).toBe(expected);
  });

  it('urlJoin rejects non-string parts', () => {
    expect(() => call('urlJoin', { host: 1n })).toThrow(
      'unable to parse host key, must be of type string, but int found',
    );
  });
});

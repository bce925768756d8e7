import { DomainError } from '../domain-error';
import { compileGlob, compileGlobField, globMatch, GlobSyntaxError } from './glob';

describe('glob (gobwas/glob v0.2.3 as Argo CD util/glob uses it)', () => {
  // Argo CD util/glob/glob_test.go Test_Match and Test_MatchWithError.
  it.each([
    ['hello', 'hello', true],
    ['hell', 'hello', false],
    ['hell*', 'hello', true],
    ['h*', 'hello', true],
    ['e*', 'hello', false],
    ['e[[a*', 'e[[a*', false],
  ])('Argo CD Test_Match: %j ~ %j is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it('reports the compile error of an invalid pattern (Test_MatchWithError)', () => {
    expect(() => compileGlob('e[[a*')).toThrow(new GlobSyntaxError('unexpected end of input'));
  });

  it('compiles the same pattern with different separators separately (Test_GlobCacheKeyIncludesSeparators)', () => {
    expect(globMatch('a*b', 'a/b')).toBe(true);
    expect(globMatch('a*b', 'a/b', '/')).toBe(false);
    expect(compileGlob('a*b')).toBe(compileGlob('a*b'));
    expect(compileGlob('a*b')).not.toBe(compileGlob('a*b', '/'));
  });

  // gobwas/glob glob_test.go TestGlob cases: [pattern, text, separators, expected].
  it.each([
    ['* ?at * eyes', 'my cat has very bright eyes', '', true],
    ['', '', '', true],
    ['', 'b', '', false],
    ['*ä', 'åä', '', true],
    ['abc', 'abc', '', true],
    ['a*c', 'abc', '', true],
    ['a*c', 'a12345c', '', true],
    ['a?c', 'a1c', '', true],
    ['a.b', 'a.b', '.', true],
    ['a.*', 'a.b', '.', true],
    ['a.**', 'a.b.c', '.', true],
    ['a.?.c', 'a.b.c', '.', true],
    ['a.?.?', 'a.b.c', '.', true],
    ['?at', 'cat', '', true],
    ['?at', 'fat', '', true],
    ['*', 'abc', '', true],
    ['\\*', '*', '', true],
    ['**', 'a.b.c', '.', true],
    ['?at', 'at', '', false],
    ['?at', 'fat', 'f', false],
    ['a.*', 'a.b.c', '.', false],
    ['a.?.c', 'a.bb.c', '.', false],
    ['*', 'a.b.c', '.', false],
    ['*test', 'this is a test', '', true],
    ['this*', 'this is a test', '', true],
    ['*is *', 'this is a test', '', true],
    ['*is*a*', 'this is a test', '', true],
    ['**test**', 'this is a test', '', true],
    ['**is**a***test*', 'this is a test', '', true],
    ['*is', 'this is a test', '', false],
    ['*no*', 'this is a test', '', false],
    ['[!a]*', 'this is a test3', '', true],
    ['*abc', 'abcabc', '', true],
    ['**abc', 'abcabc', '', true],
    ['???', 'abc', '', true],
    ['?*?', 'abc', '', true],
    ['?*?', 'ac', '', true],
    ['sta', 'stagnation', '', false],
    ['sta*', 'stagnation', '', true],
    ['sta?', 'stagnation', '', false],
    ['sta?n', 'stagnation', '', false],
    ['{abc,def}ghi', 'defghi', '', true],
    ['{abc,abcd}a', 'abcda', '', true],
    ['{a,ab}{bc,f}', 'abc', '', true],
    ['{*,**}{a,b}', 'ab', '', true],
    ['{*,**}{a,b}', 'ac', '', false],
    ['/{rate,[a-z][a-z][a-z]}*', '/rate', '', true],
    ['/{rate,[0-9][0-9][0-9]}*', '/rate', '', true],
    ['/{rate,[a-z][a-z][a-z]}*', '/usd', '', true],
    ['{*.google.*,*.yandex.*}', 'www.google.com', '.', true],
    ['{*.google.*,*.yandex.*}', 'www.yandex.com', '.', true],
    ['{*.google.*,*.yandex.*}', 'yandex.com', '.', false],
    ['{*.google.*,*.yandex.*}', 'google.com', '.', false],
    ['{*.google.*,yandex.*}', 'www.google.com', '.', true],
    ['{*.google.*,yandex.*}', 'yandex.com', '.', true],
    ['{*.google.*,yandex.*}', 'www.yandex.com', '.', false],
    ['{*.google.*,yandex.*}', 'google.com', '.', false],
    ['*//{,*.}example.com', 'https://www.example.com', '', true],
    ['*//{,*.}example.com', 'http://example.com', '', true],
    ['*//{,*.}example.com', 'http://example.com.net', '', false],
  ])('gobwas: %j ~ %j (separators %j) is %s', (pattern, text, separators, expected) => {
    expect(compileGlob(pattern, separators).match(text)).toBe(expected);
  });

  // Corners of gobwas's lexer that decide whether a tenant's pattern compiles and what it means.
  it.each([
    ['[a-z]x', 'qx', true],
    ['[!a-c]', 'b', false],
    ['[!a-c]', '/', true], // classes ignore separators
    ['[abc-]', '-', true], // a dash inside a list is literal
    ['{a,b', 'b', true], // an unclosed `{` keeps the alternatives read so far
    ['a}b,c', 'a}b,c', true], // `}` and `,` outside braces are text
    ['a]', 'a]', true],
    ['ab\\', 'ab', true], // a trailing backslash vanishes
    ['x{a,{b,c}}y', 'xcy', true],
    ['x{a,{b,c}}y', 'xdy', false],
    ['.+()^$|', '.+()^$|', true], // regular-expression characters are plain text
  ])('%j ~ %j is %s', (pattern, text, expected) => {
    expect(compileGlob(pattern, '/').match(text)).toBe(expected);
  });

  it.each([
    ['[]', 'could not parse range'],
    ['[!]', 'could not parse range'],
    ['[a-zA-Z]', 'expected close range character'],
    ['[z-a]', "hi character 'a' should be greater than lo 'z'"],
    ['[abc', 'unexpected end of input'],
    ['[a-', 'unexpected end of input'],
  ])('refuses %j (%s)', (pattern, message) => {
    expect(() => compileGlob(pattern)).toThrow(message);
    expect(globMatch(pattern, 'anything')).toBe(false);
  });

  it('names the field when a tenant glob cannot compile', () => {
    const err = catchError(() => compileGlobField('team-[a', 'destinations[0].namespaces[1]'));
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'destinations[0].namespaces[1]',
      message: 'destinations[0].namespaces[1]: invalid glob "team-[a" (unexpected end of input)',
    });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

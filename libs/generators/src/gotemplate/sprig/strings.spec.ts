import type { GoValue } from '../values';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('sprig string functions', () => {
  it.each<[string, GoValue[], GoValue]>([
    // strings_test.go
    ['substr', [0n, 3n, 'fooo'], 'foo'],
    ['substr', [0n, 10n, 'foo'], 'foo'],
    ['substr', [-1n, 2n, 'foo'], 'fo'],
    ['substr', [1n, -1n, 'foo'], 'oo'],
    ['trunc', [3n, 'foooooo'], 'foo'],
    ['trunc', [-3n, 'baaaaaar'], 'aar'],
    ['trunc', [-999n, 'baaaaaar'], 'baaaaaar'],
    ['trunc', [0n, 'baaaaaz'], ''],
    ['trunc', [63n, 'short'], 'short'],
    ['quote', ['a', 'b', 'c'], '"a" "b" "c"'],
    ['quote', ['"a"', 'b', 'c'], '"\\"a\\"" "b" "c"'],
    ['quote', [1n, 2n, 3n], '"1" "2" "3"'],
    ['quote', [null], ''],
    ['quote', ['tab\there'], '"tab\\there"'],
    ['squote', ['a', 'b', 'c'], "'a' 'b' 'c'"],
    ['squote', [1n, 2n, 3n], "'1' '2' '3'"],
    ['squote', [null], ''],
    ['contains', ['cat', 'fair catch'], true],
    ['contains', ['dog', 'fair catch'], false],
    ['hasPrefix', ['cat', 'catch'], true],
    ['hasSuffix', ['cat', 'ducat'], true],
    ['hasSuffix', ['cat', 'catch'], false],
    ['trim', ['   5.00   '], '5.00'],
    ['trim', ['\u0085x\u00a0'], 'x'],
    ['trim', ['\ufeffx'], '\ufeffx'],
    ['trimAll', ['$', '$5.00$'], '5.00'],
    ['trimall', ['$', '$5.00$'], '5.00'],
    ['trimPrefix', ['$', '$5.00'], '5.00'],
    ['trimSuffix', ['$', '5.00$'], '5.00'],
    ['trimSuffix', ['-', 'a-b'], 'a-b'],
    ['upper', ['hello'], 'HELLO'],
    ['upper', ['straße'], 'STRAßE'],
    ['lower', ['HELLO World'], 'hello world'],
    ['title', ['hello world'], 'Hello World'],
    ['title', ['hello-world foo_bar'], 'Hello-World Foo_bar'],
    ['repeat', [3n, 'ab'], 'ababab'],
    ['repeat', [0n, 'ab'], ''],
    ['cat', ['a', 'b', 'c'], 'a b c'],
    ['cat', ['a', 'b', null], 'a b'],
    ['cat', [1n, 2.5, true], '1 2.5 true'],
    ['indent', [4n, 'a\nb\nc'], '    a\n    b\n    c'],
    ['nindent', [4n, 'a\nb\nc'], '\n    a\n    b\n    c'],
    ['indent', [0n, 'a'], 'a'],
    ['replace', [' ', '-', 'I Am Henry VIII'], 'I-Am-Henry-VIII'],
    ['replace', ['', '-', 'ab'], '-a-b-'],
    ['plural', ['1 char', 'chars', 3n], 'chars'],
    ['plural', ['cheese', '%d chars', 1n], 'cheese'],
    ['plural', ['one', 'many', 0n], 'many'],
    ['toString', ['string'], 'string'],
    ['toString', [1n], '1'],
    ['toString', [1.5], '1.5'],
    ['toString', [true], 'true'],
    ['toString', [null], '<nil>'],
    ['toString', [['a', 1n]], '[a 1]'],
    ['toStrings', [[1n, null, 2n]], ['1', '2']],
    ['toStrings', ['abc'], ['abc']],
    ['toStrings', [null], []],
    ['join', ['-', ['a', 'b', 'c']], 'a-b-c'],
    ['join', ['-', [1n, 2n, 3n]], '1-2-3'],
    ['join', ['-', 'abc'], 'abc'],
    ['join', ['-', ['1', null, '2']], '1-2'],
    ['sortAlpha', [['c', 'a', 'b']], ['a', 'b', 'c']],
    ['sortAlpha', [[2n, 1n, 4n, 3n]], ['1', '2', '3', '4']],
    ['sortAlpha', [['b', 'B', 'a', 'é']], ['B', 'a', 'b', 'é']],
    ['sortAlpha', ['x'], ['x']],
    ['splitList', ['$', 'foo$bar$baz'], ['foo', 'bar', 'baz']],
    ['splitList', ['', 'abc'], ['a', 'b', 'c']],
    ['splitList', [',', ''], ['']],
    ['split', ['$', 'foo$bar$baz'], { _0: 'foo', _1: 'bar', _2: 'baz' }],
    ['splitn', ['$', 2n, 'foo$bar$baz'], { _0: 'foo', _1: 'bar$baz' }],
    ['splitn', ['$', 0n, 'foo$bar'], {}],
    ['splitn', ['$', -1n, 'a$b$c'], { _0: 'a', _1: 'b', _2: 'c' }],
    ['hello', [], 'Hello!'],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it.each<[string, GoValue[], string]>([
    ['substr', [-1n, 5n, 'foo'], 'runtime error: slice bounds out of range [:5] with length 3'],
    ['substr', [5n, 6n, 'foo'], 'runtime error: slice bounds out of range [5:3]'],
    ['repeat', [-1n, 'x'], 'strings: negative Repeat count'],
    ['indent', [-2n, 'x'], 'strings: negative Repeat count'],
    ['fail', ['custom failure'], 'custom failure'],
  ])('%s %j fails like Go', (name, args, message) => {
    expect(() => call(name, ...args)).toThrow(message);
  });

  it('trunc and substr count bytes, as Go does', () => {
    expect(call('trunc', 2n, 'héllo')).toBe('h\ufffd');
    expect(call('substr', 0n, 3n, 'héllo')).toBe('hé');
  });
});

describe('goutils and xstrings word functions', () => {
  it.each<[string, GoValue[], GoValue]>([
    ['abbrev', [5n, 'hello world'], 'he...'],
    ['abbrev', [3n, 'hello world'], 'hello world'],
    ['abbrev', [20n, 'hello world'], 'hello world'],
    ['abbrevboth', [5n, 10n, '1234 5678 9123'], '...5678...'],
    ['abbrevboth', [1n, 6n, 'abcdefghijkl'], 'abcdefghijkl'],
    ['nospace', ['h e l l o '], 'hello'],
    ['nospace', ['a\tb\nc'], 'abc'],
    ['untitle', ['First Try'], 'first try'],
    ['initials', ['First Try'], 'FT'],
    ['initials', ['  foo   bar baz'], 'fbb'],
    ['wrap', [5n, 'Hello World'], 'Hello\nWorld'],
    ['wrap', [5n, 'Hello Wonderful World'], 'Hello\nWonderful\nWorld'],
    ['wrapWith', [5n, '\t', 'Hello World'], 'Hello\tWorld'],
    ['wrapWith', [3n, '-', 'abcdef'], 'abc-def'],
    ['swapcase', ['This Is A.Test'], 'tHIS iS a.tEST'],
    ['camelcase', ['http_server'], 'HttpServer'],
    ['camelcase', ['_camel_case'], '_CamelCase'],
    ['camelcase', ['no_https'], 'NoHttps'],
    ['camelcase', ['_complex__case_'], '_Complex_Case_'],
    ['camelcase', ['all'], 'All'],
    ['snakecase', ['FirstName'], 'first_name'],
    ['snakecase', ['HTTPServer'], 'http_server'],
    ['snakecase', ['NoHTTPS'], 'no_https'],
    ['snakecase', ['GO_PATH'], 'go_path'],
    ['snakecase', ['GO PATH'], 'go_path'],
    ['snakecase', ['GO-PATH'], 'go_path'],
    ['kebabcase', ['FirstName'], 'first-name'],
    ['kebabcase', ['HTTPServer'], 'http-server'],
    ['kebabcase', ['GO_PATH'], 'go-path'],
    // xstrings' documented samples
    ['camelcase', ['GOLANG_IS_GREAT'], 'GolangIsGreat'],
    ['camelcase', ['some words'], 'SomeWords'],
    ['snakecase', ['http2xx'], 'http_2xx'],
    ['snakecase', ['HTTP20xOK'], 'http_20x_ok'],
    ['snakecase', ['Duration2m3s'], 'duration_2m3s'],
    ['snakecase', ['Bld4Floor3rd'], 'bld4_floor_3rd'],
    ['kebabcase', ['NoHTTPS'], 'no-https'],
    ['kebabcase', ['GO PATH'], 'go-path'],
    ['kebabcase', ['HTTP20xOK'], 'http-20x-ok'],
    ['kebabcase', ['Bld4Floor3rd'], 'bld4-floor-3rd'],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it('shuffle permutes runes with the injected randomness', () => {
    const a = caller(testFunctions(7))('shuffle', 'abcdefgh') as string;
    const b = caller(testFunctions(7))('shuffle', 'abcdefgh') as string;
    expect(a).toBe(b);
    expect([...a].sort().join('')).toBe('abcdefgh');
    expect(a).not.toBe('abcdefgh');
  });
});

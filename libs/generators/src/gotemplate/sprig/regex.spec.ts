import type { GoValue } from '../values';
import { compileGoRegexp } from './re2';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('sprig regex functions (Go RE2 semantics)', () => {
  it.each<[string, GoValue[], GoValue]>([
    // regex_test.go
    ['regexMatch', ['^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$', 'test@acme.com'], true],
    ['regexMatch', ['^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$', 'Test@Acme.Com'], true],
    ['regexMatch', ['^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$', 'test'], false],
    ['regexMatch', ['^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$', 'test@acme'], false],
    ['regexMatch', ['(', 'x'], false],
    ['mustRegexMatch', ['^v\\d+$', 'v12'], true],
    ['regexFindAll', ['a{2}', 'aa', -1n], ['aa']],
    ['regexFindAll', ['a{2}', 'aaaaaaaa', -1n], ['aa', 'aa', 'aa', 'aa']],
    ['regexFindAll', ['a{2}', 'aaaaaaaa', 2n], ['aa', 'aa']],
    ['regexFindAll', ['a{2}', 'none', -1n], []],
    ['regexFindAll', ['a*', 'baaac', -1n], ['', 'aaa', '']],
    ['regexFindAll', ['x*', 'ab', -1n], ['', '', '']],
    ['regexFindAll', ['.', 'a😀b', -1n], ['a', '😀', 'b']],
    ['mustRegexFindAll', ['[0-9]+', 'a1b22c333', 0n], []],
    ['regexFind', ['a+b', 'faaaab'], 'aaaab'],
    ['regexFind', ['a+b', 'xyz'], ''],
    ['mustRegexFind', ['\\d+', 'abc123def'], '123'],
    ['regexReplaceAll', ['a(x*)b', '-ab-axxb-', '${1}W'], '-W-xxW-'],
    ['regexReplaceAll', ['a(x*)b', '-ab-axxb-', '$1W'], '---'],
    ['regexReplaceAll', ['a(x*)b', '-ab-axxb-', '$1'], '--xx-'],
    ['regexReplaceAll', ['a(?P<x>x*)b', '-ab-axxb-', '[$x]'], '-[]-[xx]-'],
    ['regexReplaceAll', ['a(?<x>x*)b', '-ab-axxb-', '${x}$$'], '-$-xx$-'],
    ['regexReplaceAll', ['a*', 'baaac', 'X'], 'XbXcX'],
    ['regexReplaceAll', ['\\s+', 'a  b\tc', ' '], 'a b c'],
    ['regexReplaceAll', ['(\\w+)@(\\w+)', 'me@host', '$2 at $3'], 'host at '],
    ['regexReplaceAll', ['x', 'axb', '$'], 'a$b'],
    ['mustRegexReplaceAll', ['^(.*)-(\\d+)$', 'app-42', 'v${2}-${1}'], 'v42-app'],
    ['regexReplaceAllLiteral', ['a(x*)b', '-ab-axxb-', '${1}'], '-${1}-${1}-'],
    ['mustRegexReplaceAllLiteral', ['\\.', 'a.b.c', '$'], 'a$b$c'],
    ['regexSplit', ['a', 'banana', -1n], ['b', 'n', 'n', '']],
    ['regexSplit', ['a', 'banana', 0n], []],
    ['regexSplit', ['a', 'banana', 1n], ['banana']],
    ['regexSplit', ['a', 'banana', 2n], ['b', 'nana']],
    ['regexSplit', ['z+', 'pizza', -1n], ['pi', 'a']],
    ['regexSplit', ['a*', 'abaabaccadaaae', 5n], ['', 'b', 'b', 'c', 'cadaaae']],
    ['regexSplit', ['x', '', -1n], ['']],
    ['mustRegexSplit', [',', 'a,b', -1n], ['a', 'b']],
    ['regexQuoteMeta', ['1.2.3'], '1\\.2\\.3'],
    ['regexQuoteMeta', ['[foo]{bar}*+?'], '\\[foo\\]\\{bar\\}\\*\\+\\?'],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it.each<[string, string, boolean]>([
    // Go-only syntax translated to JavaScript
    ['(?i)hello', 'HeLLo', true],
    ['a(?i)b', 'aB', true],
    ['a(?i)b', 'AB', false],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['a.b', 'a\rb', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['\\Aab\\z', 'ab', true],
    ['[[:alpha:]]+$', 'abc', true],
    ['^[[:^digit:]]+$', 'abc', true],
    ['^[[:^digit:]]+$', 'a1', false],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\PL$', '1', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['^\\s$', '\u00a0', false],
    ['^\\s$', '\t', true],
    ['^[\\S]$', 'x', true],
    ['^[^\\d]$', '5', false],
    ['^x{2,3}$', 'xxx', true],
    ['^a{,2}$', 'a{,2}', true],
    ['^\\x41\\x{42}\\101$', 'ABA', true],
    ['^[]a]+$', ']a', true],
    ['^\\#\\-\\:$', '#-:', true],
    ['(?U)a+', 'aaa', true],
  ])('translates %p (matching %p: %p)', (expr, s, expected) => {
    expect(call('mustRegexMatch', expr, s)).toBe(expected);
  });

  it('(?U) makes repetitions lazy', () => {
    expect(call('regexFind', '(?U)a+', 'aaa')).toBe('a');
    expect(call('regexFind', '(?U)a+?', 'aaa')).toBe('aaa');
  });

  it.each<[string, string]>([
    ['(', 'error parsing regexp: missing closing ): `(`'],
    ['a)', 'error parsing regexp: unexpected ): `a)`'],
    ['[a', 'error parsing regexp: missing closing ]: `[a`'],
    ['*a', 'error parsing regexp: missing argument to repetition operator: `*`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
    ['\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['\\q', 'error parsing regexp: invalid escape sequence: `\\q`'],
    ['(?=x)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['x{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
    ['(?P<1a-b>x)', 'error parsing regexp: invalid named capture: `(?P<1a-b>`'],
  ])('reports Go parse errors for %p', (expr, message) => {
    expect(() => call('mustRegexMatch', expr, 'x')).toThrow(message);
    expect(() => call('regexFind', expr, 'x')).toThrow(`regexp: Compile(\`${expr}\`): ${message}`);
  });

  it('keeps Go group names for expansion', () => {
    expect(compileGoRegexp('(a)(?P<n>b)(c)').names).toEqual(['', '', 'n', '']);
  });
});

import { compileGoTemplate, GoTemplateError } from './index';
import { lex } from './lexer';
import { T } from './lexer-items';
import { parseNumber, unquote } from './literals';

// Parse errors: Go's parse_test.go errorTests (full messages), plus more of Go's parser errors.
const parseErrors: [name: string, template: string, message: string][] = [
  ['unclosed1', 'line1\n{{', 'template: unclosed1:2: unclosed action'],
  ['unclosed2', 'line1\n{{define `x`}}line2\n{{', 'template: unclosed2:3: unclosed action'],
  [
    'unclosed3',
    'line1\n{{"x"\n"y"\n',
    'template: unclosed3:4: unclosed action started at unclosed3:2',
  ],
  ['unclosed4', '{{\n\n\n\n\n', 'template: unclosed4:6: unclosed action started at unclosed4:1'],
  ['var1', 'line1\n{{\nx\n}}', 'template: var1:3: function "x" not defined'],
  ['function', '{{foo}}', 'template: function:1: function "foo" not defined'],
  ['comment1', '{{/*}}', 'template: comment1:1: unclosed comment'],
  ['comment2', '{{/*\nhello\n}}', 'template: comment2:1: unclosed comment'],
  ['comment3', '{{/* c */ }}', 'template: comment3:1: comment ends before closing delimiter'],
  ['lparen', '{{.X (1 2 3}}', 'template: lparen:1: unclosed left paren'],
  ['rparen', '{{.X 1 2 3 ) }}', 'template: rparen:1: unexpected right paren'],
  ['rparen2', '{{(.X 1 2 3', 'template: rparen2:1: unclosed action'],
  ['space', '{{`x`3}}', 'template: space:1: unexpected "3" in operand'],
  ['idchar', '{{a#}}', "template: idchar:1: bad character U+0023 '#'"],
  ['charconst', "{{'a}}", 'template: charconst:1: unterminated character constant'],
  ['stringconst', '{{"a}}', 'template: stringconst:1: unterminated quoted string'],
  ['rawstringconst', '{{`a}}', 'template: rawstringconst:1: unterminated raw quoted string'],
  ['number', '{{0xi}}', 'template: number:1: illegal number syntax: "0xi"'],
  ['badnumber', '{{3x}}', 'template: badnumber:1: bad number syntax: "3x"'],
  [
    'overflow',
    '{{99999999999999999999}}',
    'template: overflow:1: integer overflow: "99999999999999999999"',
  ],
  [
    'hexfloat without p',
    '{{0x1.8}}',
    'template: hexfloat without p:1: illegal number syntax: "0x1.8"',
  ],
  [
    'multidefine',
    '{{define `a`}}a{{end}}{{define `a`}}b{{end}}',
    'template: multidefine:1: template: multiple definition of template "a"',
  ],
  ['eof', '{{range .X}}', 'template: eof:1: unexpected EOF'],
  ['variable2', '{{$x := 23}}{{$x}}{{$y}}', 'template: variable2:1: undefined variable "$y"'],
  ['multidecl', '{{$a,$b,$c := 23}}', 'template: multidecl:1: too many declarations in command'],
  ['undefvar', '{{$a}}', 'template: undefvar:1: undefined variable "$a"'],
  [
    'var scope ends at end',
    '{{if 1}}{{$x := 1}}{{end}}{{$x}}',
    'template: var scope ends at end:1: undefined variable "$x"',
  ],
  ['wrongdot', '{{true.any}}', 'template: wrongdot:1: unexpected . after term "true"'],
  [
    'wrongpipeline',
    '{{12|false}}',
    'template: wrongpipeline:1: non executable command in pipeline stage 2',
  ],
  [
    'emptypipeline',
    '{{ ( ) }}',
    'template: emptypipeline:1: missing value for parenthesized pipeline',
  ],
  ['multilinerawstring', '{{ $v := `\n` }} {{', 'template: multilinerawstring:2: unclosed action'],
  ['rangeundefvar', '{{range $k}}{{end}}', 'template: rangeundefvar:1: undefined variable "$k"'],
  [
    'rangemissingvalue1',
    '{{range $k,}}{{end}}',
    'template: rangemissingvalue1:1: missing value for range',
  ],
  [
    'rangemissingvalue2',
    '{{range $k, $v := }}{{end}}',
    'template: rangemissingvalue2:1: missing value for range',
  ],
  [
    'rangenotvariable1',
    '{{range $k, .}}{{end}}',
    'template: rangenotvariable1:1: range can only initialize variables',
  ],
  [
    'rangenotvariable2',
    '{{range $k, 123 := .}}{{end}}',
    'template: rangenotvariable2:1: range can only initialize variables',
  ],
  ['brace', '{{ 3 } }}', 'template: brace:1: unexpected "}" in operand'],
  ['end', '{{end}}', 'template: end:1: unexpected {{end}}'],
  ['else', '{{else}}', 'template: else:1: unexpected {{else}}'],
  ['empty action', '{{}}', 'template: empty action:1: missing value for command'],
  [
    'break outside range',
    '{{break}}',
    'template: break outside range:1: {{break}} outside {{range}}',
  ],
  [
    'continue outside range',
    '{{if 1}}{{continue}}{{end}}',
    'template: continue outside range:1: {{continue}} outside {{range}}',
  ],
  [
    'continue with arg',
    '{{range .}}{{continue 1}}{{end}}',
    'template: continue with arg:1: unexpected "1" in {{continue}}',
  ],
  ['complex', '{{1+2i}}', 'template: complex:1: complex constant 1+2i is not supported'],
  [
    'nested define',
    '{{if 1}}{{define `x`}}{{end}}{{end}}',
    'template: nested define:1: unexpected <define> in command',
  ],
  [
    'double else',
    '{{if 1}}{{else}}{{else}}{{end}}',
    'template: double else:1: expected end; found {{else}}',
  ],
  ['malformed char', "{{'ab'}}", "template: malformed char:1: malformed character constant: 'ab'"],
  ['bad escape', '{{"\\q"}}', 'template: bad escape:1: invalid syntax'],
  [
    'template name',
    '{{template .X}}',
    'template: template name:1: unexpected ".X" in template clause',
  ],
  [
    'define name',
    '{{define x}}{{end}}',
    'template: define name:1: unexpected "x" in define clause',
  ],
  ['colon', '{{$x : 1}}', 'template: colon:1: undefined variable "$x"'],
  [
    'unrecognized',
    '{{\u0001}}',
    'template: unrecognized:1: unrecognized character in action: U+0001',
  ],
  ['long token', '{{.X "abcdefghijklmnop" )}}', 'template: long token:1: unexpected right paren'],
  ['pipe first', '{{| .X}}', 'template: pipe first:1: unexpected "|" in command'],
  [
    'line of error',
    'a\nb\n{{.X | 3}}',
    'template: line of error:3: non executable command in pipeline stage 2',
  ],
];

describe('parse errors', () => {
  it.each(parseErrors)('%s', (name, template, message) => {
    let err: unknown;
    try {
      compileGoTemplate(template, { name });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GoTemplateError);
    expect((err as Error).message).toBe(message);
  });
});

describe('valid syntax', () => {
  it.each<[string, string]>([
    ['spaces around pipes', '{{ .X|printf "%s" | printf "%s" }}'],
    ['trim marker after paren', '{{ (1) -}}'],
    ['tab before trim marker', '{{\t1\t-}}'],
    ['comment with trim markers', '{{- /* x */ -}}'],
    ['else if chain', '{{if 1}}{{else if 2}}{{else if 3}}{{else}}{{end}}'],
    ['range with two vars', '{{range $i, $e := .}}{{$i}}{{$e}}{{end}}'],
    ['assignment to outer var', '{{$x := 1}}{{range .}}{{$x = 2}}{{end}}'],
    ['nested parens', '{{print (print (print 1))}}'],
    ['define then use', '{{define "a"}}x{{end}}{{template "a" .}}'],
    ['block', '{{block "b" .}}x{{end}}'],
  ])('%s', (_name, template) => {
    expect(() => compileGoTemplate(template, {})).not.toThrow();
  });
});

describe('lexer', () => {
  const types = (s: string): T[] => lex(s, true, true).map((i) => i.typ);
  it('splits a field chain into field items', () => {
    expect(lex('{{.a.b}}', true, true).map((i) => i.val)).toEqual(['{{', '.a', '.b', '}}', '']);
  });
  it('trims text around trim markers', () => {
    expect(
      lex('a \n{{- 1 -}}\n b', true, true)
        .filter((i) => i.typ === T.Text)
        .map((i) => i.val),
    ).toEqual(['a', 'b']);
  });
  it('treats "{{-3}}" as a negative number, not a trim marker', () => {
    expect(types('{{-3}}')).toEqual([T.LeftDelim, T.Number, T.RightDelim, T.EOF]);
  });
  it('lexes declarations and assignments', () => {
    expect(types('{{$x := 1}}{{$x = 2}}')).toEqual([
      T.LeftDelim,
      T.Variable,
      T.Space,
      T.Declare,
      T.Space,
      T.Number,
      T.RightDelim,
      T.LeftDelim,
      T.Variable,
      T.Space,
      T.Assign,
      T.Space,
      T.Number,
      T.RightDelim,
      T.EOF,
    ]);
  });
  it('makes break an identifier when a function shadows it', () => {
    expect(types('{{break}}')[1]).toBe(T.Break);
    expect(lex('{{break}}', false, true)[1]?.typ).toBe(T.Identifier);
  });
  it('records line numbers of items', () => {
    expect(lex('a\n{{\n.x}}', true, true).map((i) => i.line)).toEqual([1, 2, 2, 3, 3, 3]);
  });
});

describe('literals', () => {
  it.each<[string, boolean, boolean, bigint | null, number | null]>([
    ['42', true, true, 42n, 42],
    ['-7', true, false, -7n, -7],
    ['0x1F', true, true, 31n, 31],
    ['0o17', true, true, 15n, 15],
    ['017', true, true, 15n, 15],
    ['0b101', true, true, 5n, 5],
    ['1_000', true, true, 1000n, 1000],
    ['1.5', false, false, null, 1.5],
    ['1e3', true, true, 1000n, 1000],
    ['0x1p4', true, true, 16n, 16],
    ['.5', false, false, null, 0.5],
    ['18446744073709551615', false, true, null, 18446744073709552000],
  ])('parseNumber(%s)', (text, isInt, isUint, int, float) => {
    const n = parseNumber(text, false);
    expect(n.isInt).toBe(isInt);
    expect(n.isUint).toBe(isUint);
    if (int !== null) expect(n.int).toBe(int);
    expect(n.isFloat).toBe(float !== null);
    if (float !== null) expect(n.float).toBe(float);
  });
  it.each(['1__0', '_1', '1_', '0x'])('rejects %s', (text) => {
    expect(() => parseNumber(text, false)).toThrow();
  });
  it('parses rune constants as int, uint and float', () => {
    expect(parseNumber("'\\u00e9'", true)).toMatchObject({
      isInt: true,
      int: 233n,
      isFloat: true,
      float: 233,
    });
  });
  it.each<[string, string]>([
    ['"a\\tb"', 'a\tb'],
    ['"\\u65e5\\U0001F600"', '日😀'],
    ['"\\xc3\\xa9"', 'é'],
    ['"\\101"', 'A'],
    ['`raw\\n`', 'raw\\n'],
    ['`a\r\nb`', 'a\nb'],
  ])('unquote(%s)', (lit, want) => {
    expect(unquote(lit)).toBe(want);
  });
  it.each(['"\\q"', '"\\\'"', '"\\400"', '"\\ud800"'])('unquote rejects %s', (lit) => {
    expect(() => unquote(lit)).toThrow('invalid syntax');
  });
});

import {
  compileGoTemplate,
  GoTemplateError,
  signed,
  type GoTemplateFunction,
  type GoTemplateOptions,
  type GoValue,
} from './index';

// Data shaped like Go's exec_test.go tVal, in the Go value model (JSON-like interface{} values).
const tVal: GoValue = {
  True: true,
  I: 17n,
  U16: 16n,
  X: 'x',
  U: { V: 'v' },
  SI: [3n, 4n, 5n],
  SIEmpty: [],
  SB: [true, false],
  MSI: { one: 1n, two: 2n, three: 3n },
  MSIone: { one: 1n },
  MSIEmpty: {},
  SMSI: [
    { one: 1n, two: 2n },
    { eleven: 11n, twelve: 12n },
  ],
  Empty0: null,
  Empty3: [7n, 8n],
  FloatZero: 0,
  PSI: [21n, 22n, 23n],
  F: 1.5,
  Big: 1000000,
  Str: 'héllo',
  Nested: { list: [{ name: 'a' }, null, 'str'] },
};

const funcs: Record<string, GoTemplateFunction> = {
  add: signed((a, b) => (a as bigint) + (b as bigint), { params: ['int', 'int'] }),
  echo: (x) => x,
  makemap: (...kv) => {
    const m: Record<string, GoValue> = {};
    for (let i = 0; i < kv.length; i += 2) m[kv[i] as string] = kv[i + 1];
    return m;
  },
  oneArg: signed((a) => `oneArg=${a as string}`, { params: ['string'] }),
  twoArgs: signed((a, b) => `twoArgs=${a as string}${b as string}`, {
    params: ['string', 'string'],
  }),
  dddArg: signed((a, ...b) => `${String(a)} [${b.join(' ')}]`, {
    params: ['int'],
    variadic: 'string',
  }),
  zeroArgs: signed(() => 'zeroArgs', { params: [] }),
  mapOfThree: signed(() => ({ three: 3n }), { params: [] }),
  returnInt: signed(() => 7n, { params: [] }),
  valueString: signed((_v) => 'value is ignored', { params: ['string'] }),
  half: signed((f) => (f as number) / 2, { params: ['float64'] }),
  fail: (msg) => {
    throw new Error(String(msg));
  },
  nothing: () => undefined,
  binary: signed((a, b) => `[${a as string}=${b as string}]`, { params: ['string', 'string'] }),
};
const withFuncs: GoValue = {
  ...(tVal as object),
  BinaryFunc: funcs.binary!,
  VariadicFunc: (...a: GoValue[]) => `<${a.join('+')}>`,
};

type Row = [name: string, template: string, data: GoValue, want: string | { error: string }];

function run(
  template: string,
  data: GoValue,
  options: Parameters<typeof compileGoTemplate>[1] = {},
): string {
  return compileGoTemplate(template, { name: 't', funcs, ...options }).execute(data);
}

function check(
  [, template, data, want]: Row,
  options: Parameters<typeof compileGoTemplate>[1] = {},
): void {
  if (typeof want === 'string') {
    expect(run(template, data, options)).toBe(want);
  } else {
    let err: unknown;
    try {
      run(template, data, options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GoTemplateError);
    expect((err as Error).message).toBe(want.error);
  }
}

// Rows from Go's exec_test.go (adapted to interface{}-typed data) plus Argo CD usage.
const rows: Row[] = [
  ['empty', '', tVal, ''],
  ['text', 'some text', tVal, 'some text'],
  ['dot int', '{{.I}}', tVal, '17'],
  ['dot string', '{{.X}}', tVal, 'x'],
  ['nested field', '{{.U.V}}', tVal, 'v'],
  ['$ field', '{{$.I}}', tVal, '17'],
  ['$ nested', '{{$.U.V}}', tVal, 'v'],
  ['declare', '{{$x := .I}}{{$x}}', tVal, '17'],
  ['assign', '{{$x := 1}}{{$x = 2}}{{$x}}', tVal, '2'],
  ['assign in range', '{{$x := 0}}{{range .SI}}{{$x = .}}{{end}}{{$x}}', tVal, '5'],
  [
    'declared var is shadowed inside if only',
    '{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}',
    tVal,
    '21',
  ],
  ['var field', '{{$x := .U}}{{$x.V}}', tVal, 'v'],
  ['missing key default', '{{.Nope}}', tVal, '<no value>'],
  ['missing key nested default', '{{.Nope.Deeper}}', tVal, '<no value>'],
  ['nil value prints <no value>', '{{.Empty0}}', tVal, '<no value>'],
  ['nil value via print', '{{print .Empty0}}', tVal, '<nil>'],
  ['nil data', '{{.X}}', null, '<no value>'],
  ['nil in slice prints <nil>', '{{.Nested.list}}', tVal, '[map[name:a] <nil> str]'],
  ['float64 1e6', '{{.Big}}', tVal, '1e+06'],
  ['float64 1.5', '{{.F}}', tVal, '1.5'],
  ['map prints sorted', '{{.MSI}}', tVal, 'map[one:1 three:3 two:2]'],
  ['slice prints', '{{.SI}}', tVal, '[3 4 5]'],
  // Literals and ideal constants.
  ['int literal', '{{1}}', tVal, '1'],
  ['negative', '{{-3}}', tVal, '-3'],
  ['float literal', '{{1.5}}', tVal, '1.5'],
  ['exp literal is float', '{{1e3}}', tVal, '1000'],
  ['exp literal type', '{{printf "%T" 1e3}}', tVal, 'float64'],
  ['hex', '{{0x1F}}', tVal, '31'],
  ['hex E is int', '{{printf "%T" 0xEE}}', tVal, 'int'],
  ['octal', '{{0o17}} {{017}}', tVal, '15 15'],
  ['binary', '{{0b101}}', tVal, '5'],
  ['underscores', '{{1_000_000}}', tVal, '1000000'],
  ['char', "{{'a'}} {{'\\n'}}", tVal, '97 10'],
  ['char printf %c', '{{printf "%c" \'x\'}}', tVal, 'x'],
  ['string escapes', '{{"a\\tb\\u00e9\\x41"}}', tVal, 'a\tbéA'],
  ['raw string', '{{`a\\n`}}', tVal, 'a\\n'],
  ['true false', '{{true}} {{false}}', tVal, 'true false'],
  [
    'int overflow',
    '{{9223372036854775808}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <9223372036854775808>: 9223372036854775808 overflows int',
    },
  ],
  // Trim markers and comments.
  ['trim left', 'a  \n {{- 1}}', tVal, 'a1'],
  ['trim right', '{{1 -}} \n\t b', tVal, '1b'],
  ['trim both', 'x {{- 1 -}} y', tVal, 'x1y'],
  ['minus number not trim', '{{-1}}', tVal, '-1'],
  ['comment', 'a{{/* c */}}b', tVal, 'ab'],
  ['trimmed comment', 'a {{- /* c */ -}} b', tVal, 'ab'],
  ['multiline action', '{{printf "%d"\n  .I}}', tVal, '17'],
  // Parenthesized pipelines and chains.
  ['parens', '{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}', tVal, '1 5 15'],
  ['$ in paren', '{{($).X}}', tVal, 'x'],
  ['$ in paren in pipe', '{{($ | echo).X}}', tVal, 'x'],
  ['chain on function', '{{(makemap "up" "down" "left" "right").left}}', tVal, 'right'],
  ['field chain on func', '{{mapOfThree.three}}-{{(mapOfThree).three}}', tVal, '3-3'],
  // If / else if / with.
  ['if true', '{{if true}}TRUE{{end}}', tVal, 'TRUE'],
  ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', tVal, 'FALSE'],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', tVal, 'NON-ZERO'],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', tVal, 'ZERO'],
  ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', tVal, 'ZERO'],
  ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', tVal, 'EMPTY'],
  ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', tVal, 'EMPTY'],
  ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', tVal, 'NON-EMPTY'],
  ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', tVal, 'EMPTY'],
  ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', tVal, 'NON-EMPTY'],
  ['if nil value', '{{if .Empty0}}non-nil{{else}}nil{{end}}', tVal, 'nil'],
  ['if missing', '{{if .Missing}}yes{{else}}no{{end}}', tVal, 'no'],
  [
    'if $x with $y',
    '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}',
    tVal,
    'true,17',
  ],
  [
    'if $x with $x',
    '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}',
    tVal,
    '17,true',
  ],
  ['else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', tVal, 'TRUE'],
  ['else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', tVal, '3'],
  [
    'if nil literal',
    '{{if nil}}TRUE{{end}}',
    tVal,
    { error: 'template: t:1:5: executing "t" at <nil>: nil is not a command' },
  ],
  ['with true', '{{with true}}{{.}}{{end}}', tVal, 'true'],
  ['with 0', '{{with 0}}{{.}}{{else}}ZERO{{end}}', tVal, 'ZERO'],
  ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', tVal, '1.5'],
  ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', tVal, '[3 4 5]'],
  ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', tVal, 'map[one:1]'],
  ['with $x', '{{with $x := .I}}{{$x}}{{end}}', tVal, '17'],
  ['with $x $', '{{with $x := $}}{{$x.U.V}}{{end}}', tVal, 'v'],
  ['else with', '{{with .Missing}}a{{else with .X}}{{.}}{{end}}', tVal, 'x'],
  // Range.
  ['range slice', '{{range .SI}}-{{.}}-{{end}}', tVal, '-3--4--5-'],
  ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', tVal, ''],
  ['range else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', tVal, 'EMPTY'],
  ['range bools', '{{range .SB}}-{{.}}-{{end}}', tVal, '-true--false-'],
  ['range map sorted', '{{range .MSI}}-{{.}}-{{end}}', tVal, '-1--3--2-'],
  ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', tVal, 'EMPTY'],
  ['range nil', '{{range .Empty0}}-{{.}}-{{end}}', tVal, ''],
  ['range missing else', '{{range .Missing}}x{{else}}none{{end}}', tVal, 'none'],
  ['range $x', '{{range $x := .SI}}<{{$x}}>{{end}}', tVal, '<3><4><5>'],
  ['range $x $y', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', tVal, '<0=3><1=4><2=5>'],
  ['range $k $v map', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', tVal, '<one=1>'],
  ['declare in range', '{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', tVal, '<21><22><23>'],
  ['range $ inside', '{{range .SI}}{{$.X}}{{end}}', tVal, 'xxx'],
  ['range break', '{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', tVal, '3'],
  ['range continue', '{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}', tVal, '35'],
  ['range int', '{{range 3}}{{.}}{{end}}', tVal, '012'],
  ['range int var', '{{range $i := 3}}{{$i}}{{end}}', tVal, '012'],
  ['range zero int else', '{{range 0}}x{{else}}none{{end}}', tVal, 'none'],
  [
    'range int two vars',
    '{{range $a, $b := 3}}{{end}}',
    tVal,
    {
      error:
        'template: t:1:18: executing "t" at <3>: can\'t use 3 to iterate over more than one variable',
    },
  ],
  [
    'range string',
    '{{range .X}}{{end}}',
    tVal,
    { error: 'template: t:1:8: executing "t" at <.X>: range can\'t iterate over x' },
  ],
  [
    'range float',
    '{{range .F}}{{end}}',
    tVal,
    { error: 'template: t:1:8: executing "t" at <.F>: range can\'t iterate over 1.5' },
  ],
  [
    'range element is interface',
    '{{range .Nested.list}}{{.name}}{{end}}',
    tVal,
    {
      error: 'template: t:1:24: executing "t" at <.name>: nil pointer evaluating interface {}.name',
    },
  ],
  ['or as if true', '{{or .SI "slice is empty"}}', tVal, '[3 4 5]'],
  ['or as if false', '{{or .SIEmpty "slice is empty"}}', tVal, 'slice is empty'],
  // Builtins: print family.
  ['print', '{{print "hello, print"}}', tVal, 'hello, print'],
  ['print 123', '{{print 1 2 3}}', tVal, '1 2 3'],
  ['print nil', '{{print nil}}', tVal, '<nil>'],
  ['println', '{{println 1 2 3}}', tVal, '1 2 3\n'],
  ['printf int', '{{printf "%04x" 127}}', tVal, '007f'],
  ['printf float', '{{printf "%g" 3.5}}', tVal, '3.5'],
  ['printf string', '{{printf "%s" "hello"}}', tVal, 'hello'],
  ['printf function', '{{printf "%#q" zeroArgs}}', tVal, '`zeroArgs`'],
  ['printf field', '{{printf "%s" .U.V}}', tVal, 'v'],
  ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', tVal, '17'],
  ['printf bad verb', '{{printf "%d" .X}}', tVal, '%!d(string=x)'],
  ['printf missing', '{{printf "%s-%d" "a"}}', tVal, 'a-%!d(MISSING)'],
  ['printf float64 %d', '{{printf "%d" .Big}}', tVal, '%!d(float64=1e+06)'],
  ['printf %v of missing is <nil>', '{{printf "%v" .Missing}}', tVal, '<nil>'],
  ['print missing is <nil>', '{{print .Missing "x"}}', tVal, '<nil>x'],
  ['printf map with floats', '{{printf "%v" .}}', { a: 1.5, b: [2000000] }, 'map[a:1.5 b:[2e+06]]'],
  ['printf pipe final arg', '{{3 | printf "%d-%d" 2}}', tVal, '2-3'],
  [
    'printf format must be string',
    '{{printf 3}}',
    tVal,
    { error: 'template: t:1:9: executing "t" at <3>: expected string; found 3' },
  ],
  ['bug16k', '{{"aaa"|printf }}', tVal, 'aaa'],
  [
    'bug16a',
    '{{true|printf}}',
    tVal,
    {
      error:
        'template: t:1:7: executing "t" at <printf>: wrong type for value; expected string; got bool',
    },
  ],
  [
    'html',
    '{{html "<script>alert(\\"XSS\\");</script>"}}',
    null,
    '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;',
  ],
  ['html pipeline', '{{printf "<a href=\'%s\'>" "x" | html}}', null, '&lt;a href=&#39;x&#39;&gt;'],
  ['html nil', '{{html .Missing}}', tVal, '&lt;no value&gt;'],
  ['js', '{{js .}}', "It'd be nice.", "It\\'d be nice."],
  ['js specials', '{{js "<a=b>&\\"\\n"}}', null, '\\u003Ca\\u003Db\\u003E\\u0026\\"\\u000A'],
  ['urlquery', '{{"http://www.example.org/"|urlquery}}', null, 'http%3A%2F%2Fwww.example.org%2F'],
  ['urlquery space', '{{urlquery "a b&c"}}', null, 'a+b%26c'],
  // Booleans.
  ['not', '{{not true}} {{not false}}', null, 'false true'],
  ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', null, 'false 0 0 1'],
  ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', null, '0 1 true 1'],
  ['and short-circuits', '{{and false (fail "not evaluated")}}', null, 'false'],
  ['or short-circuits', '{{or true (fail "not evaluated")}}', null, 'true'],
  [
    'and evaluates',
    '{{and true (fail "boom")}}',
    null,
    { error: 'template: t:1:12: executing "t" at <fail "boom">: error calling fail: boom' },
  ],
  ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', tVal, 'TRUE'],
  ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', null, 'FALSE'],
  ['and with final', '{{1 | and true}}', null, '1'],
  [
    'not no args',
    '{{not}}',
    null,
    {
      error: 'template: t:1:2: executing "t" at <not>: wrong number of args for not: want 1 got 0',
    },
  ],
  // Indexing.
  ['slice[0]', '{{index .SI 0}}', tVal, '3'],
  ['slice[1]', '{{index .SI 1}}', tVal, '4'],
  [
    'slice[HUGE]',
    '{{index .SI 10}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .SI 10>: error calling index: index out of range: 10',
    },
  ],
  [
    'slice[len]',
    '{{index .SI 3}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .SI 3>: error calling index: reflect: slice index out of range',
    },
  ],
  [
    'slice[WRONG]',
    '{{index .SI `hello`}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .SI `hello`>: error calling index: cannot index slice/array with type string',
    },
  ],
  [
    'slice[nil]',
    '{{index .SI nil}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .SI nil>: error calling index: cannot index slice/array with nil',
    },
  ],
  [
    'slice[float]',
    '{{index .SI .F}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .SI .F>: error calling index: cannot index slice/array with type float64',
    },
  ],
  ['map[one]', '{{index .MSI `one`}}', tVal, '1'],
  ['map[NO] interface map', '{{index .MSI `XXX`}}', tVal, '<no value>'],
  [
    'map[nil]',
    '{{index .MSI nil}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .MSI nil>: error calling index: value is nil; should be of type string',
    },
  ],
  [
    'map[WRONG]',
    '{{index .MSI 10}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .MSI 10>: error calling index: value has type int; should be string',
    },
  ],
  ['double index', '{{index .SMSI 1 `eleven`}}', tVal, '11'],
  [
    'nil[1]',
    '{{index nil 1}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index nil 1>: error calling index: index of untyped nil',
    },
  ],
  ['index string byte', '{{index "abc" 1}}', tVal, '98'],
  ['index no indexes', '{{index .SI}}', tVal, '[3 4 5]'],
  [
    'index int',
    '{{index 3 1}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index 3 1>: error calling index: can\'t index item of type int',
    },
  ],
  [
    'index through nil',
    '{{index .Nested.list 1 0}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <index .Nested.list 1 0>: error calling index: index of nil pointer',
    },
  ],
  // slice builtin.
  ['slice[:]', '{{slice .SI}}', tVal, '[3 4 5]'],
  ['slice[1:]', '{{slice .SI 1}}', tVal, '[4 5]'],
  ['slice[1:2]', '{{slice .SI 1 2}}', tVal, '[4]'],
  ['slice[1:2:3]', '{{slice .SI 1 2 3}}', tVal, '[4]'],
  ['slice string', '{{slice "hello" 1 3}}', tVal, 'el'],
  [
    'slice string 3-index',
    '{{slice "hello" 1 2 3}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <slice "hello" 1 2 3>: error calling slice: cannot 3-index slice a string',
    },
  ],
  [
    'slice out of range',
    '{{slice .SI 2 1}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <slice .SI 2 1>: error calling slice: invalid slice index: 2 > 1',
    },
  ],
  [
    'slice too far',
    '{{slice .SI 4}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <slice .SI 4>: error calling slice: index out of range: 4',
    },
  ],
  [
    'slice map',
    '{{slice .MSI 1}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <slice .MSI 1>: error calling slice: can\'t slice item of type map[string]interface {}',
    },
  ],
  // len.
  ['len slice', '{{len .SI}}', tVal, '3'],
  ['len map', '{{len .MSI }}', tVal, '3'],
  ['len string bytes', '{{len .Str}}', tVal, '6'],
  [
    'len of int',
    '{{len 3}}',
    tVal,
    { error: 'template: t:1:2: executing "t" at <len 3>: error calling len: len of type int' },
  ],
  [
    'len of nil value',
    '{{len .Empty0}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <len .Empty0>: error calling len: len of nil pointer',
    },
  ],
  [
    'len of missing',
    '{{len .Missing}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <len .Missing>: error calling len: reflect: call of reflect.Value.Type on zero Value',
    },
  ],
  // Comparisons.
  ['eq strings', '{{eq "a" "a"}} {{eq "a" "b"}}', null, 'true false'],
  ['eq multi', '{{eq 3 1 2 3}}', null, 'true'],
  ['eq ints', '{{eq .I 17}}', tVal, 'true'],
  [
    'eq int float',
    '{{eq 1 1.0}}',
    null,
    {
      error:
        'template: t:1:2: executing "t" at <eq 1 1.0>: error calling eq: incompatible types for comparison: int and float64',
    },
  ],
  [
    'eq float field int literal',
    '{{eq .Big 1000000}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <eq .Big 1000000>: error calling eq: incompatible types for comparison: float64 and int',
    },
  ],
  ['eq float field float literal', '{{eq .Big 1000000.0}}', tVal, 'true'],
  ['eq missing', '{{eq .Missing "x"}}', tVal, 'false'],
  ['eq nil nil', '{{eq .Empty0 .Missing}}', tVal, 'true'],
  [
    'eq no args',
    '{{eq 1}}',
    null,
    {
      error:
        'template: t:1:2: executing "t" at <eq 1>: error calling eq: missing argument for comparison',
    },
  ],
  [
    'eq maps',
    '{{eq .MSI .MSI}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <eq .MSI .MSI>: error calling eq: non-comparable type map[one:%!s(int=1) three:%!s(int=3) two:%!s(int=2)]: map[string]interface {}',
    },
  ],
  [
    'eq map string',
    '{{eq .MSI "x"}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <eq .MSI "x">: error calling eq: incompatible types for comparison: map[string]interface {} and string',
    },
  ],
  ['ne', '{{ne 1 2}} {{ne "a" "a"}}', null, 'true false'],
  ['lt', '{{lt 1 2}} {{lt 2 1}} {{lt 1.5 2.5}} {{lt "a" "b"}}', null, 'true false true true'],
  ['le ge gt', '{{le 2 2}} {{ge 2 3}} {{gt 3 2}}', null, 'true false true'],
  [
    'lt bool',
    '{{lt true false}}',
    null,
    {
      error:
        'template: t:1:2: executing "t" at <lt true false>: error calling lt: invalid type for comparison',
    },
  ],
  [
    'lt nil',
    '{{lt .Missing 1}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <lt .Missing 1>: error calling lt: invalid type for comparison',
    },
  ],
  [
    'lt mixed',
    '{{lt 1 "a"}}',
    null,
    {
      error:
        'template: t:1:2: executing "t" at <lt 1 "a">: error calling lt: incompatible types for comparison: int and string',
    },
  ],
  // Function signatures.
  ['untyped const to float64 param', '{{half 3}}', null, '1.5'],
  [
    'int value to float64 param',
    '{{half .I}}',
    tVal,
    {
      error:
        'template: t:1:7: executing "t" at <.I>: wrong type for value; expected float64; got int',
    },
  ],
  [
    'float literal to int param',
    '{{add 1 2.5}}',
    null,
    { error: 'template: t:1:8: executing "t" at <2.5>: expected integer; found 2.5' },
  ],
  [
    'float value to int param',
    '{{add 1 .F}}',
    tVal,
    {
      error:
        'template: t:1:8: executing "t" at <.F>: wrong type for value; expected int; got float64',
    },
  ],
  [
    'missing value to string param',
    '{{oneArg .Missing}}',
    tVal,
    { error: 'template: t:1:9: executing "t" at <.Missing>: invalid value; expected string' },
  ],
  [
    'nil value to string param',
    '{{oneArg .Empty0}}',
    tVal,
    {
      error:
        'template: t:1:9: executing "t" at <.Empty0>: wrong type for value; expected string; got interface {}',
    },
  ],
  [
    'nil literal to string param',
    '{{oneArg nil}}',
    tVal,
    { error: 'template: t:1:9: executing "t" at <nil>: cannot assign nil to string' },
  ],
  [
    'bug8a',
    '{{3|oneArg}}',
    tVal,
    {
      error:
        'template: t:1:4: executing "t" at <oneArg>: wrong type for value; expected string; got int',
    },
  ],
  [
    'bug8b',
    '{{4|dddArg 3}}',
    tVal,
    {
      error:
        'template: t:1:11: executing "t" at <3>: wrong type for value; expected string; got int',
    },
  ],
  ['bug16g', '{{"aaa" |twoArgs "bbb"}}', tVal, 'twoArgs=bbbaaa'],
  ['bug16i', '{{"aaa"|oneArg}}', tVal, 'oneArg=aaa'],
  [
    'too few args',
    '{{twoArgs "a"}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <twoArgs>: wrong number of args for twoArgs: want 2 got 1',
    },
  ],
  [
    'variadic too few',
    '{{dddArg}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <dddArg>: wrong number of args for dddArg: want at least 1 got 0',
    },
  ],
  ['variadic ok', '{{dddArg 1 "a" "b"}}', tVal, '1 [a b]'],
  [
    'unsigned func gets interface',
    '{{echo 3}} {{echo 1.5}} {{echo nil}}',
    tVal,
    '3 1.5 <no value>',
  ],
  [
    'function throws',
    '{{fail "boom"}}',
    tVal,
    { error: 'template: t:1:2: executing "t" at <fail "boom">: error calling fail: boom' },
  ],
  ['function returning undefined is nil', '{{nothing}}', tVal, '<no value>'],
  [
    'bug7a non-function args',
    '{{3 2}}',
    tVal,
    { error: 'template: t:1:2: executing "t" at <3>: can\'t give argument to non-function 3' },
  ],
  [
    'bug7b',
    '{{$x := 1}}{{$x 2}}',
    tVal,
    { error: 'template: t:1:13: executing "t" at <$x>: can\'t give argument to non-function $x' },
  ],
  [
    'bug7c',
    '{{$x := 1}}{{3 | $x}}',
    tVal,
    { error: 'template: t:1:17: executing "t" at <$x>: can\'t give argument to non-function $x' },
  ],
  [
    'bug14a',
    '{{(nil).True}}',
    tVal,
    { error: 'template: t:1:3: executing "t" at <nil>: nil is not a command' },
  ],
  [
    'bug14b',
    '{{$x := nil}}{{$x.anything}}',
    tVal,
    { error: 'template: t:1:8: executing "t" at <nil>: nil is not a command' },
  ],
  [
    'bug14c',
    '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}',
    tVal,
    {
      error:
        'template: t:1:38: executing "t" at <$x.anything>: can\'t evaluate field anything in type float64',
    },
  ],
  ['call', '{{call .BinaryFunc `1` `2`}}', withFuncs, '[1=2]'],
  ['call variadic', '{{call .VariadicFunc `he` `llo`}}', withFuncs, '<he+llo>'],
  [
    'call too few',
    '{{call .BinaryFunc `1`}}',
    withFuncs,
    {
      error:
        'template: t:1:2: executing "t" at <call .BinaryFunc `1`>: error calling call: wrong number of args for .BinaryFunc: got 1 want 2',
    },
  ],
  [
    'call bad arg',
    '{{call .BinaryFunc 1 `2`}}',
    withFuncs,
    {
      error:
        'template: t:1:2: executing "t" at <call .BinaryFunc 1 `2`>: error calling call: arg 0: value has type int; should be string',
    },
  ],
  [
    'call nil',
    '{{call nil}}',
    tVal,
    { error: 'template: t:1:2: executing "t" at <call nil>: error calling call: call of nil' },
  ],
  [
    'call non-function',
    '{{call .X}}',
    tVal,
    {
      error:
        'template: t:1:2: executing "t" at <call .X>: error calling call: non-function .X of type string',
    },
  ],
  [
    'print a function',
    '{{.BinaryFunc}}',
    withFuncs,
    {
      error:
        'template: t:1:2: executing "t" at <{{.BinaryFunc}}>: can\'t print {{.BinaryFunc}} of type func(...interface {}) interface {}',
    },
  ],
  // Field errors.
  [
    'field of string',
    '{{.X.Y}}',
    tVal,
    {
      error:
        'template: t:1:4: executing "t" at <.X.Y>: can\'t evaluate field Y in type interface {}',
    },
  ],
  [
    'field of concrete string',
    '{{with .X}}{{.Y}}{{end}}',
    tVal,
    { error: 'template: t:1:13: executing "t" at <.Y>: can\'t evaluate field Y in type string' },
  ],
  [
    'field of nil',
    '{{.Empty0.Y}}',
    tVal,
    {
      error: 'template: t:1:9: executing "t" at <.Empty0.Y>: nil pointer evaluating interface {}.Y',
    },
  ],
  [
    'field with args',
    '{{.U.V 1}}',
    tVal,
    { error: 'template: t:1:4: executing "t" at <.U.V>: V is not a method but has arguments' },
  ],
  [
    'field in text on line 2',
    'line1\n  {{.X.Y}}',
    tVal,
    {
      error:
        'template: t:2:6: executing "t" at <.X.Y>: can\'t evaluate field Y in type interface {}',
    },
  ],
  // define / template / block.
  ['define and template', '{{define "x"}}[{{.}}]{{end}}{{template "x" .I}}', tVal, '[17]'],
  ['template with no data', '{{define "x"}}[{{.}}]{{end}}{{template "x"}}', tVal, '[<no value>]'],
  [
    'template does not see vars',
    '{{define "x"}}{{$}}{{end}}{{$v := 1}}{{template "x" "d"}}',
    tVal,
    'd',
  ],
  ['block', '{{block "b" .X}}<{{.}}>{{end}}', tVal, '<x>'],
  [
    'block and define of one name',
    '{{block "b" .X}}<{{.}}>{{end}}{{define "b"}}({{.}}){{end}}',
    tVal,
    { error: 'template: t:1: template: multiple definition of template "b"' },
  ],
  [
    'template undefined',
    '{{template "nope"}}',
    tVal,
    {
      error:
        'template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined',
    },
  ],
  [
    'error inside template names it',
    '{{define "in"}}{{.a.b}}{{end}}{{template "in" .}}',
    { a: 'x' },
    {
      error:
        'template: t:1:19: executing "in" at <.a.b>: can\'t evaluate field b in type interface {}',
    },
  ],
  [
    'recursion limit',
    '{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}',
    tVal,
    {
      error:
        'template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (1000)',
    },
  ],
  // Argo CD usage.
  ['argo label', '{{ .metadata.labels.env }}', { metadata: { labels: { env: 'prod' } } }, 'prod'],
  [
    'argo index label',
    '{{ index .metadata.labels "kubernetes.io/hostname" }}',
    { metadata: { labels: { 'kubernetes.io/hostname': 'node-1' } } },
    'node-1',
  ],
  [
    'argo eq cluster',
    '{{ if eq .cluster "prod" }}p{{ else }}np{{ end }}',
    { cluster: 'prod' },
    'p',
  ],
  [
    'argo range values',
    '{{ range $k, $v := .values }}{{ $k }}={{ $v }},{{ end }}',
    { values: { b: '2', a: '1' } },
    'a=1,b=2,',
  ],
  ['argo printf', '{{ printf "%s-%d" .name 3 }}', { name: 'guestbook' }, 'guestbook-3'],
  ['argo float', '{{ .n }}', { n: 1000000 }, '1e+06'],
  [
    'argo nested path',
    '{{ .path.basename }}-{{ .path.segments }}',
    { path: { basename: 'app', segments: ['apps', 'app'] } },
    'app-[apps app]',
  ],
  [
    'argo yaml-ish output',
    'name: {{ .name }}\n{{- if .ns }}\nnamespace: {{ .ns }}\n{{- end }}',
    { name: 'a', ns: 'b' },
    'name: a\nnamespace: b',
  ],
];

describe('Go text/template execution', () => {
  it.each(rows)('%s', (...row) => check(row));
});

describe('missingkey option', () => {
  const data = { a: { b: 1n }, n: null };
  it.each<[GoTemplateOptions['missingKey'], string, string | { error: string }]>([
    ['default', '{{.x}}', '<no value>'],
    ['invalid', '{{.x}}', '<no value>'],
    ['zero', '{{.x}}', '<no value>'],
    [
      'error',
      '{{.x}}',
      { error: 'template: t:1:2: executing "t" at <.x>: map has no entry for key "x"' },
    ],
    [
      'error',
      '{{.a.c}}',
      { error: 'template: t:1:4: executing "t" at <.a.c>: map has no entry for key "c"' },
    ],
    ['error', '{{.a.b}}', '1'],
    ['error', '{{.n}}', '<no value>'],
    ['default', '{{.x.y}}', '<no value>'],
    [
      'zero',
      '{{.x.y}}',
      { error: 'template: t:1:4: executing "t" at <.x.y>: nil pointer evaluating interface {}.y' },
    ],
    [
      'error',
      '{{$v := .missing}}',
      { error: 'template: t:1:8: executing "t" at <.missing>: map has no entry for key "missing"' },
    ],
    ['error', '{{index . "x"}}', '<no value>'],
  ])('missingkey=%s %s', (missingKey, template, want) => {
    check(['', template, data, want], { missingKey });
  });
  it('missingkey=error on nil data', () => {
    check(
      [
        '',
        '{{.x}}',
        null,
        { error: 'template: t:1:2: executing "t" at <.x>: nil data; no entry for key "x"' },
      ],
      {
        missingKey: 'error',
      },
    );
  });
});

describe('compiled templates', () => {
  it('are reusable across executions with different data', () => {
    const t = compileGoTemplate('{{.a}}-{{range .l}}{{.}}{{end}}', {});
    expect(t.execute({ a: 'x', l: [1n] })).toBe('x-1');
    expect(t.execute({ a: 'y', l: [] })).toBe('y-');
  });
  it('default name is empty, as in Argo CD', () => {
    expect(() => compileGoTemplate('{{.a.b}}', { missingKey: 'error' }).execute({})).toThrow(
      // Go's chain position is that of the second field token.
      'template: :1:4: executing "" at <.a.b>: map has no entry for key "a"',
    );
  });
  it('executeTemplate runs a defined template', () => {
    const t = compileGoTemplate('{{define "x"}}X{{.}}{{end}}', { name: 't' });
    expect(t.executeTemplate('x', 1n)).toBe('X1');
    expect(() => t.executeTemplate('y', 1n)).toThrow(
      'template: no template "y" associated with template "t"',
    );
  });
  it('does not see Object.prototype members as map keys', () => {
    const t = compileGoTemplate('{{.toString}}|{{.constructor}}|{{.__proto__}}', {});
    expect(t.execute({})).toBe('<no value>|<no value>|<no value>');
    expect(t.execute(JSON.parse('{"__proto__": "p", "toString": "s"}') as GoValue)).toBe(
      's|<no value>|p',
    );
  });
  it('user functions shadow builtins', () => {
    expect(run('{{len "abc"}}', null, { funcs: { len: () => 'mine' } })).toBe('mine');
  });
  it('a function named break turns the keyword into a call', () => {
    expect(run('{{range .}}{{break}}{{end}}', [1n], { funcs: { break: () => 'b' } })).toBe('b');
  });
  it('keeps the thrown function error as the cause', () => {
    const cause = new Error('inner');
    try {
      run('{{boom}}', null, {
        funcs: {
          boom: () => {
            throw cause;
          },
        },
      });
      throw new Error('no error');
    } catch (e) {
      expect((e as Error).cause).toBe(cause);
    }
  });
});

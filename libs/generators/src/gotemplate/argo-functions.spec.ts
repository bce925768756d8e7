import { argoFunctions } from './argo-functions';
import { sprigFunctions } from './sprig/index';
import type { GoValue } from './values';

const table = argoFunctions();
const call = (name: string, ...args: GoValue[]): GoValue => {
  const fn = table[name];
  if (!fn) throw new Error(`function ${name} not defined`);
  return fn(...args);
};

describe('normalize (SanitizeName)', () => {
  it.each<[string, string]>([
    // applicationset/utils utils_test.go TestSanitizeName
    ['Hello World', 'hello-world'],
    ['-trim-dashes-', 'trim-dashes'],
    ['.trim.dots.', 'trim.dots'],
    ['under_score', 'under-score'],
    ['a+b=c', 'a-b-c'],
    ['UPPER.lower', 'upper.lower'],
    ['--..--', ''],
    ['ünïcode', 'n-code'],
    ['emoji😀x', 'emoji-x'],
    ['a'.repeat(300), 'a'.repeat(253)],
    ['b'.repeat(252) + '-c', 'b'.repeat(252)],
  ])('normalize %p', (input, expected) => {
    expect(call('normalize', input)).toBe(expected);
  });
});

describe('slugify (SlugifyName over gosimple/slug)', () => {
  it.each<[GoValue[], string]>([
    [['Hello World'], 'hello-world'],
    [['feature/JIRA-123_add.stuff'], 'feature-jira-123-add-stuff'],
    [['a..b--c'], 'a-b-c'],
    [[23n, 'feature/a-very-long-branch-name-here'], 'feature-a-very-long'],
    [[10n, 'abcdefghijklmnopq'], 'abcdefghij'],
    [[50n, false, 'x'.repeat(60)], 'x'.repeat(50)],
    [[10n, false, 'abc-def-ghij-kl'], 'abc-def-gh'],
    [[10n, true, 'abc-def-ghij-kl'], 'abc-def'],
    [[10n, false, 'abc-def-g.'], 'abc-def-g'],
    [['x'.repeat(60)], 'x'.repeat(50)],
    [[''], ''],
    [[], ''],
  ])('slugify %j', (args, expected) => {
    expect(call('slugify', ...args)).toBe(expected);
  });

  it('panics like Go on wrongly typed arguments', () => {
    expect(() => call('slugify', '10', 'name')).toThrow(
      'interface conversion: interface {} is string, not int',
    );
    expect(() => call('slugify', 10n, 'yes', 'name')).toThrow(
      'interface conversion: interface {} is string, not bool',
    );
    expect(() => call('slugify', 1n)).toThrow(
      'interface conversion: interface {} is int, not string',
    );
    expect(() => call('slugify', -1n, false, 'x')).toThrow(
      'runtime error: slice bounds out of range [:-1]',
    );
    // gosimple/slug cuts to MaxLength before cleaning when smart truncation is off, so 0 gives "".
    expect(call('slugify', 0n, false, 'abc')).toBe('');
  });
});

describe('toYaml (sigs.k8s.io/yaml)', () => {
  it.each<[GoValue, string]>([
    [{ b: 1n, a: 'x' }, 'a: x\nb: 1'],
    [{ a10: 1n, a2: 2n, B: 3n, _z: 4n }, '_z: 4\nB: 3\na2: 2\na10: 1'],
    [{ list: ['a', 'b'], map: { k: 'v' } }, 'list:\n- a\n- b\nmap:\n  k: v'],
    [[{ name: 'a', ports: [80n, 443n] }, 'x'], '- name: a\n  ports:\n  - 80\n  - 443\n- x'],
    [[['a', 'b'], []], '- - a\n  - b\n- []'],
    [{ empty: {}, none: [], nil: null }, 'empty: {}\nnil: null\nnone: []'],
    [{}, '{}'],
    [[], '[]'],
    ['hello', 'hello'],
    [null, 'null'],
    [
      { t: 'true', n: '123', f: '1.5', e: '', s: 'null', y: 'yes', o: 'on', h: '0x1F', tilde: '~' },
      'e: ""\nf: "1.5"\nh: "0x1F"\n"n": "123"\no: "on"\ns: "null"\nt: "true"\ntilde: "~"\n"y": "yes"',
    ],
    [
      { a: 'foo: bar', b: '- item', c: '#comment', d: 'a #b', e: ' lead', f: 'trail ', g: '*star' },
      "a: 'foo: bar'\nb: '- item'\nc: '#comment'\nd: 'a #b'\ne: ' lead'\nf: 'trail '\ng: '*star'",
    ],
    [{ q: "it's" }, "q: it's"],
    [{ q: "'quoted'" }, "q: '''quoted'''"],
    [{ tab: 'a\tb' }, 'tab: "a\\tb"'],
    [{ ml: 'line1\nline2' }, 'ml: |-\n  line1\n  line2'],
    [{ ml: 'line1\nline2\n' }, 'ml: |\n  line1\n  line2'],
    [{ ml: 'x\n\n' }, 'ml: |+\n  x\n'],
    [{ ml: ' lead\nx' }, 'ml: |2-\n   lead\n  x'],
    [{ ml: 'trailing \nx' }, 'ml: "trailing \\nx"'],
    [
      { i: 3n, f: 1.5, g: 3, big: 1234567.5, small: 0.00001, huge: 1e21 },
      'big: 1.2345675e+06\nf: 1.5\ng: 3\nhuge: 1e+21\ni: 3\nsmall: 1e-05',
    ],
    [{ b: true, c: false }, 'b: true\nc: false'],
    [{ 'key with: colon': 1n, '': 2n }, '"": 2\n\'key with: colon\': 1'],
    [{ url: 'https://example.com/path?x=1' }, 'url: https://example.com/path?x=1'],
    [{ m: [{ a: { b: 'c' } }] }, 'm:\n- a:\n    b: c'],
    // go-yaml v2 reads y/n as booleans, so such keys are quoted.
    [{ n: 1n }, '"n": 1'],
  ])('toYaml %j', (v, expected) => {
    expect(call('toYaml', v)).toBe(expected);
  });

  it('folds long plain scalars at column 80 like go-yaml v2', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const out = call('toYaml', { description: words }) as string;
    const lines = out.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]?.startsWith('description: word0 word1')).toBe(true);
    expect(lines[1]?.startsWith('  ')).toBe(true);
    expect(lines.map((l) => l.trim()).join(' ')).toBe(`description: ${words}`);
    const firstLineWords = (lines[0] as string).split(' ');
    // The break comes at the first space once the line has passed column 80.
    expect((lines[0] as string).length).toBeGreaterThan(80);
    expect(firstLineWords.slice(0, -1).join(' ').length).toBeLessThanOrEqual(80);
  });

  it('fails like encoding/json on unsupported values', () => {
    expect(() => call('toYaml', { x: NaN })).toThrow('json: unsupported value: NaN');
  });
});

describe('fromYaml and fromYamlArray', () => {
  it.each<[string, GoValue]>([
    ['a: 1\nb: [x, y]\nc: {d: true}', { a: 1, b: ['x', true], c: { d: true } }],
    ['a: yes\nb: off\nc: ~\nd: "yes"', { a: true, b: false, c: null, d: 'yes' }],
    ['a: 0x1F\nb: 1.5e3\nc: 010', { a: 31, b: 1500, c: 8 }],
    ['1: one\ntrue: t', { 1: 'one', true: 't' }],
    ['base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2', { base: { x: 1 }, derived: { x: 1, true: 2 } }],
    ['{"json": ["works"]}', { json: ['works'] }],
    ['', {}],
    ['a: 1\n---\nb: 2', { a: 1 }],
  ])('fromYaml %p', (text, expected) => {
    expect(call('fromYaml', text)).toEqual(expected);
  });

  it.each<[string, GoValue]>([
    ['- a\n- 1\n- {b: c}', ['a', 1, { b: 'c' }]],
    ['[1, 2]', [1, 2]],
    ['', []],
  ])('fromYamlArray %p', (text, expected) => {
    expect(call('fromYamlArray', text)).toEqual(expected);
  });

  it('reports type mismatches and syntax errors', () => {
    expect(() => call('fromYaml', '- a')).toThrow(
      'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
    expect(() => call('fromYaml', 'just a string')).toThrow(
      'cannot unmarshal string into Go value of type map[string]interface {}',
    );
    expect(() => call('fromYamlArray', 'a: b')).toThrow(
      'cannot unmarshal object into Go value of type []interface {}',
    );
    expect(() => call('fromYaml', 'a: [1, 2')).toThrow('error converting YAML to JSON: yaml: ');
  });

  it('round-trips through toYaml', () => {
    const v = { apps: [{ name: 'x', replicas: 3 }], labels: { env: 'prod' } };
    expect(call('fromYaml', call('toYaml', v) as string)).toEqual(v);
  });
});

describe("Argo CD's own template tests (utils_test.go TestRenderTemplateParamsGoTemplate)", () => {
  it('toYaml of nested params', () => {
    const yaml = call('toYaml', { foo: { bar: { bool: true, number: 2, str: 'Hello world' } } });
    expect(yaml).toBe('foo:\n  bar:\n    bool: true\n    number: 2\n    str: Hello world');
  });

  it('fromYaml and fromYamlArray of valid and non-compliant YAML', () => {
    expect((call('fromYaml', 'hello: world') as Record<string, GoValue>)['hello']).toBe('world');
    expect(call('fromYamlArray', '- hello world\n- bonjour tout le monde')).toEqual([
      'hello world',
      'bonjour tout le monde',
    ]);
    expect(() => call('fromYaml', 'non\n compliant\n yaml')).toThrow(
      'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type map[string]interface {}',
    );
    expect(() => call('fromYamlArray', 'non\n compliant\n yaml')).toThrow(
      'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type []interface {}',
    );
  });
});

describe('the function table Argo CD exposes', () => {
  it('has Argo CD additions and Sprig, but not env, expandenv or getHostByName', () => {
    const all = { ...sprigFunctions(), ...argoFunctions() };
    for (const name of ['env', 'expandenv', 'getHostByName']) expect(all[name]).toBeUndefined();
    for (const name of [
      'normalize',
      'slugify',
      'toYaml',
      'fromYaml',
      'fromYamlArray',
      'default',
      'semverCompare',
      'sha512sum',
    ]) {
      expect(typeof all[name]).toBe('function');
    }
  });
});

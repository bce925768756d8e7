import type { GoValue } from '../values';
import { decodeJson, formatJsonFloat } from './json';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('sprig defaults', () => {
  it.each<[GoValue[], GoValue]>([
    // defaults_test.go
    [['foo', 'bar'], 'bar'],
    [['foo', ''], 'foo'],
    [['foo'], 'foo'],
    [['foo', null], 'foo'],
    [['foo', undefined], 'foo'],
    [[1n, 0n], 1n],
    [[1n, 0], 1n],
    [[true, false], true],
    [['x', []], 'x'],
    [['x', {}], 'x'],
    [['x', [null]], [null]],
    [['x', { a: 1n }], { a: 1n }],
    [['x', 0.5], 0.5],
  ])('default %j', (args, expected) => {
    expect(call('default', ...args)).toEqual(expected);
  });

  it.each<[GoValue, boolean]>([
    [null, true],
    [undefined, true],
    ['', true],
    ['x', false],
    [0n, true],
    [1n, false],
    [0, true],
    [0.1, false],
    [false, true],
    [true, false],
    [[], true],
    [[1n], false],
    [{}, true],
    [{ a: null }, false],
  ])('empty %p', (v, expected) => {
    expect(call('empty', v)).toBe(expected);
  });

  it.each<[string, GoValue[], GoValue]>([
    ['coalesce', [null, '', 'a', 'b'], 'a'],
    ['coalesce', [null, '', 0n], null],
    ['coalesce', [], null],
    ['all', [1n, 'a', true], true],
    ['all', [1n, '', true], false],
    ['all', [], true],
    ['any', [0n, '', 'x'], true],
    ['any', [0n, '', null], false],
    ['any', [], false],
    ['ternary', ['foo', 'bar', true], 'foo'],
    ['ternary', ['foo', 'bar', false], 'bar'],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });
});

describe('sprig JSON (encoding/json)', () => {
  it.each<[string, GoValue, string]>([
    ['toJson', { foo: 'bar', a: [1n, 2.5, null, true] }, '{"a":[1,2.5,null,true],"foo":"bar"}'],
    ['toJson', '<b>&', '"\\u003cb\\u003e\\u0026"'],
    ['toRawJson', '<b>&', '"<b>&"'],
    ['toRawJson', { Foo: 'x&y' }, '{"Foo":"x&y"}'],
    ['toJson', 1e21, '1e+21'],
    ['toJson', 1e-7, '1e-7'],
    ['toJson', 1000000, '1000000'],
    ['toJson', 0.000001, '0.000001'],
    ['toJson', 'line\nbreak\t\u0001\u2028', '"line\\nbreak\\t\\u0001\\u2028"'],
    ['toJson', null, 'null'],
    ['toJson', [], '[]'],
    ['toJson', {}, '{}'],
    [
      'toPrettyJson',
      { b: 1n, a: { c: [1n] } },
      '{\n  "a": {\n    "c": [\n      1\n    ]\n  },\n  "b": 1\n}',
    ],
    ['toPrettyJson', { a: [] }, '{\n  "a": []\n}'],
    ['mustToJson', { z: 'y' }, '{"z":"y"}'],
    ['mustToPrettyJson', [1n], '[\n  1\n]'],
    ['mustToRawJson', '&', '"&"'],
  ])('%s %j', (name, v, expected) => {
    expect(call(name, v)).toBe(expected);
  });

  it('toJson swallows errors; mustToJson reports them', () => {
    expect(call('toJson', NaN)).toBe('');
    expect(() => call('mustToJson', NaN)).toThrow('json: unsupported value: NaN');
    expect(() => call('mustToJson', { f: () => null })).toThrow('json: unsupported type');
  });

  it.each<[string, GoValue]>([
    ['{"foo": 55}', { foo: 55 }],
    ['[1, "a", true, null, {"b": 2.5}]', [1, 'a', true, null, { b: 2.5 }]],
    ['"x\\u0041\\n"', 'xA\n'],
    ['  3e2 ', 300],
    ['{"a":1,"a":2}', { a: 2 }],
  ])('fromJson %s', (text, expected) => {
    expect(call('fromJson', text)).toEqual(expected);
    expect(call('mustFromJson', text)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['', 'unexpected end of JSON input'],
    ['{"a":', 'unexpected end of JSON input'],
    ['xyz', "invalid character 'x' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['tru', 'unexpected end of JSON input'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['1 2', "invalid character '2' after top-level value"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['-x', "invalid character 'x' in numeric literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
  ])('mustFromJson %p fails with Go text', (text, message) => {
    expect(() => call('mustFromJson', text)).toThrow(message);
    expect(call('fromJson', text)).toBeNull();
  });

  it('formats floats like encoding/json', () => {
    expect(formatJsonFloat(1.5)).toBe('1.5');
    expect(formatJsonFloat(-0)).toBe('-0');
    expect(formatJsonFloat(123456789012345680000)).toBe('123456789012345680000');
    expect(decodeJson('-0.5e1')).toBe(-5);
  });
});

describe('sprig reflection and deepCopy', () => {
  it.each<[string, GoValue[], GoValue]>([
    ['typeOf', ['a'], 'string'],
    ['typeOf', [1n], 'int'],
    ['typeOf', [1.5], 'float64'],
    ['typeOf', [[1n]], '[]interface {}'],
    ['typeOf', [{}], 'map[string]interface {}'],
    ['typeOf', [null], '<nil>'],
    ['typeIs', ['string', 'a'], true],
    ['typeIs', ['int', 'a'], false],
    ['typeIsLike', ['string', 'a'], true],
    ['kindOf', ['a'], 'string'],
    ['kindOf', [1n], 'int'],
    ['kindOf', [true], 'bool'],
    ['kindOf', [[]], 'slice'],
    ['kindOf', [{}], 'map'],
    ['kindOf', [null], 'invalid'],
    ['kindIs', ['map', {}], true],
    ['kindIs', ['slice', 'x'], false],
    ['deepEqual', [{ a: [1n, 'b'] }, { a: [1n, 'b'] }], true],
    ['deepEqual', [1n, 1], false],
    ['deepEqual', [[1n], [1n, 2n]], false],
    ['deepEqual', [null, undefined], true],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it('deepCopy copies nested maps and lists', () => {
    const src = { a: { b: [1n, { c: 'd' }] } };
    const copy = call('deepCopy', src) as { a: { b: GoValue[] } };
    expect(copy).toEqual(src);
    expect(copy.a).not.toBe(src.a);
    expect(copy.a.b).not.toBe(src.a.b);
    expect(call('mustDeepCopy', 'x')).toBe('x');
  });
});

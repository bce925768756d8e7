import type { GoValue } from '../values';
import { parseGoFloat, parseGoInt, toFloat64, toInt64 } from './cast';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('cast conversions (spf13/cast v1.7)', () => {
  it.each<[GoValue, bigint]>([
    [1n, 1n],
    [1.9, 1n],
    [-1.9, -1n],
    [true, 1n],
    [false, 0n],
    ['42', 42n],
    ['12.000', 12n],
    ['12.5', 0n],
    ['0x10', 16n],
    ['010', 8n],
    ['0b101', 5n],
    ['1_000', 0n],
    ['abc', 0n],
    [null, 0n],
    [['1'], 0n],
    [{}, 0n],
  ])('toInt64(%p) = %p', (v, expected) => {
    expect(toInt64(v)).toBe(expected);
  });

  it.each<[GoValue, number]>([
    [1n, 1],
    [2.5, 2.5],
    ['3.25', 3.25],
    ['1e3', 1000],
    ['inf', Infinity],
    ['x', 0],
    [true, 1],
    [null, 0],
  ])('toFloat64(%p) = %p', (v, expected) => {
    expect(toFloat64(v)).toBe(expected);
  });

  it('parses Go integer and float syntax', () => {
    expect(parseGoInt('-0x_1F')).toBe(-31n);
    expect(parseGoInt('9223372036854775808')).toBeUndefined();
    expect(parseGoInt('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(parseGoFloat('0x1p-2')).toBe(0.25);
    expect(parseGoFloat('1.5.2')).toBeUndefined();
  });
});

describe('sprig integer math', () => {
  it.each<[string, GoValue[], GoValue]>([
    // numeric_test.go and functions_test.go
    ['add1', [1n], 2n],
    ['add1', ['1'], 2n],
    ['add', [1n, 2n, 3n], 6n],
    ['add', [], 0n],
    ['add', [1.5, 2n], 3n],
    ['add', ['1', 2n], 3n],
    ['sub', [3n, 1n], 2n],
    ['sub', [1n, 3n], -2n],
    ['mul', [1n, 2n, 3n], 6n],
    ['mul', [4n], 4n],
    ['div', [10n, 3n], 3n],
    ['div', [-7n, 2n], -3n],
    ['mod', [10n, 3n], 1n],
    ['mod', [-7n, 2n], -1n],
    ['max', [1n, 2n, 3n], 3n],
    ['max', [3n], 3n],
    ['biggest', [1n, 7n, 3n], 7n],
    ['min', [1n, 2n, 3n], 1n],
    ['min', ['-5', 2n], -5n],
    ['add', [9223372036854775807n, 1n], -9223372036854775808n],
    ['int', ['33'], 33n],
    ['int64', [33.9], 33n],
    ['float64', ['3.5'], 3.5],
    ['float64', [2n], 2],
    ['atoi', ['42'], 42n],
    ['atoi', ['4x'], 0n],
    ['atoi', ['+7'], 7n],
    ['atoi', ['99999999999999999999'], 9223372036854775807n],
    ['toDecimal', ['0777'], 511n],
    ['toDecimal', [777n], 511n],
    ['toDecimal', ['8'], 0n],
    ['seq', [3n], '1 2 3'],
    ['seq', [-3n], '1 0 -1 -2 -3'],
    ['seq', [0n], '1 0'],
    ['seq', [2n, 5n], '2 3 4 5'],
    ['seq', [5n, 2n], '5 4 3 2'],
    ['seq', [0n, 2n, 10n], '0 2 4 6 8 10'],
    ['seq', [10n, -2n, 0n], '10 8 6 4 2 0'],
    ['seq', [10n, 2n, 0n], ''],
    ['seq', [], ''],
    ['seq', [1n, 2n, 3n, 4n], ''],
    ['until', [5n], [0n, 1n, 2n, 3n, 4n]],
    ['until', [-3n], [0n, -1n, -2n]],
    ['until', [0n], []],
    ['untilStep', [0n, 5n, 2n], [0n, 2n, 4n]],
    ['untilStep', [3n, 0n, -1n], [3n, 2n, 1n]],
    ['untilStep', [0n, 5n, 0n], []],
    ['untilStep', [5n, 0n, 1n], []],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it.each<[string, GoValue[], string]>([
    ['div', [1n, 0n], 'runtime error: integer divide by zero'],
    ['mod', [1n, '0'], 'runtime error: integer divide by zero'],
    ['randInt', [5n, 5n], 'invalid argument to Intn'],
  ])('%s %j fails like Go', (name, args, message) => {
    expect(() => call(name, ...args)).toThrow(message);
  });

  it('randInt stays within [min, max)', () => {
    for (let i = 0; i < 50; i++) {
      const n = call('randInt', 3n, 6n) as bigint;
      expect(n >= 3n && n < 6n).toBe(true);
    }
  });
});

describe('sprig float math', () => {
  it.each<[string, GoValue[], GoValue]>([
    ['addf', [1.1, 2.2], 3.3],
    ['addf', [1n, 2n, 3n], 6],
    ['addf', [], 0],
    ['add1f', [1.1], 2.1],
    ['subf', [3.3, 1.1], 2.2],
    ['subf', [10n, 1n, 2n], 7],
    ['mulf', [1.1, 3n], 3.3],
    ['mulf', [0.1, 0.2], 0.02],
    ['divf', [1n, 3n], 0.3333333333333333],
    ['divf', [10n, 4n], 2.5],
    ['divf', [2n, 3n], 0.6666666666666667],
    ['maxf', [1.5, 2.5, -1n], 2.5],
    ['minf', [1.5, 2.5, -1n], -1],
    ['maxf', [1n], 1],
    ['ceil', [1.2], 2],
    ['ceil', ['-1.5'], -1],
    ['floor', [1.8], 1],
    ['floor', [-1.2], -2],
    ['round', [3.1415, 2n], 3.14],
    ['round', [3.1465, 2n], 3.15],
    ['round', [2.5, 0n], 3],
    ['round', [-2.5, 0n], -3],
    ['round', [3.1415, 2n, 0.3], 3.14],
    ['round', [3.1475, 2n, 0.8], 3.14],
    ['round', [3.1475, 2n, 0.7], 3.15],
    ['round', ['1.2345', 3n], 1.235],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toBe(expected);
  });

  it('divf by zero fails like shopspring/decimal', () => {
    expect(() => call('divf', 1n, 0n)).toThrow('decimal division by 0');
  });
});

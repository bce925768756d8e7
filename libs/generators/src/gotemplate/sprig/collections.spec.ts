import type { GoMap, GoValue } from '../values';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('sprig lists', () => {
  it.each<[string, GoValue[], GoValue]>([
    // list_test.go
    ['list', ['a', 1n], ['a', 1n]],
    ['tuple', [], []],
    ['append', [[1n, 2n], 3n], [1n, 2n, 3n]],
    ['push', [[], 'x'], ['x']],
    ['mustAppend', [['a'], 'b'], ['a', 'b']],
    ['prepend', [[1n, 2n], 0n], [0n, 1n, 2n]],
    ['mustPrepend', [[], 'x'], ['x']],
    ['first', [[1n, 2n]], 1n],
    ['first', [[]], null],
    ['mustFirst', [['z']], 'z'],
    ['last', [[1n, 2n]], 2n],
    ['last', [[]], null],
    ['rest', [[1n, 2n, 3n]], [2n, 3n]],
    ['rest', [[]], null],
    ['initial', [[1n, 2n, 3n]], [1n, 2n]],
    ['initial', [[]], null],
    ['reverse', [[1n, 2n, 3n]], [3n, 2n, 1n]],
    ['reverse', [[]], []],
    ['uniq', [[1n, 2n, 1n, 'a', 'a', [1n], [1n]]], [1n, 2n, 'a', [1n]]],
    ['uniq', [[1n, 1]], [1n, 1]],
    ['without', [[1n, 2n, 3n, 2n], 2n], [1n, 3n]],
    ['without', [['a', 'b', 'c'], 'a', 'c'], ['b']],
    ['has', ['a', ['a', 'b']], true],
    ['has', ['c', ['a', 'b']], false],
    ['has', [1n, null], false],
    ['mustHas', [1n, [1.0]], false],
    ['compact', [[0n, '', 'a', null, false, 'b', [], {}]], ['a', 'b']],
    ['mustCompact', [[1n]], [1n]],
    ['slice', [[1n, 2n, 3n, 4n, 5n]], [1n, 2n, 3n, 4n, 5n]],
    ['slice', [[1n, 2n, 3n, 4n, 5n], 1n], [2n, 3n, 4n, 5n]],
    ['slice', [[1n, 2n, 3n, 4n, 5n], 1n, 3n], [2n, 3n]],
    ['slice', [[1n, 2n, 3n], '0', '1'], [1n]],
    ['slice', [[]], null],
    ['concat', [[1n, 2n], [3n], []], [1n, 2n, 3n]],
    ['concat', [], []],
    ['chunk', [2n, [1n, 2n, 3n, 4n, 5n]], [[1n, 2n], [3n, 4n], [5n]]],
    [
      'chunk',
      [2n, [1n, 2n, 3n, 4n]],
      [
        [1n, 2n],
        [3n, 4n],
      ],
    ],
    ['chunk', [5n, [1n]], [[1n]]],
    ['chunk', [2n, []], []],
    ['mustChunk', [1n, ['a', 'b']], [['a'], ['b']]],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it.each<[string, GoValue[], string]>([
    ['first', ['abc'], 'Cannot find first on type string'],
    ['mustFirst', [{}], 'Cannot find first on type map'],
    ['last', [1n], 'Cannot find last on type int'],
    ['rest', [1.5], 'Cannot find rest on type float64'],
    ['initial', [true], 'Cannot find initial on type bool'],
    ['append', ['x', 1n], 'Cannot push on type string'],
    ['prepend', ['x', 1n], 'Cannot prepend on type string'],
    ['reverse', ['x'], 'Cannot find reverse on type string'],
    ['uniq', ['x'], 'Cannot find uniq on type string'],
    ['without', ['x', 'y'], 'Cannot find without on type string'],
    ['has', ['a', 'abc'], 'Cannot find has on type string'],
    ['compact', ['x'], 'Cannot compact on type string'],
    ['chunk', [2n, 'x'], 'Cannot chunk type string'],
    ['slice', ['x', 1n], 'list should be type of slice or array but string'],
    ['slice', [[1n, 2n], 1n, 5n], 'reflect.Value.Slice: slice index out of bounds'],
    ['concat', [[1n], 'x'], 'Cannot concat type string as list'],
    ['first', [null], 'invalid memory address or nil pointer dereference'],
  ])('%s %j fails like Go', (name, args, message) => {
    expect(() => call(name, ...args)).toThrow(message);
  });

  it('does not modify its input list', () => {
    const input = [1n, 2n];
    call('append', input, 3n);
    call('reverse', input);
    expect(input).toEqual([1n, 2n]);
  });
});

describe('sprig dicts', () => {
  it.each<[string, GoValue[], GoValue]>([
    // dict_test.go
    ['dict', ['a', 1n, 'b', 'x'], { a: 1n, b: 'x' }],
    ['dict', ['a'], { a: '' }],
    ['dict', [1n, 2n, true, 'y'], { 1: 2n, true: 'y' }],
    ['dict', [], {}],
    ['get', [{ a: 1n }, 'a'], 1n],
    ['get', [{ a: 1n }, 'b'], ''],
    ['hasKey', [{ a: null }, 'a'], true],
    ['hasKey', [{ a: 1n }, 'b'], false],
    ['pluck', ['a', { a: 1n }, { b: 2n }, { a: 3n }], [1n, 3n]],
    ['pluck', ['a'], []],
    ['keys', [{ a: 1n, b: 2n }], ['a', 'b']],
    ['keys', [{ a: 1n }, { b: 2n }], ['a', 'b']],
    ['keys', [], []],
    ['pick', [{ a: 1n, b: 2n, c: 3n }, 'a', 'c', 'z'], { a: 1n, c: 3n }],
    ['omit', [{ a: 1n, b: 2n, c: 3n }, 'a', 'c'], { b: 2n }],
    ['values', [{ a: 1n, b: 'x' }], [1n, 'x']],
    ['dig', ['a', 'b', 'dflt', { a: { b: 'found' } }], 'found'],
    ['dig', ['a', 'x', 'dflt', { a: { b: 'found' } }], 'dflt'],
    ['dig', ['z', 'dflt', { a: 1n }], 'dflt'],
    ['dig', ['a', 'dflt', { a: { b: 1n } }], { b: 1n }],
  ])('%s %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it('set and unset mutate and return the dict', () => {
    const d: GoMap = { a: 1n };
    expect(call('set', d, 'b', 2n)).toBe(d);
    expect(d).toEqual({ a: 1n, b: 2n });
    expect(call('unset', d, 'a')).toEqual({ b: 2n });
  });

  it('dig fails like Go on non-map steps and short argument lists', () => {
    expect(() => call('dig', 'a', 'b', 'd', { a: 'str' })).toThrow(
      'interface conversion: interface {} is string, not map[string]interface {}',
    );
    expect(() => call('dig', 'a', { a: 1n })).toThrow('dig needs at least three arguments');
  });

  it('merge keeps destination values (mergo.Merge)', () => {
    // dict_test.go TestMerge
    const dst: GoMap = { a: 1n, b: 'one', c: '', d: { e: 'x' }, f: [1n] };
    const src: GoMap = { a: 2n, c: 'filled', d: { e: 'y', g: 'new' }, f: [2n, 3n], h: 'added' };
    const out = call('merge', dst, src);
    expect(out).toBe(dst);
    expect(dst).toEqual({
      a: 1n,
      b: 'one',
      c: 'filled',
      d: { e: 'x', g: 'new' },
      f: [1n],
      h: 'added',
    });
  });

  it('merge folds several sources in order', () => {
    expect(call('mustMerge', {}, { a: 1n }, { a: 2n, b: 3n })).toEqual({ a: 1n, b: 3n });
  });

  it('mergeOverwrite lets sources win, even with empty values (mergo WithOverride)', () => {
    const dst: GoMap = {
      default: 'default',
      overwrite: 'me',
      key: true,
      nested: { x: 1n, y: 2n },
      list: [1n],
    };
    const src: GoMap = {
      overwrite: 'overwritten',
      key: false,
      nested: { y: 3n },
      list: [],
      nil: null,
    };
    expect(call('mergeOverwrite', dst, src)).toEqual({
      default: 'default',
      overwrite: 'overwritten',
      key: false,
      nested: { x: 1n, y: 3n },
      list: [],
      nil: null,
    });
  });

  it('merge skips nil sources values and replaces empty destinations', () => {
    expect(call('merge', { a: null, b: 'x' }, { a: 'set', b: null })).toEqual({ a: 'set', b: 'x' });
    expect(call('mustMergeOverwrite', { a: { b: 1n } }, { a: 'scalar' })).toEqual({ a: 'scalar' });
  });
});

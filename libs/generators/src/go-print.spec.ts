import { formatGoFloat, goSprintV } from './go-print';
import { sanitizeName } from './sanitize-name';

describe('fmt.Sprintf("%v") of decoded JSON', () => {
  test.each<[unknown, string]>([
    [3, '3'],
    [1.5, '1.5'],
    [100000, '100000'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [0, '0'],
    [true, 'true'],
    [null, '<nil>'],
    ['s', 's'],
    [[1, 'a'], '[1 a]'],
    [{ b: 1, a: 'x' }, 'map[a:x b:1]'],
  ])('%p → %s', (value, expected) => {
    expect(goSprintV(value)).toBe(expected);
  });

  test('large integers use an exponent like Go', () => {
    expect(formatGoFloat(123456789)).toBe('1.23456789e+08');
  });
});

describe('SanitizeName (nameNormalized, basenameNormalized)', () => {
  test.each([
    ['in-cluster', 'in-cluster'],
    ['Production_Cluster', 'production-cluster'],
    ['-a.b-', 'a.b'],
    ['my cluster #1', 'my-cluster--1'],
    ['x'.repeat(300), 'x'.repeat(253)],
  ])('%s → %s', (name, expected) => {
    expect(sanitizeName(name)).toBe(expected);
  });
});

import type { GoValue } from '../values';
import { goObjectOf } from './go-object';
import { caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

const method = (v: GoValue, name: string, ...args: GoValue[]): GoValue => {
  const m = goObjectOf(v)?.methods[name];
  if (!m) throw new Error(`no method ${name}`);
  return m(...args);
};

describe('semver', () => {
  it('parses versions like Masterminds/semver NewVersion', () => {
    // semver_test.go
    const v = call('semver', '1.2.3-beta.1+c0ff33');
    expect(method(v, 'Major')).toBe(1n);
    expect(method(v, 'Minor')).toBe(2n);
    expect(method(v, 'Patch')).toBe(3n);
    expect(method(v, 'Prerelease')).toBe('beta.1');
    expect(method(v, 'Metadata')).toBe('c0ff33');
    expect(method(v, 'Original')).toBe('1.2.3-beta.1+c0ff33');
    expect(goObjectOf(v)?.string()).toBe('1.2.3-beta.1+c0ff33');
    expect(goObjectOf(v)?.typeName).toBe('*semver.Version');
    expect(call('kindOf', v)).toBe('ptr');
  });

  it('accepts the loose forms and normalises them', () => {
    expect(goObjectOf(call('semver', 'v1.2'))?.string()).toBe('1.2.0');
    expect(goObjectOf(call('semver', '3'))?.string()).toBe('3.0.0');
    expect(method(call('semver', 'v1.2'), 'Original')).toBe('v1.2');
  });

  it('compares and increments', () => {
    const a = call('semver', '1.2.3');
    const b = call('semver', '1.10.0');
    expect(method(a, 'Compare', b)).toBe(-1n);
    expect(method(b, 'GreaterThan', a)).toBe(true);
    expect(method(a, 'LessThan', b)).toBe(true);
    expect(method(a, 'Equal', call('semver', '1.2.3+meta'))).toBe(true);
    expect(goObjectOf(method(a, 'IncMinor'))?.string()).toBe('1.3.0');
    expect(goObjectOf(method(call('semver', '1.2.3-rc.1'), 'IncPatch'))?.string()).toBe('1.2.3');
  });

  it.each<[string, string]>([
    ['bad', 'Invalid Semantic Version'],
    ['1.2.3-01', 'Invalid Prerelease string'],
    ['1.2.3.4', 'Invalid Semantic Version'],
  ])('semver %p fails', (v, message) => {
    expect(() => call('semver', v)).toThrow(message);
  });

  it.each<[string, string, boolean]>([
    // semver_test.go and Masterminds/semver constraints
    ['1.2.3', '1.2.3', true],
    ['=1.2.3', '1.2.4', false],
    ['^1.2.0', '1.2.3', true],
    ['^1.2.0', '2.2.3', false],
    ['^1.2', '1.9.0', true],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['~1', '1.9.9', true],
    ['~1', '2.0.0', false],
    ['~>1.2', '1.2.5', true],
    ['>1.2.3', '1.2.4', true],
    ['>1.2.3', '1.2.3', false],
    ['>=1.2.3', '1.2.3', true],
    ['=>1.2.3', '1.2.2', false],
    ['<1.2.3', '1.2.2', true],
    ['<=1.2.3', '1.2.3', true],
    ['=<1.2', '1.2.9', true],
    ['!=1.2.3', '1.2.4', true],
    ['!=1.2.3', '1.2.3', false],
    ['1.x', '1.5.0', true],
    ['1.x', '2.0.0', false],
    ['1.2.*', '1.2.7', true],
    ['*', '4.5.6', true],
    ['', '0.0.1', true],
    ['>=1.2, <2', '1.5.0', true],
    ['>=1.2 <2', '2.0.0', false],
    ['<1.0 || >=3.0', '3.1.0', true],
    ['<1.0 || >=3.0', '2.0.0', false],
    ['1.2 - 1.4.5', '1.4.5', true],
    ['1.2 - 1.4.5', '1.4.6', false],
    ['>=1.0.0', '1.2.3-beta', false],
    ['>=1.0.0-0', '1.2.3-beta', true],
    ['^1.2.3-alpha', '1.2.3-beta', true],
    ['<1.2.3-beta', '1.2.3-alpha.10', true],
    ['>1.2.3-alpha.2', '1.2.3-alpha.10', true],
    ['>1.2.3-alpha', '1.2.3-alpha.1', true],
    ['v1.2.3', '1.2.3', true],
  ])('semverCompare %p %p', (constraint, version, expected) => {
    expect(call('semverCompare', constraint, version)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['^1.2.3', 'bad', 'Invalid Semantic Version'],
    ['>>1', '1.2.3', 'improper constraint: >>1'],
    ['foo', 'bad', 'improper constraint: foo'],
  ])('semverCompare %p %p fails', (constraint, version, message) => {
    expect(() => call('semverCompare', constraint, version)).toThrow(message);
  });
});

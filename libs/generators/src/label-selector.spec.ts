import { ManifestError } from './errors';
import { compileLabelSelector, matchesLabels, type LabelSelectorSpec } from './label-selector';

const labels = { env: 'prod', region: 'eu', tier: '' };

describe('label selectors (Kubernetes semantics)', () => {
  test.each<[string, LabelSelectorSpec, boolean]>([
    ['empty selects everything', {}, true],
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, true],
    ['matchLabels different', { matchLabels: { env: 'dev' } }, false],
    ['matchLabels missing key', { matchLabels: { zone: 'a' } }, false],
    ['matchLabels empty value matches empty label', { matchLabels: { tier: '' } }, true],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, true],
    [
      'In without the label',
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      false,
    ],
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, false],
    [
      'NotIn without the label matches',
      { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
      true,
    ],
    ['Exists', { matchExpressions: [{ key: 'region', operator: 'Exists' }] }, true],
    ['Exists missing', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    [
      'DoesNotExist present',
      { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] },
      false,
    ],
    [
      'all requirements ANDed',
      {
        matchLabels: { env: 'prod' },
        matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }],
      },
      false,
    ],
    [
      'prefixed key',
      { matchExpressions: [{ key: 'example.com/team', operator: 'DoesNotExist' }] },
      true,
    ],
  ])('%s', (_name, spec, expected) => {
    expect(matchesLabels(compileLabelSelector(spec, 'sel', { validateValues: true }), labels)).toBe(
      expected,
    );
  });

  test.each<[string, LabelSelectorSpec, string]>([
    [
      'unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
      'sel.matchExpressions[0].operator: "Equals" is not a valid label selector operator',
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      "sel.matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'sel.matchExpressions[0].values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    ],
    [
      'bad key',
      { matchLabels: { 'bad key': 'x' } },
      'sel.matchLabels[bad key].key: Invalid value: "bad key"',
    ],
    [
      'bad prefix',
      { matchExpressions: [{ key: 'Bad_Prefix/a', operator: 'Exists' }] },
      'sel.matchExpressions[0].key: Invalid value: "Bad_Prefix/a": prefix part',
    ],
    [
      'value too long',
      { matchLabels: { a: 'x'.repeat(64) } },
      'sel.matchLabels[a].values[0]: Invalid value',
    ],
    [
      'bad value',
      { matchLabels: { a: 'https://x' } },
      'sel.matchLabels[a].values[0]: Invalid value: "https://x"',
    ],
  ])('invalid: %s', (_name, spec, message) => {
    const run = (): unknown => compileLabelSelector(spec, 'sel', { validateValues: true });
    expect(run).toThrow(ManifestError);
    expect(run).toThrow(message);
  });

  test('values are not validated for generator selectors (they match URLs)', () => {
    const sel = compileLabelSelector(
      { matchLabels: { server: 'https://kubernetes.default.svc' } },
      'sel',
      { validateValues: false },
    );
    expect(matchesLabels(sel, { server: 'https://kubernetes.default.svc' })).toBe(true);
  });
});

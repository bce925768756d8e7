import { DomainError } from '../domain-error';
import { compileLabelSelector, matches, type LabelSelector } from './label-selector';
import { parseLabelSelector } from './label-selector-syntax';

const labels = { env: 'prod', tier: 'web', region: 'eu-west-1', empty: '' };

describe('label selectors', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['empty selector matches everything', {}, true],
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, true],
    ['matchLabels differ', { matchLabels: { env: 'dev' } }, false],
    ['matchLabels missing key', { matchLabels: { team: 'a' } }, false],
    ['matchLabels empty value matches an empty label', { matchLabels: { empty: '' } }, true],
    [
      'In hit',
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] },
      true,
    ],
    ['In miss', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }] }, false],
    [
      'In on absent key',
      { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] },
      false,
    ],
    [
      'NotIn hit',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] },
      false,
    ],
    [
      'NotIn miss',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['api'] }] },
      true,
    ],
    [
      'NotIn on absent key matches',
      { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] },
      true,
    ],
    ['Exists', { matchExpressions: [{ key: 'region', operator: 'Exists' }] }, true],
    ['Exists absent', { matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, true],
    [
      'DoesNotExist present',
      { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] },
      false,
    ],
    [
      'matchLabels and matchExpressions are ANDed',
      {
        matchLabels: { env: 'prod' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }],
      },
      false,
    ],
    [
      'prefixed key',
      { matchExpressions: [{ key: 'example.com/team', operator: 'DoesNotExist' }] },
      true,
    ],
  ])('%s', (_name, selector, expected) => {
    expect(compileLabelSelector(selector).matches(labels)).toBe(expected);
    expect(matches(selector, labels)).toBe(expected);
  });

  it('does not read inherited properties as labels', () => {
    expect(matches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(
      false,
    );
  });

  it.each<[LabelSelector, string, string]>([
    [
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'Equals', values: ['y'] },
        ],
      },
      'destinations[0].clusterSelector.matchExpressions[1].operator',
      '"Equals" is not a valid label selector operator (one of In, NotIn, Exists, DoesNotExist)',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      'destinations[0].clusterSelector.matchExpressions[0].values',
      'must be specified when operator is In',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      'destinations[0].clusterSelector.matchExpressions[0].values',
      'must be specified when operator is NotIn',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      'destinations[0].clusterSelector.matchExpressions[0].values',
      'must be specified when operator is In',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'destinations[0].clusterSelector.matchExpressions[0].values',
      'may not be specified when operator is Exists',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', 'not ok'] }] },
      'destinations[0].clusterSelector.matchExpressions[0].values[1]',
      'invalid label value "not ok"',
    ],
    [
      { matchExpressions: [{ key: '-a', operator: 'Exists' }] },
      'destinations[0].clusterSelector.matchExpressions[0].key',
      'invalid label key "-a"',
    ],
    [
      { matchExpressions: [{ key: 'Bad_Prefix/a', operator: 'Exists' }] },
      'destinations[0].clusterSelector.matchExpressions[0].key',
      'invalid label key "Bad_Prefix/a": prefix part a lowercase RFC 1123 subdomain',
    ],
    [
      { matchLabels: { 'bad key': 'x' } },
      'destinations[0].clusterSelector.matchLabels["bad key"]',
      'invalid label key "bad key": name part must consist of alphanumeric characters',
    ],
    [
      { matchLabels: { 'Example.com/x': 'y' } },
      'destinations[0].clusterSelector.matchLabels["Example.com/x"]',
      'invalid label key "Example.com/x": prefix part a lowercase RFC 1123 subdomain',
    ],
    [
      { matchLabels: { 'a/b/c': 'y' } },
      'destinations[0].clusterSelector.matchLabels["a/b/c"]',
      'invalid label key "a/b/c": a qualified name must consist',
    ],
    [
      { matchLabels: { ['x'.repeat(64)]: 'y' } },
      `destinations[0].clusterSelector.matchLabels["${'x'.repeat(64)}"]`,
      `invalid label key "${'x'.repeat(64)}": name part must be no more than 63 characters`,
    ],
    [
      { matchLabels: { env: 'y'.repeat(64) } },
      'destinations[0].clusterSelector.matchLabels["env"]',
      `invalid label value "${'y'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      { matchLabels: { server: 'https://x' } },
      'destinations[0].clusterSelector.matchLabels["server"]',
      'invalid label value "https://x": a valid label must be an empty string',
    ],
  ])('refuses %j naming %s', (selector, field, message) => {
    let caught: unknown;
    try {
      compileLabelSelector(selector, { field: 'destinations[0].clusterSelector' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((caught as Error).message).toContain(`${field}: ${message}`);
  });

  it('skips value validation when asked (ApplicationSet generator selectors match URLs)', () => {
    const s = compileLabelSelector(
      {
        matchExpressions: [
          { key: 'server', operator: 'In', values: ['https://kubernetes.default.svc'] },
        ],
      },
      { validateValues: false },
    );
    expect(s.matches({ server: 'https://kubernetes.default.svc' })).toBe(true);
    const byLabels = compileLabelSelector(
      { matchLabels: { server: 'https://kubernetes.default.svc' } },
      { validateValues: false },
    );
    expect(byLabels.matches({ server: 'https://kubernetes.default.svc' })).toBe(true);
    expect(byLabels.matches({ server: 'https://other' })).toBe(false);
  });
});

describe('parseLabelSelector (the Kubernetes string syntax)', () => {
  it.each<[string, LabelSelector, string]>([
    ['', {}, ''],
    ['env=prod', { matchLabels: { env: 'prod' } }, 'env=prod'],
    ['env==prod', { matchLabels: { env: 'prod' } }, 'env=prod'],
    [
      'env!=prod',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      'env notin (prod)',
    ],
    [
      'env=prod,tier in (a,b),!canary',
      {
        matchLabels: { env: 'prod' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      },
      'env=prod,tier in (a,b),!canary',
    ],
    [
      ' tier notin ( b , a ) , gpu ',
      {
        matchExpressions: [
          { key: 'tier', operator: 'NotIn', values: ['a', 'b'] },
          { key: 'gpu', operator: 'Exists' },
        ],
      },
      'tier notin (a,b),gpu',
    ],
    ['a=', { matchLabels: { a: '' } }, 'a='],
    ['a in ()', { matchExpressions: [{ key: 'a', operator: 'In', values: [''] }] }, 'a in ()'],
    [
      'a in (x,,y)',
      { matchExpressions: [{ key: 'a', operator: 'In', values: ['', 'x', 'y'] }] },
      'a in (,x,y)',
    ],
    [
      'in in (in,notin)',
      { matchExpressions: [{ key: 'in', operator: 'In', values: ['in', 'notin'] }] },
      'in in (in,notin)',
    ],
    [
      'a=1,a=2',
      { matchLabels: { a: '1' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['2'] }] },
      'a=1,a in (2)',
    ],
    [
      'app.kubernetes.io/name=web',
      { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      'app.kubernetes.io/name=web',
    ],
  ])('parses %j', (text, expected, printed) => {
    const selector = parseLabelSelector(text);
    expect(selector).toEqual(expected);
    expect(compileLabelSelector(selector).toString()).toBe(printed);
  });

  it('matches as the structured form does', () => {
    const s = compileLabelSelector(parseLabelSelector('env=prod,tier in (web,api),!canary'));
    expect(s.matches(labels)).toBe(true);
    expect(s.matches({ ...labels, canary: 'true' })).toBe(false);
    expect(s.matches({ ...labels, tier: 'db' })).toBe(false);
  });

  it.each([
    ['a>1', "operator '>' is not supported"],
    ['a<1', "operator '<' is not supported"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a b', "found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in b', "found 'b' expected: '('"],
    ['a in (b', "found '', expected: ',' or ')'"],
    ['a in (=)', "found '=', expected: ',', ')' or identifier"],
    ['a=(', "found '(', expected: identifier"],
    ['!', "found '', expected: identifier"],
    ['-a=b', 'invalid label key "-a"'],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=-b', 'invalid label value "-b"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseLabelSelector(text, 'clusterSelector')).toThrow(message);
    try {
      parseLabelSelector(text, 'clusterSelector');
    } catch (err) {
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', field: 'clusterSelector' });
      expect(
        (err as Error).message.startsWith(
          `clusterSelector: invalid label selector ${JSON.stringify(text)}: `,
        ),
      ).toBe(true);
    }
  });
});

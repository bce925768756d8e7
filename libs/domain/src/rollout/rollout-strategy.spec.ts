import { DomainError } from '../domain-error';
import { assignSteps, type Candidate } from './rollout-steps';
import { parseRolloutStrategy, resolveAmount } from './rollout-strategy';

const errorOf = (input: unknown): DomainError => {
  try {
    parseRolloutStrategy(input);
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected an error');
};

describe('parseRolloutStrategy', () => {
  it('reads no strategy and AllAtOnce as no rollout', () => {
    expect(parseRolloutStrategy(undefined)).toBeNull();
    expect(parseRolloutStrategy({ type: 'AllAtOnce' })).toBeNull();
  });

  it("reads Argo CD's RollingSync as written", () => {
    const s = parseRolloutStrategy({
      type: 'RollingSync',
      rollingSync: {
        steps: [
          { matchExpressions: [{ key: 'envLabel', operator: 'In', values: ['dev'] }] },
          { matchExpressions: [{ key: 'envLabel', operator: 'In', values: ['qa'] }], maxUpdate: 0 },
          {
            matchExpressions: [{ key: 'envLabel', operator: 'In', values: ['prod'] }],
            maxUpdate: '10%',
          },
        ],
      },
    });
    expect(s).toMatchObject({
      type: 'RollingSync',
      maxFailures: { count: 0 },
      unavailableClusters: 'Wait',
      maxUnavailableSteps: 0,
    });
    expect(s!.steps.map((st) => [st.name, st.maxUnavailable, st.approval])).toEqual([
      ['step-1', { percent: 100 }, false],
      // maxUpdate: 0 updates nothing by itself: the step waits for a promotion.
      ['step-2', { percent: 100 }, true],
      ['step-3', { percent: 10 }, false],
    ]);
    expect(s!.steps[0]!.select).toEqual({
      kind: 'applicationLabels',
      selector: { matchExpressions: [{ key: 'envLabel', operator: 'In', values: ['dev'] }] },
    });
  });

  it('reads the Progressive form with defaults per step', () => {
    const s = parseRolloutStrategy({
      type: 'Progressive',
      progressive: {
        maxFailures: '10%',
        unavailableClusters: 'Skip',
        maxUnavailableSteps: 1,
        minSuccessTime: '5m',
        progressDeadline: '10m',
        steps: [
          { name: 'canary', clusters: { matchLabels: { ring: 'canary' } }, maxUnavailable: 1 },
          { name: 'tenth', percent: 10, approval: true, minSuccessTime: '0s' },
          { name: 'rest', maxUnavailable: '25%', progressDeadline: 'None' },
        ],
      },
    });
    expect(s).toEqual({
      type: 'Progressive',
      maxFailures: { percent: 10 },
      unavailableClusters: 'Skip',
      maxUnavailableSteps: 1,
      steps: [
        {
          name: 'canary',
          select: { kind: 'clusterLabels', selector: { matchLabels: { ring: 'canary' } } },
          maxUnavailable: { count: 1 },
          minSuccessTimeMs: 300_000,
          progressDeadlineMs: 600_000,
          approval: false,
        },
        {
          name: 'tenth',
          select: { kind: 'percent', percent: 10 },
          maxUnavailable: { percent: 100 },
          minSuccessTimeMs: 0,
          progressDeadlineMs: 600_000,
          approval: true,
        },
        {
          name: 'rest',
          select: { kind: 'rest' },
          maxUnavailable: { percent: 25 },
          minSuccessTimeMs: 300_000,
          progressDeadlineMs: null,
          approval: false,
        },
      ],
    });
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'an unknown type',
      { type: 'Canary' },
      'spec.strategy.type',
      /AllAtOnce, RollingSync or Progressive/,
    ],
    [
      'RollingSync without steps',
      { type: 'RollingSync', rollingSync: {} },
      'spec.strategy.rollingSync.steps',
      /required/,
    ],
    [
      'a bad maxUpdate',
      { type: 'RollingSync', rollingSync: { steps: [{ maxUpdate: '120%' }] } },
      'spec.strategy.rollingSync.steps[0].maxUpdate',
      /percentage/,
    ],
    [
      'an operator RollingSync does not know',
      {
        type: 'RollingSync',
        rollingSync: { steps: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }] },
      },
      'spec.strategy.rollingSync.steps[0].matchExpressions[0].operator',
      /In|NotIn/,
    ],
    [
      'an unknown field',
      { type: 'Progressive', progressive: { steps: [{ clusterz: {} }] } },
      'spec.strategy.progressive.steps[0].clusterz',
      /unknown field/,
    ],
    [
      'a bad duration',
      { type: 'Progressive', progressive: { steps: [{ minSuccessTime: '5 minutes' }] } },
      'spec.strategy.progressive.steps[0].minSuccessTime',
      /duration/,
    ],
    [
      'two selections in one step',
      { type: 'Progressive', progressive: { steps: [{ percent: 10, clusters: {} }] } },
      'spec.strategy.progressive.steps[0]',
      /at most one/,
    ],
    [
      'a selector-less step before the last',
      { type: 'Progressive', progressive: { steps: [{}, { percent: 5 }] } },
      'spec.strategy.progressive.steps[0]',
      /only the last step/,
    ],
    [
      'maxUnavailable 0',
      { type: 'Progressive', progressive: { steps: [{ maxUnavailable: 0 }] } },
      'spec.strategy.progressive.steps[0].maxUnavailable',
      /at least one/,
    ],
    [
      'a bad label key',
      {
        type: 'Progressive',
        progressive: { steps: [{ clusters: { matchLabels: { 'a b': 'x' } } }] },
      },
      'spec.strategy.progressive.steps[0].clusters.matchLabels["a b"]',
      /key/,
    ],
    [
      'duplicate step names',
      { type: 'Progressive', progressive: { steps: [{ name: 'a', percent: 5 }, { name: 'a' }] } },
      'spec.strategy.progressive.steps[1].name',
      /duplicate/,
    ],
  ])('refuses %s, naming the field', (_, input, field, message) => {
    const error = errorOf(input);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('resolveAmount', () => {
  it.each<[Parameters<typeof resolveAmount>[0], number, number]>([
    [{ count: 3 }, 10, 3],
    [{ percent: 10 }, 100, 10],
    [{ percent: 10 }, 5, 1], // rounds down, but at least one
    [{ percent: 25 }, 10, 2],
    [{ percent: 0 }, 10, 0],
    [{ percent: 50 }, 0, 0],
  ])('%j of %d is %d', (amount, whole, expected) => {
    expect(resolveAmount(amount, whole)).toBe(expected);
  });
});

describe('assignSteps', () => {
  const candidate = (
    i: number,
    clusterLabels: Record<string, string>,
    appLabels = {},
  ): Candidate => ({
    applicationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    applicationName: `app-c${String(i).padStart(2, '0')}`,
    clusterId: `cluster-${i}`,
    clusterName: `c${String(i).padStart(2, '0')}`,
    bundleId: 'b'.repeat(64),
    commit: 'c'.repeat(40),
    applicationLabels: appLabels,
    clusterLabels,
  });
  const fleet = Array.from({ length: 10 }, (_, i) =>
    candidate(i, { ring: i < 2 ? 'canary' : 'main' }, { env: i < 5 ? 'dev' : 'prod' }),
  );

  it('takes selected clusters, then a share of the rest in name order, then the rest', () => {
    const s = parseRolloutStrategy({
      type: 'Progressive',
      progressive: {
        steps: [
          { name: 'canary', clusters: { matchLabels: { ring: 'canary' } } },
          { name: 'quarter', percent: 25 },
          { name: 'rest' },
        ],
      },
    })!;
    const { steps, excluded } = assignSteps(s, [...fleet].reverse());
    expect(steps.map((st) => st.targets.map((t) => t.clusterName))).toEqual([
      ['c00', 'c01'],
      ['c02', 'c03'], // 25% of 8, rounded up
      ['c04', 'c05', 'c06', 'c07', 'c08', 'c09'],
    ]);
    expect(excluded).toEqual([]);
    expect(steps[0]!.targets[0]).not.toHaveProperty('clusterLabels');
  });

  it('leaves out what no RollingSync step selects (as Argo CD does)', () => {
    const s = parseRolloutStrategy({
      type: 'RollingSync',
      rollingSync: {
        steps: [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }],
      },
    })!;
    const { steps, excluded } = assignSteps(s, fleet);
    expect(steps[0]!.targets).toHaveLength(5);
    expect(excluded.map((t) => t.clusterName)).toEqual(['c05', 'c06', 'c07', 'c08', 'c09']);
  });
});

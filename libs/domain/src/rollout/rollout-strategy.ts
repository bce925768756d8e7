import { z } from 'zod';
import { DomainError } from '../domain-error';
import { parseGoDuration } from '../tenant/go-duration';
import { compileLabelSelector, labelSelectorSchema } from '../tenant/label-selector';
import { formatFieldPath } from '../tenant/tenant-spec.schema';

/**
 * An ApplicationSet's rollout strategy (`spec.strategy`), in one of two written forms, read into
 * one {@link RolloutStrategy}:
 *
 * - Argo CD's progressive syncs, as written for Argo CD:
 *   `{type: RollingSync, rollingSync: {steps: [{matchExpressions, maxUpdate}]}}`. Steps select
 *   Applications by their own labels (`In`/`NotIn`); `maxUpdate` (count or percent, default 100%)
 *   caps how many of a step's Applications update at once; a step starts when every Application
 *   of the steps before it is Healthy; an Application no step selects is left out of the rollout
 *   (Argo CD: "excluded from the rolling sync"). `maxUpdate: 0` updates nothing of that step by
 *   itself: here the step waits for a `promoteRollout`, Argo CD's manual sync.
 * - Our richer form, `{type: Progressive, progressive: {...}}` (see {@link progressiveSchema}),
 *   after Open Cluster Management's rollout API (`maxConcurrency` is our `maxUnavailable`,
 *   `minSuccessTime`, `progressDeadline`, `maxFailures`) and Rancher Fleet's partitions (a step
 *   with a `clusters` selector is a partition; `maxUnavailableSteps` is
 *   `maxUnavailablePartitions`).
 *
 * `type: AllAtOnce` (Argo CD's default) and no strategy at all mean no rollout: every cluster gets
 * a new rendering at once.
 */

/** A count, or a percentage of a whole (`"25%"`). */
export type Amount = { count: number } | { percent: number };

/** How a step picks its targets among those no earlier step took. */
export type StepSelection =
  /** Applications whose own labels match (Argo CD's RollingSync steps). */
  | { kind: 'applicationLabels'; selector: z.output<typeof labelSelectorSchema> }
  /** Applications on clusters whose labels match (a Fleet partition). */
  | { kind: 'clusterLabels'; selector: z.output<typeof labelSelectorSchema> }
  /** This share of the targets left, at least one when any are left (in cluster name order). */
  | { kind: 'percent'; percent: number }
  /** Every target left. */
  | { kind: 'rest' };

/** One step of a rollout, every default filled in. */
export interface RolloutStepSpec {
  name: string;
  select: StepSelection;
  /** How many of the step's targets may be updating or failed at once. */
  maxUnavailable: Amount;
  /** How long every target of the step must stay Synced and Healthy before the step is done. */
  minSuccessTimeMs: number;
  /** A target not Healthy this long after its update counts as failed; null: no deadline. */
  progressDeadlineMs: number | null;
  /** The step starts only after a deployer promotes the rollout. */
  approval: boolean;
}

/** What to do with a target whose cluster is Offline or Stale when its turn comes. */
export const UNAVAILABLE_CLUSTER_POLICIES = ['Wait', 'Skip', 'Fail'] as const;
export type UnavailableClusterPolicy = (typeof UNAVAILABLE_CLUSTER_POLICIES)[number];

/** A rollout strategy, normalised from either written form. */
export interface RolloutStrategy {
  type: 'RollingSync' | 'Progressive';
  steps: RolloutStepSpec[];
  /** Failed targets the rollout tolerates (of all its targets); one more pauses it. */
  maxFailures: Amount;
  /**
   * Offline or Stale clusters: wait for them (the step holds), skip them (and update them when they
   * return, after the rest), or count them as failed.
   */
  unavailableClusters: UnavailableClusterPolicy;
  /** Started steps that may still be unfinished when the next one starts (0: one at a time). */
  maxUnavailableSteps: number;
}

const PERCENT_RE = /^(\d{1,3})%$/;
const amountSchema = z.union([z.number().int().min(0), z.string()]).transform((v, ctx): Amount => {
  if (typeof v === 'number') return { count: v };
  const m = PERCENT_RE.exec(v.trim());
  const percent = m ? Number(m[1]) : NaN;
  if (!(percent >= 0 && percent <= 100)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a non-negative integer or a percentage from 0% to 100%, got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return { percent };
});

const durationSchema = z.string().transform((v, ctx) => {
  try {
    const ms = parseGoDuration(v);
    if (ms < 0) throw new Error('must not be negative');
    return ms;
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a duration such as 30s, 5m or 1h30m (${(error as Error).message})`,
    });
    return z.NEVER;
  }
});
const deadlineSchema = z.union([z.literal('None'), durationSchema]);

const STEP_NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const stepNameSchema = z
  .string()
  .regex(STEP_NAME_RE, 'must be a lowercase RFC 1123 label (a-z, 0-9, "-", at most 63)');

/** Argo CD's `ApplicationMatchExpression`: only `In` and `NotIn`. */
const rollingSyncSchema = z
  .object({
    steps: z
      .array(
        z
          .object({
            matchExpressions: z
              .array(
                z
                  .object({
                    key: z.string(),
                    operator: z.enum(['In', 'NotIn']),
                    values: z.array(z.string()).default([]),
                  })
                  .strict(),
              )
              .default([]),
            maxUpdate: amountSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

/** Our richer form (`spec.strategy.progressive`). */
export const progressiveSchema = z
  .object({
    /** Failed targets tolerated before the rollout pauses: a count or a percent of all targets. */
    maxFailures: amountSchema.default({ count: 0 }),
    unavailableClusters: z.enum(UNAVAILABLE_CLUSTER_POLICIES).default('Wait'),
    maxUnavailableSteps: z.number().int().min(0).max(50).default(0),
    /** Defaults for every step. */
    minSuccessTime: durationSchema.default(0),
    progressDeadline: deadlineSchema.default('None'),
    maxUnavailable: amountSchema.default({ percent: 100 }),
    steps: z
      .array(
        z
          .object({
            name: stepNameSchema.optional(),
            /** Clusters by label (a Fleet partition). */
            clusters: labelSelectorSchema.optional(),
            /** Applications by their labels (as RollingSync does). */
            applications: labelSelectorSchema.optional(),
            /** This percent of the targets no earlier step took (at least one). */
            percent: z.number().int().min(1).max(100).optional(),
            maxUnavailable: amountSchema.optional(),
            minSuccessTime: durationSchema.optional(),
            progressDeadline: deadlineSchema.optional(),
            approval: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

const strategySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('AllAtOnce') }).strict(),
  z.object({ type: z.literal('RollingSync'), rollingSync: rollingSyncSchema }).strict(),
  z.object({ type: z.literal('Progressive'), progressive: progressiveSchema }).strict(),
]);

const fail = (path: readonly PropertyKey[], message: string): never => {
  const field = formatFieldPath(['spec', 'strategy', ...path]);
  throw new DomainError('BAD_USER_INPUT', `${field}: ${message}`, field);
};

/**
 * Reads `spec.strategy` of an ApplicationSet: null when there is none or it is `AllAtOnce`.
 * Throws `DomainError('BAD_USER_INPUT')` naming the field, e.g.
 * `spec.strategy.progressive.steps[1].maxUnavailable: must be a non-negative integer or a
 * percentage ...`.
 */
export function parseRolloutStrategy(strategy: unknown): RolloutStrategy | null {
  if (strategy === undefined || strategy === null) return null;
  if (typeof strategy !== 'object' || Array.isArray(strategy)) return fail([], 'must be an object');
  const type = (strategy as { type?: unknown }).type;
  if (type === undefined || type === '') return null;
  if (type !== 'AllAtOnce' && type !== 'RollingSync' && type !== 'Progressive')
    return fail(
      ['type'],
      `must be AllAtOnce, RollingSync or Progressive, got ${JSON.stringify(type)}`,
    );
  const parsed = strategySchema.safeParse(strategy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys')
      return fail([...issue.path, issue.keys[0] ?? ''], 'unknown field');
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return fail(issue.path, missing ? 'is required' : issue.message);
  }
  const s = parsed.data;
  if (s.type === 'AllAtOnce') return null;
  if (s.type === 'RollingSync') {
    const steps = s.rollingSync.steps.map((step, i): RolloutStepSpec => {
      const selector = { matchExpressions: step.matchExpressions };
      compileLabelSelector(selector, {
        field: `spec.strategy.rollingSync.steps[${i}]`,
        validateValues: false,
      });
      const max = step.maxUpdate ?? { percent: 100 };
      const hold = 'count' in max ? max.count === 0 : max.percent === 0;
      return {
        name: `step-${i + 1}`,
        select: { kind: 'applicationLabels', selector },
        maxUnavailable: hold ? { percent: 100 } : max,
        minSuccessTimeMs: 0,
        progressDeadlineMs: null,
        approval: hold,
      };
    });
    // Argo CD waits on a Degraded Application for ever; the rollout pauses instead, and says so.
    return {
      type: 'RollingSync',
      steps,
      maxFailures: { count: 0 },
      unavailableClusters: 'Wait',
      maxUnavailableSteps: 0,
    };
  }
  const p = s.progressive;
  const names = new Set<string>();
  const steps = p.steps.map((step, i): RolloutStepSpec => {
    const at = ['progressive', 'steps', i] as const;
    const given = (['clusters', 'applications', 'percent'] as const).filter(
      (k) => step[k] !== undefined,
    );
    if (given.length > 1)
      fail(
        [...at],
        `set at most one of clusters, applications and percent (got ${given.join(', ')})`,
      );
    let select: StepSelection = { kind: 'rest' };
    if (step.clusters) {
      compileLabelSelector(step.clusters, {
        field: formatFieldPath(['spec', 'strategy', ...at, 'clusters']),
      });
      select = { kind: 'clusterLabels', selector: step.clusters };
    } else if (step.applications) {
      compileLabelSelector(step.applications, {
        field: formatFieldPath(['spec', 'strategy', ...at, 'applications']),
      });
      select = { kind: 'applicationLabels', selector: step.applications };
    } else if (step.percent !== undefined) select = { kind: 'percent', percent: step.percent };
    const name = step.name ?? `step-${i + 1}`;
    if (names.has(name)) fail([...at, 'name'], `duplicate step name ${JSON.stringify(name)}`);
    names.add(name);
    const maxUnavailable = step.maxUnavailable ?? p.maxUnavailable;
    if ('count' in maxUnavailable ? maxUnavailable.count === 0 : maxUnavailable.percent === 0)
      fail(
        [...at, 'maxUnavailable'],
        'must allow at least one target (use approval: true to hold a step)',
      );
    const deadline = step.progressDeadline ?? p.progressDeadline;
    return {
      name,
      select,
      maxUnavailable,
      minSuccessTimeMs: step.minSuccessTime ?? p.minSuccessTime,
      progressDeadlineMs: deadline === 'None' ? null : deadline,
      approval: step.approval,
    };
  });
  steps.slice(0, -1).forEach((step, i) => {
    if (step.select.kind === 'rest')
      fail(
        ['progressive', 'steps', i],
        'only the last step may leave out clusters, applications and percent (it takes every target left)',
      );
  });
  return {
    type: 'Progressive',
    steps,
    maxFailures: p.maxFailures,
    unavailableClusters: p.unavailableClusters,
    maxUnavailableSteps: p.maxUnavailableSteps,
  };
}

/** `amount` of `whole`: a percentage rounds down, but to at least 1 when it and `whole` are > 0. */
export function resolveAmount(amount: Amount, whole: number): number {
  if ('count' in amount) return amount.count;
  if (amount.percent === 0 || whole === 0) return 0;
  return Math.max(1, Math.floor((amount.percent * whole) / 100));
}

/** The zod schema of a normalised strategy, as events store it. */
const amountStored = z.union([
  z.object({ count: z.number().int().min(0) }).strict(),
  z.object({ percent: z.number().int().min(0).max(100) }).strict(),
]);
export const rolloutStrategySchema = z
  .object({
    type: z.enum(['RollingSync', 'Progressive']),
    steps: z
      .array(
        z
          .object({
            name: z.string().min(1).max(63),
            select: z.discriminatedUnion('kind', [
              z
                .object({ kind: z.literal('applicationLabels'), selector: labelSelectorSchema })
                .strict(),
              z
                .object({ kind: z.literal('clusterLabels'), selector: labelSelectorSchema })
                .strict(),
              z
                .object({ kind: z.literal('percent'), percent: z.number().int().min(1).max(100) })
                .strict(),
              z.object({ kind: z.literal('rest') }).strict(),
            ]),
            maxUnavailable: amountStored,
            minSuccessTimeMs: z.number().int().min(0),
            progressDeadlineMs: z.number().int().min(0).nullable(),
            approval: z.boolean(),
          })
          .strict(),
      )
      .min(1),
    maxFailures: amountStored,
    unavailableClusters: z.enum(UNAVAILABLE_CLUSTER_POLICIES),
    maxUnavailableSteps: z.number().int().min(0),
  })
  .strict();

import { z } from 'zod';
import { DomainError } from '../domain-error';
import { labelKeyErrors, labelValueErrors } from './label-rules';

/** `metav1.LabelSelectorRequirement` operators (Gt/Lt exist only for node selectors). */
export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

/** The wire shape of `metav1.LabelSelector`, strict: unknown fields are refused. */
export const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z
          .object({
            key: z.string(),
            // Checked by compileLabelSelector, so that the message can list the operators.
            operator: z.string(),
            values: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

/** A Kubernetes label selector: `matchLabels` and `matchExpressions`, all ANDed. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: LabelSelectorOperator | string; values?: string[] }[];
}

/** One validated requirement. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  readonly values: readonly string[];
}

/** A validated selector, ready to match label sets. */
export interface CompiledLabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** True when there are no requirements: the selector matches every label set. */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** Kubernetes string syntax, e.g. `env=prod,tier in (a,b),!canary`. */
  toString(): string;
}

/** Options for {@link compileLabelSelector}. */
export interface CompileLabelSelectorOptions {
  /** Field path used in errors, e.g. `destinations[0].clusterSelector`. */
  field?: string;
  /**
   * Validate values as label values (default true). Argo CD's ApplicationSet generator
   * `selector` skips this so that it can match parameters such as server URLs.
   */
  validateValues?: boolean;
}

const bad = (field: string, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, field);

// `at` is a matchExpressions entry, or (`whole` true) a matchLabels entry: one field for key and value.
function requirement(
  at: string,
  key: string,
  operator: string,
  values: readonly string[],
  validateValues: boolean,
  whole = false,
): LabelRequirement {
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0)
    throw bad(
      whole ? at : `${at}.key`,
      `invalid label key ${JSON.stringify(key)}: ${keyErrs.join('; ')}`,
    );
  if (!(LABEL_SELECTOR_OPERATORS as readonly string[]).includes(operator)) {
    throw bad(
      `${at}.operator`,
      `${JSON.stringify(operator)} is not a valid label selector operator (one of ${LABEL_SELECTOR_OPERATORS.join(', ')})`,
    );
  }
  const op = operator as LabelSelectorOperator;
  if ((op === 'In' || op === 'NotIn') && values.length === 0) {
    throw bad(`${at}.values`, `must be specified when operator is ${op}`);
  }
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
    throw bad(`${at}.values`, `may not be specified when operator is ${op}`);
  }
  if (validateValues) {
    values.forEach((v, i) => {
      const errs = labelValueErrors(v);
      if (errs.length > 0)
        throw bad(
          whole ? at : `${at}.values[${i}]`,
          `invalid label value ${JSON.stringify(v)}: ${errs.join('; ')}`,
        );
    });
  }
  return { key, operator: op, values: [...values] };
}

function matchRequirements(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const r of requirements) {
    const value = Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined;
    switch (r.operator) {
      case 'In':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

function requirementString(r: LabelRequirement, fromMatchLabels: boolean): string {
  switch (r.operator) {
    case 'In':
      return fromMatchLabels ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
  }
}

/**
 * Validates a `{matchLabels, matchExpressions}` selector with Kubernetes' rules (label keys and
 * values, operators, values present exactly for In/NotIn) and compiles it. Errors are
 * `DomainError('BAD_USER_INPUT')` naming the field, e.g.
 * `destinations[0].clusterSelector.matchExpressions[1].operator`.
 */
export function compileLabelSelector(
  selector: LabelSelector,
  options: CompileLabelSelectorOptions = {},
): CompiledLabelSelector {
  const field = options.field ?? 'selector';
  const validateValues = options.validateValues ?? true;
  const requirements: LabelRequirement[] = [];
  const strings: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const r = requirement(
      `${field}.matchLabels[${JSON.stringify(key)}]`,
      key,
      'In',
      [value],
      validateValues,
      true,
    );
    requirements.push(r);
    strings.push(requirementString(r, true));
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const r = requirement(
      `${field}.matchExpressions[${i}]`,
      expr.key,
      expr.operator,
      expr.values ?? [],
      validateValues,
    );
    requirements.push(r);
    strings.push(requirementString(r, false));
  });
  const text = strings.join(',');
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => matchRequirements(requirements, labels),
    toString: () => text,
  };
}

const compiledRaw = new WeakMap<LabelSelector, CompiledLabelSelector>();

/**
 * True when `labels` satisfy `selector` (all requirements ANDed; an empty selector matches
 * everything). A raw selector is validated and compiled once per object.
 */
export function matches(
  selector: CompiledLabelSelector | LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  if ('requirements' in selector) return selector.matches(labels);
  let compiled = compiledRaw.get(selector);
  if (!compiled) {
    compiled = compileLabelSelector(selector);
    compiledRaw.set(selector, compiled);
  }
  return compiled.matches(labels);
}

import { ManifestError } from './errors';

/** Kubernetes `metav1.LabelSelectorRequirement` operators. */
export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One requirement of a compiled selector. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A validated label selector (`matchLabels` become `In` requirements with one value). */
export interface LabelSelector {
  /** True for a selector with no requirements (matches everything). */
  readonly empty: boolean;
  readonly requirements: readonly LabelRequirement[];
}

/** The raw `{matchLabels, matchExpressions}` shape. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface CompileSelectorOptions {
  /**
   * Validate values as Kubernetes label values (63 characters, alphanumerics, `-_.`). Argo CD's
   * per-generator `selector` uses a copy of the Kubernetes code without this check, so that it can
   * match parameters such as server URLs; the cluster generator's selector is the real one.
   */
  validateValues: boolean;
}

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes `IsQualifiedName` errors for a label key (empty list when valid). */
export function qualifiedNameErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
    else if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
      errs.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      );
    }
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character with an optional DNS subdomain prefix and '/'",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !NAME_RE.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errs;
}

function requirement(
  field: string,
  key: string,
  operator: SelectorOperator,
  values: string[],
  opts: CompileSelectorOptions,
): LabelRequirement {
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0)
    throw new ManifestError(
      `${field}.key`,
      `Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`,
    );
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    throw new ManifestError(
      `${field}.values`,
      "Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
    );
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length !== 0) {
    throw new ManifestError(
      `${field}.values`,
      `Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`,
    );
  }
  if (opts.validateValues) {
    values.forEach((v, i) => {
      const errs = labelValueErrors(v);
      if (errs.length > 0)
        throw new ManifestError(
          `${field}.values[${i}]`,
          `Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`,
        );
    });
  }
  return { key, operator, values };
}

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Validates and compiles a Kubernetes label selector with `LabelSelectorAsSelector`'s rules;
 * errors name the offending field under `field` (e.g. `spec.generators[0].selector`).
 */
export function compileLabelSelector(
  spec: LabelSelectorSpec | undefined,
  field: string,
  opts: CompileSelectorOptions,
): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(spec?.matchLabels ?? {})) {
    requirements.push(requirement(`${field}.matchLabels[${key}]`, key, 'In', [value], opts));
  }
  (spec?.matchExpressions ?? []).forEach((expr, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    if (!OPERATORS.includes(expr.operator)) {
      throw new ManifestError(
        `${at}.operator`,
        `${JSON.stringify(expr.operator)} is not a valid label selector operator`,
      );
    }
    requirements.push(
      requirement(at, expr.key, expr.operator as SelectorOperator, [...(expr.values ?? [])], opts),
    );
  });
  return { empty: requirements.length === 0, requirements };
}

/** Kubernetes selector matching: In/NotIn/Exists/DoesNotExist, all requirements ANDed. */
export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const r of selector.requirements) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

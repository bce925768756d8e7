import {
  compileLabelSelector,
  DomainError,
  notificationRuleSpecSchema,
  zodIssueToDomainError,
  type NotificationRuleSpec,
} from '@flotilla/domain';
import {
  endpointDigest,
  endpointProblem,
  maskEndpoint,
  NOTIFIABLE_EVENT_TYPES,
  newSigningSecret,
} from '@flotilla/notifications';
import { z } from 'zod';
import type { NotificationRuleSpecInput } from './notification-rule.input';

const bad = (field: string, message: string) =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, field);

// Nested under `input` so that zod's issue paths are the API's field paths.
const submittedSchema = z.object({ input: notificationRuleSpecSchema }).strict();

/**
 * A rule's spec as submitted, checked: its shape (the event schema), event types the log has
 * (never the rules' own), no entry listed twice, a label selector that compiles, and a target URL
 * the hub may call. The first problem is a BAD_USER_INPUT naming its field under `input`. Answers
 * the spec as the log keeps it (the URL masked, with its digest) and the URL to seal.
 */
export function checkNotificationRuleSpec(
  input: NotificationRuleSpecInput,
  allowPrivateNetworks: boolean,
): { spec: NotificationRuleSpec; url: string } {
  const parsed = submittedSchema.safeParse({ input: specOf(input) });
  if (!parsed.success) throw zodIssueToDomainError(parsed.error, 'input');
  const spec = parsed.data.input;
  spec.eventTypes.forEach((type, i) => {
    if (!NOTIFIABLE_EVENT_TYPES.includes(type))
      throw bad(
        `input.eventTypes[${i}]`,
        `unknown event type ${JSON.stringify(type)}; one of ${NOTIFIABLE_EVENT_TYPES.join(', ')}`,
      );
  });
  noDuplicates(spec.eventTypes, 'input.eventTypes');
  noDuplicates(spec.applicationSets, 'input.applicationSets');
  noDuplicates(spec.health, 'input.health');
  if (spec.clusterSelector !== null)
    compileLabelSelector(spec.clusterSelector, { field: 'input.clusterSelector' });
  const url = spec.target.url;
  const problem = endpointProblem(url, allowPrivateNetworks);
  if (problem !== undefined) throw bad('input.target.url', problem);
  // The log and the API keep the endpoint masked; the URL itself is sealed with the secret.
  return { spec: { ...spec, target: { ...spec.target, url: maskEndpoint(url) } }, url };
}

/**
 * The signing secret to store: the caller's (`field` names it in errors), or a new one, which
 * only then is shown to the caller.
 */
export function signingSecretOf(
  given: string | null | undefined,
  field: string,
): { secret: string; generated: boolean } {
  if (given === null || given === undefined) return { secret: newSigningSecret(), generated: true };
  if (given.length < 16) throw bad(field, 'must be at least 16 characters');
  if (given.length > 1024) throw bad(field, 'must be at most 1024 characters');
  return { secret: given, generated: false };
}

/** Specs compared as values (key order aside): an update that changes nothing appends nothing. */
export function sameSpec(a: NotificationRuleSpec, b: NotificationRuleSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function noDuplicates(values: readonly string[], field: string): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw bad(`${field}[${i}]`, `${JSON.stringify(v)} is listed twice`);
    seen.add(v);
  });
}

/**
 * The GraphQL input as the domain's JSON: optional lists default to empty, and explicit nulls
 * (GraphQL's "left out") are dropped, except the selector's own (null: no selector).
 */
function specOf(input: NotificationRuleSpecInput): unknown {
  const selector = input.clusterSelector ?? null;
  return {
    name: input.name,
    eventTypes: input.eventTypes,
    clusterSelector: selector === null ? null : withoutNulls(selector),
    applicationSets: input.applicationSets ?? [],
    health: input.health ?? [],
    target: {
      kind: input.target.kind,
      url: input.target.url,
      urlSha256: endpointDigest(input.target.url),
    },
  };
}

function withoutNulls(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v === null ? undefined : v)));
}

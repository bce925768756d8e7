import { z } from 'zod';
import { DomainError } from '../domain-error';
import { labelSelectorSchema } from './label-selector';
import { checkTenantSpecRules } from './tenant-spec.rules';

/**
 * The shape of a tenant spec (an Argo CD AppProject, with a cluster label selector in place of
 * server/name globs). Strict: an unknown field is an error, not silently dropped. Structural only;
 * {@link parseTenantSpec} adds the rules (globs, selectors, policies, cron, time zones). Events
 * store this shape, so a breaking change here is a new event version with an upcaster.
 */

/** A `{group, kind}` pattern pair, matched with Go's `filepath.Match` as Argo CD does. */
export const groupKindSchema = z.object({ group: z.string(), kind: z.string() }).strict();

/** Where a tenant may deploy: clusters selected by labels, namespaces by glob (`!` denies). */
export const tenantDestinationSchema = z
  .object({ clusterSelector: labelSelectorSchema, namespaces: z.array(z.string()) })
  .strict();

/** A role bound to groups, with Argo-style Casbin policy lines scoped to this tenant. */
export const tenantRoleSchema = z
  .object({
    name: z.string(),
    description: z.string().default(''),
    groups: z.array(z.string()).default([]),
    policies: z.array(z.string()).default([]),
  })
  .strict();

/** An Argo CD sync window: when syncs are allowed or denied, and for what. */
export const syncWindowSchema = z
  .object({
    kind: z.enum(['allow', 'deny']),
    schedule: z.string(),
    duration: z.string(),
    timeZone: z.string().default('UTC'),
    applications: z.array(z.string()).default([]),
    clusters: z.array(z.string()).default([]),
    namespaces: z.array(z.string()).default([]),
    manualSync: z.boolean().default(false),
  })
  .strict();

/** A tenant spec as submitted through the API (and as stored in events). */
export const tenantSpecSchema = z
  .object({
    name: z.string(),
    description: z.string().max(255).default(''),
    sourceRepos: z.array(z.string()).default([]),
    sourceReposDeny: z.array(z.string()).default([]),
    destinations: z.array(tenantDestinationSchema).default([]),
    clusterResourceWhitelist: z.array(groupKindSchema).default([]),
    namespaceResourceBlacklist: z.array(groupKindSchema).default([]),
    roles: z.array(tenantRoleSchema).default([]),
    syncWindows: z.array(syncWindowSchema).default([]),
  })
  .strict();

/** A validated tenant spec, every list present. */
export type TenantSpec = z.output<typeof tenantSpecSchema>;
/** What the API accepts: lists and flags may be left out. */
export type TenantSpecInput = z.input<typeof tenantSpecSchema>;
export type GroupKindPattern = z.output<typeof groupKindSchema>;
export type TenantDestination = z.output<typeof tenantDestinationSchema>;
export type TenantRole = z.output<typeof tenantRoleSchema>;
export type SyncWindow = z.output<typeof syncWindowSchema>;

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `destinations[0].clusterSelector.matchLabels["app.kubernetes.io/name"]` from a zod path. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && IDENTIFIER_RE.test(part))
      out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** The first zod issue as a DomainError naming its field. */
export function zodIssueToDomainError(error: z.ZodError, root = 'spec'): DomainError {
  const issue = error.issues[0];
  if (!issue) return new DomainError('BAD_USER_INPUT', `${root}: invalid`, root);
  if (issue.code === 'unrecognized_keys') {
    const field = formatFieldPath([...issue.path, issue.keys[0] ?? '']);
    return new DomainError('BAD_USER_INPUT', `${field}: unknown field`, field);
  }
  const field = formatFieldPath(issue.path) || root;
  const message =
    issue.code === 'invalid_type' && /received undefined/.test(issue.message)
      ? 'is required'
      : issue.message;
  return new DomainError('BAD_USER_INPUT', `${field}: ${message}`, field);
}

/**
 * Validates a tenant spec as submitted through the API and returns it with defaults filled in.
 * Throws `DomainError('BAD_USER_INPUT', '<field>: <problem>', field)` for the first problem,
 * e.g. `syncWindows[0].schedule: invalid cron "61 * * * *" (...)`.
 */
export function parseTenantSpec(input: unknown): TenantSpec {
  const parsed = tenantSpecSchema.safeParse(input);
  if (!parsed.success) throw zodIssueToDomainError(parsed.error);
  checkTenantSpecRules(parsed.data);
  return parsed.data;
}

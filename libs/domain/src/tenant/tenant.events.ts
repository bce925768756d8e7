import { z } from 'zod';
import { tenantRoleSchema, tenantSpecSchema } from './tenant-spec.schema';

/**
 * Tenant events (stream `tenant-<name>`). The hub turns each entry of {@link tenantEventSchemas}
 * into an event-store definition (`defineEvent(type, schema, { version })`).
 *
 * Why `TenantUpdated` carries the whole spec (minus roles) rather than granular events: a tenant is
 * edited as one document, like an AppProject manifest, so one event per edit is what the audit
 * shows ("who changed team-a's policy at 03:00") and what `asOf` replays, without a dozen event
 * types each needing upcasters. Roles are split out into `TenantRoleBindingsChanged` because they
 * decide who may do what: the RBAC projection listens to that event alone, and the audit can
 * answer "who granted group X access" without diffing whole specs.
 */

const tenantPolicySchema = tenantSpecSchema.omit({ roles: true });

/** Every tenant event type with its current schema version and data schema. */
export const tenantEventSchemas = {
  /** A tenant was created with this spec (roles included). */
  TenantCreated: { version: 1, schema: z.object({ spec: tenantSpecSchema }).strict() },
  /** The tenant's policy (everything but roles) was replaced by this one. */
  TenantUpdated: { version: 1, schema: z.object({ spec: tenantPolicySchema }).strict() },
  /** The tenant's roles (groups bound, policies granted) were replaced by these. */
  TenantRoleBindingsChanged: {
    version: 1,
    schema: z.object({ name: z.string(), roles: z.array(tenantRoleSchema) }).strict(),
  },
  /** The tenant was deleted; it owned no clusters or applications then. */
  TenantDeleted: { version: 1, schema: z.object({ name: z.string() }).strict() },
} as const;

/** The name of a tenant event. */
export type TenantEventType = keyof typeof tenantEventSchemas;

/** One tenant event as `{ type, data }`, discriminated on `type`. */
export type TenantEvent = {
  [K in TenantEventType]: { type: K; data: z.output<(typeof tenantEventSchemas)[K]['schema']> };
}[TenantEventType];

/** The tenant policy as `TenantUpdated` carries it (a spec without roles). */
export type TenantPolicySpec = z.output<typeof tenantPolicySchema>;

import { SetMetadata } from '@nestjs/common';

/** What RBAC policies talk about (Argo CD's resource names where they exist). */
export type Resource =
  | 'tenants'
  | 'clusters'
  | 'applications'
  | 'applicationsets'
  | 'repositories'
  | 'rollouts'
  | 'tokens'
  | 'audit';

/**
 * An RBAC check on one object: `object` derives the policy object from the operation's
 * arguments (`team-a`, or `team-a/web` for things inside a tenant). When the caller may not
 * even `get` the object, the answer is NOT_FOUND, never FORBIDDEN, so nothing leaks its
 * existence; `create` of a new object skips that rule.
 */
export interface AccessRule {
  resource: Resource;
  action: string;
  object: (args: Record<string, unknown>) => string;
}

/**
 * Who may call a resolver or controller. Every handler must declare one: the global guard
 * refuses handlers without it, so a new resolver cannot forget authorisation.
 * - `public`: anyone (only `health` and the probes);
 * - `agent`: the agent protocol; no user token, the handler authenticates the cluster credential
 *   (or, for registration, the registration token) itself;
 * - `authenticated`: any verified caller; the handler must filter through `context.authz`;
 * - `platform-admin`: members of `flotilla:platform-admins`;
 * - an `AccessRule`: the RBAC policy decides, per object.
 */
export type AccessPolicy = 'public' | 'agent' | 'authenticated' | 'platform-admin' | AccessRule;

export const ACCESS_POLICY = 'flotilla:access';

/** Declares the access policy of a resolver, field resolver or controller route. */
export const Access = (policy: AccessPolicy) => SetMetadata(ACCESS_POLICY, policy);

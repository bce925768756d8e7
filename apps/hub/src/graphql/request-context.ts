import type { Request } from 'express';
import type { Authentication, Principal } from '../auth/principal';

/** What every resolver can read of the request: who is calling and how to trace it. */
export interface RequestContext {
  req: Request;
  auth: Authentication;
  requestId: string;
  clientAddress: string | null;
  /** The caller's RBAC decisions, set by the guard for every non-public operation. */
  authz?: { can(resource: string, action: string, object: string): boolean };
}

/** The RBAC decisions of the caller (the guard has set them for any non-public operation). */
export function authzOf(context: RequestContext): NonNullable<RequestContext['authz']> {
  if (!context.authz) throw new Error('authzOf on a request the guard did not authorise');
  return context.authz;
}

/** The caller of an operation the guard has let through as authenticated. */
export function principalOf(context: RequestContext): Principal {
  if (context.auth.kind !== 'authenticated')
    throw new Error('principalOf on an unauthenticated request');
  return context.auth.principal;
}

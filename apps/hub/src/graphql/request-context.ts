import type { Request } from 'express';
import type { Authentication, Principal } from '../auth/principal';

/** What every resolver can read of the request: who is calling and how to trace it. */
export interface RequestContext {
  req: Request;
  auth: Authentication;
  requestId: string;
  clientAddress: string | null;
}

/** The caller of an operation the guard has let through as authenticated. */
export function principalOf(context: RequestContext): Principal {
  if (context.auth.kind !== 'authenticated') throw new Error('principalOf on an unauthenticated request');
  return context.auth.principal;
}

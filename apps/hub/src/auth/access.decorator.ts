import { SetMetadata } from '@nestjs/common';

/**
 * Who may call a resolver or controller. Every handler must declare one: the global guard
 * refuses handlers without it, so a new resolver cannot forget authorisation.
 * - `public`: anyone (only `health`);
 * - `authenticated`: any verified caller (the handler filters what it returns);
 * - `platform-admin`: members of `flotilla:platform-admins`.
 */
export type AccessPolicy = 'public' | 'authenticated' | 'platform-admin';

export const ACCESS_POLICY = 'flotilla:access';

/** Declares the access policy of a resolver, field resolver or controller route. */
export const Access = (policy: AccessPolicy) => SetMetadata(ACCESS_POLICY, policy);

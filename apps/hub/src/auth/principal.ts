/** The group whose members administer the whole platform. */
export const PLATFORM_ADMINS = 'flotilla:platform-admins';

/** Who is calling: the verified token's subject and groups. */
export interface Principal {
  sub: string;
  groups: readonly string[];
}

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.groups.includes(PLATFORM_ADMINS);
}

/** The outcome of reading a request's credentials, kept for the guard to decide on. */
export type Authentication =
  | { kind: 'authenticated'; principal: Principal }
  | { kind: 'anonymous' }
  | { kind: 'rejected'; reason: string };

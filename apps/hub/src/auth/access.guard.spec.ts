import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { DomainError } from '@flotilla/domain';
import { Access, type AccessPolicy } from './access.decorator';
import { AccessGuard } from './access.guard';
import { PLATFORM_ADMINS, type Authentication } from './principal';

class Undeclared {
  handler() {
    return 1;
  }
}

function contextFor(policy: AccessPolicy | null, auth: Authentication): ExecutionContext {
  class Target {
    handler() {
      return 1;
    }
  }
  if (policy) Access(policy)(Target.prototype, 'handler', Object.getOwnPropertyDescriptor(Target.prototype, 'handler')!);
  const cls = policy ? Target : Undeclared;
  return {
    getHandler: () => cls.prototype.handler,
    getClass: () => cls,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ flotilla: { auth } }) }),
  } as unknown as ExecutionContext;
}

const admin: Authentication = { kind: 'authenticated', principal: { sub: 'a', groups: [PLATFORM_ADMINS] } };
const dev: Authentication = { kind: 'authenticated', principal: { sub: 'd', groups: ['team-a'] } };

describe('AccessGuard', () => {
  const guard = new AccessGuard(new Reflector());
  const code = (f: () => unknown) => {
    try {
      f();
      return 'allowed';
    } catch (e) {
      return e instanceof DomainError ? e.code : 'error';
    }
  };

  it.each([
    ['public', { kind: 'anonymous' }, 'allowed'],
    ['authenticated', { kind: 'anonymous' }, 'UNAUTHENTICATED'],
    ['authenticated', { kind: 'rejected', reason: 'expired' }, 'UNAUTHENTICATED'],
    ['authenticated', dev, 'allowed'],
    ['platform-admin', dev, 'FORBIDDEN'],
    ['platform-admin', admin, 'allowed'],
  ] as [AccessPolicy, Authentication, string][])('%s with %j → %s', (policy, auth, expected) => {
    expect(code(() => guard.canActivate(contextFor(policy, auth)))).toBe(expected);
  });

  it('fails closed for a handler that declares no policy, even for an admin', () => {
    expect(() => guard.canActivate(contextFor(null, admin))).toThrow(/declares no @Access policy/);
  });
});

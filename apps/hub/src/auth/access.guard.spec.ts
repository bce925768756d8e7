import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { DomainError } from '@flotilla/domain';
import { PolicyProvider } from '../authz/policy-provider';
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
  if (policy)
    Access(policy)(
      Target.prototype,
      'handler',
      Object.getOwnPropertyDescriptor(Target.prototype, 'handler')!,
    );
  const cls = policy ? Target : Undeclared;
  return {
    getHandler: () => cls.prototype.handler,
    getClass: () => cls,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ flotilla: { auth } }) }),
  } as unknown as ExecutionContext;
}

const admin: Authentication = {
  kind: 'authenticated',
  principal: { sub: 'a', groups: [PLATFORM_ADMINS] },
};
const dev: Authentication = { kind: 'authenticated', principal: { sub: 'd', groups: ['team-a'] } };
const outsider: Authentication = {
  kind: 'authenticated',
  principal: { sub: 'o', groups: ['team-b'] },
};
const rule = (action: string): AccessPolicy => ({
  resource: 'tenants',
  action,
  object: () => 'team-a',
});

describe('AccessGuard', () => {
  const guard = new AccessGuard(
    new Reflector(),
    new PolicyProvider(
      ['p, role:viewer-a, tenants, get, team-a, allow', 'g, team-a, role:viewer-a'],
      [],
    ),
  );
  const outcome = async (policy: AccessPolicy | null, auth: Authentication) => {
    try {
      await guard.canActivate(contextFor(policy, auth));
      return 'allowed';
    } catch (e) {
      return e instanceof DomainError ? e.code : (e as Error).message;
    }
  };

  it.each([
    ['public', { kind: 'anonymous' }, 'allowed'],
    ['authenticated', { kind: 'anonymous' }, 'UNAUTHENTICATED'],
    ['authenticated', { kind: 'rejected', reason: 'expired' }, 'UNAUTHENTICATED'],
    ['authenticated', dev, 'allowed'],
    ['platform-admin', dev, 'FORBIDDEN'],
    ['platform-admin', admin, 'allowed'],
    [rule('get'), dev, 'allowed'],
    [rule('update'), dev, 'FORBIDDEN'], // sees it, may not change it
    [rule('get'), outsider, 'NOT_FOUND'], // may not even know it exists
    [rule('update'), outsider, 'NOT_FOUND'],
    [rule('create'), outsider, 'FORBIDDEN'], // nothing to hide about a new name
    [rule('delete'), admin, 'allowed'],
    [rule('get'), { kind: 'anonymous' }, 'UNAUTHENTICATED'],
  ] as [AccessPolicy, Authentication, string][])(
    '%j with %j → %s',
    async (policy, auth, expected) => {
      expect(await outcome(policy, auth)).toBe(expected);
    },
  );

  it('fails closed for a handler that declares no policy, even for an admin', async () => {
    expect(await outcome(null, admin)).toMatch(/declares no @Access policy/);
  });
});

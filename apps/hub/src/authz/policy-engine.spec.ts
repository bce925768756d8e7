import { DomainError } from '@flotilla/domain';
import { BUILTIN_POLICY, parsePolicyCsv, PolicyEngine } from './policy-engine';

const policy = `
# tenant team-a
p, role:deployer, applications, sync, team-a/*, allow
p, role:deployer, applications, get, team-a/*, allow
p, role:deployer, applications, sync, team-a/payments-*, deny
g, team-a-devs, role:deployer
p, carol, clusters, get, *, allow
`;

describe('PolicyEngine (Argo CD RBAC model)', () => {
  let engine: PolicyEngine;
  beforeAll(async () => {
    engine = await PolicyEngine.create([
      ...BUILTIN_POLICY,
      ...parsePolicyCsv(policy, 'policy.csv'),
    ]);
  });

  it.each([
    [{ sub: 'root', groups: ['flotilla:platform-admins'] }, 'tenants', 'delete', 'team-b', true],
    [{ sub: 'dev', groups: ['team-a-devs'] }, 'applications', 'sync', 'team-a/web', true],
    [{ sub: 'dev', groups: ['team-a-devs'] }, 'applications', 'get', 'team-a/web', true],
    [{ sub: 'dev', groups: ['team-a-devs'] }, 'applications', 'delete', 'team-a/web', false],
    [{ sub: 'dev', groups: ['team-a-devs'] }, 'applications', 'sync', 'team-b/web', false],
    [{ sub: 'dev', groups: ['team-a-devs'] }, 'applications', 'sync', 'team-a/payments-api', false],
    [{ sub: 'dev', groups: [] }, 'applications', 'get', 'team-a/web', false],
    [{ sub: 'carol', groups: [] }, 'clusters', 'get', 'prod-1', true],
    [{ sub: 'team-a-devs', groups: [] }, 'applications', 'get', 'team-a/web', true],
  ])('%j %s %s %s → %s', (principal, resource, action, object, expected) => {
    expect(engine.can(principal, resource, action, object)).toBe(expected);
  });

  it.each([
    ['x, a, b', /policy.csv:1: a policy line starts with "p," or "g,"/],
    ['p, a, b, c', /policy.csv:1: expected "p, subject, resource, action, object, allow\|deny"/],
    ['p, a, b, c, d, maybe', /policy.csv:1: the effect must be allow or deny, not "maybe"/],
    ['\n\ng, only-one', /policy.csv:3: expected "g, subject, role"/],
  ])('names the line of a bad policy: %j', (text, message) => {
    expect(() => parsePolicyCsv(text, 'policy.csv')).toThrow(DomainError);
    expect(() => parsePolicyCsv(text, 'policy.csv')).toThrow(message);
  });
});

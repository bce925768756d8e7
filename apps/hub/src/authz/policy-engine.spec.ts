import { DomainError } from '@flotilla/domain';
import { parsePolicyCsv, PolicyEngine } from './policy-engine';

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
      { tenant: null, lines: parsePolicyCsv(policy, 'policy.csv') },
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

  describe('sharded by tenant', () => {
    const tenantA = [
      'p, proj:team-a:deployer, applications, *, team-a/*, allow',
      'p, proj:team-a:deployer, applications, delete, team-a/prod-*, deny',
      'g, team-a-devs, proj:team-a:deployer',
    ];
    const tenantB = [
      'p, proj:team-b:viewer, *, get, team-b/*, allow',
      'g, team-b-viewers, proj:team-b:viewer',
    ];
    const platform = ['p, role:auditor, audit, get, *, allow', 'g, auditors, role:auditor'];

    it.each([
      [{ sub: 'd', groups: ['team-a-devs'] }, 'applications', 'sync', 'team-a/web'],
      [{ sub: 'd', groups: ['team-a-devs'] }, 'applications', 'delete', 'team-a/prod-db'],
      [{ sub: 'd', groups: ['team-a-devs'] }, 'applications', 'get', 'team-b/web'],
      [{ sub: 'v', groups: ['team-b-viewers'] }, 'clusters', 'get', 'team-b/c1'],
      [{ sub: 'v', groups: ['team-b-viewers', 'team-a-devs'] }, 'applications', 'sync', 'team-a/x'],
      [{ sub: 'e', groups: ['auditors'] }, 'audit', 'get', 'team-a'],
      [{ sub: 'e', groups: ['auditors'] }, 'audit', 'get', '*'],
      [{ sub: 'r', groups: ['flotilla:platform-admins'] }, 'tenants', 'delete', 'team-c'],
      [{ sub: 'x', groups: [] }, 'tenants', 'get', 'team-a'],
    ])('%j %s %s %s: the same answer as one unsharded policy', async (principal, res, act, obj) => {
      const sharded = await PolicyEngine.create([
        { tenant: null, lines: platform },
        { tenant: 'team-a', lines: tenantA },
        { tenant: 'team-b', lines: tenantB },
      ]);
      const whole = await PolicyEngine.create([
        { tenant: null, lines: [...platform, ...tenantA, ...tenantB] },
      ]);
      expect(sharded.can(principal, res, act, obj)).toBe(whole.can(principal, res, act, obj));
    });

    it('rebuilds only the shards whose lines changed', async () => {
      const first = await PolicyEngine.create([
        { tenant: 'team-a', lines: tenantA },
        { tenant: 'team-b', lines: tenantB },
      ]);
      const second = await PolicyEngine.create(
        [
          { tenant: 'team-a', lines: tenantA },
          { tenant: 'team-b', lines: [...tenantB, 'g, more-viewers, proj:team-b:viewer'] },
        ],
        first,
      );
      const shards = (e: PolicyEngine) =>
        (e as unknown as { shards: Map<string, { enforcer: unknown }> }).shards;
      expect(shards(second).get('team-a')?.enforcer).toBe(shards(first).get('team-a')?.enforcer);
      expect(shards(second).get('team-b')?.enforcer).not.toBe(
        shards(first).get('team-b')?.enforcer,
      );
      expect(
        second.can({ sub: 'm', groups: ['more-viewers'] }, 'applications', 'get', 'team-b/x'),
      ).toBe(true);
      expect(
        first.can({ sub: 'm', groups: ['more-viewers'] }, 'applications', 'get', 'team-b/x'),
      ).toBe(false);
    });
  });
});

import { DomainError } from '../domain-error';
import { parseTenantSpec } from './tenant-spec.schema';
import { validSpec } from './tenant.fixture';

type Mutate = (spec: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

function errorOf(input: unknown): DomainError {
  try {
    parseTenantSpec(input);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected parseTenantSpec to fail');
}

describe('parseTenantSpec', () => {
  it('refuses a spec that is not an object', () => {
    expect(errorOf('team-a')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'spec' });
  });

  it('accepts a complete spec and fills defaults', () => {
    const spec = parseTenantSpec(validSpec());
    expect(spec.name).toBe('team-a');
    expect(spec.syncWindows[0]).toMatchObject({
      applications: [],
      namespaces: [],
      manualSync: true,
    });
    expect(spec.roles[0]!.policies).toHaveLength(2);
  });

  it('fills every list for a minimal spec', () => {
    expect(parseTenantSpec({ name: 'x' })).toEqual({
      name: 'x',
      description: '',
      sourceRepos: [],
      sourceReposDeny: [],
      destinations: [],
      clusterResourceWhitelist: [],
      namespaceResourceBlacklist: [],
      roles: [],
      syncWindows: [],
    });
  });

  it.each<[string, Mutate, string, string]>([
    [
      'unknown top-level field',
      (s) => (s.sourceNamespaces = ['x']),
      'sourceNamespaces',
      'unknown field',
    ],
    [
      'unknown nested field',
      (s) => (s.destinations[0].server = 'https://x'),
      'destinations[0].server',
      'unknown field',
    ],
    [
      'unknown selector field',
      (s) => (s.destinations[1].clusterSelector.matchExpressions[0].value = 'x'),
      'destinations[1].clusterSelector.matchExpressions[0].value',
      'unknown field',
    ],
    ['missing name', (s) => delete s.name, 'name', 'is required'],
    [
      'wrong type',
      (s) => (s.sourceRepos = 'https://github.com/x'),
      'sourceRepos',
      'expected array',
    ],
    ['name not DNS-1123', (s) => (s.name = 'Team_A'), 'name', 'invalid tenant name "Team_A"'],
    [
      'name too long',
      (s) => (s.name = 'a'.repeat(64)),
      'name',
      'must be no more than 63 characters',
    ],
    ['description too long', (s) => (s.description = 'x'.repeat(256)), 'description', '255'],
    [
      'source glob',
      (s) => (s.sourceRepos[0] = 'https://github.com/[team'),
      'sourceRepos[0]',
      'invalid glob "https://github.com/[team" (unexpected end of input)',
    ],
    ['source !*', (s) => s.sourceRepos.push('!*'), 'sourceRepos[2]', "'!*' is invalid"],
    [
      'duplicate source',
      (s) => s.sourceRepos.push('https://github.com/team-a/*'),
      'sourceRepos[2]',
      'listed twice',
    ],
    [
      'deny list with !',
      (s) => (s.sourceReposDeny[0] = '!x'),
      'sourceReposDeny[0]',
      'already denials',
    ],
    [
      'deny list denying all',
      (s) => (s.sourceReposDeny[0] = '*'),
      'sourceReposDeny[0]',
      "'*' is invalid",
    ],
    [
      'deny list glob',
      (s) => (s.sourceReposDeny[0] = '[]'),
      'sourceReposDeny[0]',
      'could not parse range',
    ],
    [
      'selector operator',
      (s) => (s.destinations[1].clusterSelector.matchExpressions[0].operator = 'Gt'),
      'destinations[1].clusterSelector.matchExpressions[0].operator',
      '"Gt" is not a valid label selector operator',
    ],
    [
      'selector value',
      (s) => (s.destinations[0].clusterSelector.matchLabels.env = 'prod!'),
      'destinations[0].clusterSelector.matchLabels["env"]',
      'invalid label value "prod!"',
    ],
    [
      'no namespaces',
      (s) => (s.destinations[0].namespaces = []),
      'destinations[0].namespaces',
      'at least one namespace',
    ],
    [
      'namespace glob',
      (s) => (s.destinations[0].namespaces[1] = '!team-[a'),
      'destinations[0].namespaces[1]',
      'invalid glob "team-[a"',
    ],
    [
      'namespace !*',
      (s) => (s.destinations[1].namespaces = ['*', '!*']),
      'destinations[1].namespaces[1]',
      "'!*' is invalid",
    ],
    [
      'cluster kind pattern',
      (s) => (s.clusterResourceWhitelist[0].kind = '[]'),
      'clusterResourceWhitelist[0].kind',
      'invalid pattern "[]"',
    ],
    [
      'empty kind',
      (s) => (s.namespaceResourceBlacklist[0].kind = ''),
      'namespaceResourceBlacklist[0].kind',
      'must not be empty',
    ],
    [
      'group-kind missing kind',
      (s) => (s.clusterResourceWhitelist[0] = { group: '' }),
      'clusterResourceWhitelist[0].kind',
      'is required',
    ],
    [
      'duplicate group-kind',
      (s) => s.namespaceResourceBlacklist.push({ group: '', kind: 'ResourceQuota' }),
      'namespaceResourceBlacklist[1]',
      'listed twice',
    ],
    ['role name', (s) => (s.roles[0].name = '-bad'), 'roles[0].name', 'invalid role name "-bad"'],
    [
      'duplicate role',
      (s) => s.roles.push({ name: 'deployer' }),
      'roles[1]',
      'role "deployer" is listed twice',
    ],
    [
      'group with comma unquoted',
      (s) => (s.roles[0].groups[0] = 'a,b'),
      'roles[0].groups[0]',
      'must be quoted',
    ],
    [
      'duplicate group',
      (s) => s.roles[0].groups.push('team-a-devs'),
      'roles[0].groups[2]',
      'listed twice',
    ],
    [
      'policy shape',
      (s) => (s.roles[0].policies[0] = 'p, proj:team-a:deployer, applications, sync'),
      'roles[0].policies[0]',
      "must be of the form 'p, sub, res, act, obj, eft'",
    ],
    [
      'policy for another tenant',
      (s) =>
        (s.roles[0].policies[0] = 'p, proj:team-b:deployer, applications, sync, team-b/*, allow'),
      'roles[0].policies[0]',
      "policy subject must be 'proj:team-a:deployer', not 'proj:team-b:deployer'",
    ],
    [
      'policy for another role',
      (s) => (s.roles[0].policies[0] = 'p, proj:team-a:admin, applications, sync, team-a/*, allow'),
      'roles[0].policies[0]',
      "policy subject must be 'proj:team-a:deployer'",
    ],
    [
      "policy on another tenant's objects",
      (s) =>
        (s.roles[0].policies[0] = 'p, proj:team-a:deployer, applications, sync, team-b/*, allow'),
      'roles[0].policies[0]',
      "object must be of form 'team-a/*' or 'team-a/<NAME>', not 'team-b/*'",
    ],
    [
      'policy object wildcard escape',
      (s) => (s.roles[0].policies[0] = 'p, proj:team-a:deployer, applications, sync, */*, allow'),
      'roles[0].policies[0]',
      'object must be of form',
    ],
    [
      'policy resource',
      (s) => (s.roles[0].policies[0] = 'p, proj:team-a:deployer, projects, get, team-a/*, allow'),
      'roles[0].policies[0]',
      'resource must be one of',
    ],
    [
      'policy action',
      (s) =>
        (s.roles[0].policies[0] =
          'p, proj:team-a:deployer, applications, destroy, team-a/*, allow'),
      'roles[0].policies[0]',
      "invalid action 'destroy'",
    ],
    [
      'policy effect',
      (s) =>
        (s.roles[0].policies[0] = 'p, proj:team-a:deployer, applications, get, team-a/*, maybe'),
      'roles[0].policies[0]',
      "effect must be 'allow' or 'deny'",
    ],
    [
      'duplicate policy',
      (s) =>
        s.roles[0].policies.push('p, proj:team-a:deployer, applications, sync, team-a/*, allow'),
      'roles[0].policies[2]',
      'listed twice',
    ],
    ['window kind', (s) => (s.syncWindows[0].kind = 'block'), 'syncWindows[0].kind', 'allow'],
    [
      'cron out of range',
      (s) => (s.syncWindows[0].schedule = '61 * * * *'),
      'syncWindows[0].schedule',
      'invalid cron "61 * * * *" (Constraint error, got value 61 expected range 0-59)',
    ],
    [
      'cron with seconds',
      (s) => (s.syncWindows[0].schedule = '0 0 22 * * *'),
      'syncWindows[0].schedule',
      'expected exactly 5 fields',
    ],
    [
      'cron descriptor',
      (s) => (s.syncWindows[0].schedule = '@daily'),
      'syncWindows[0].schedule',
      'expected exactly 5 fields',
    ],
    [
      'cron Quartz L',
      (s) => (s.syncWindows[0].schedule = '0 0 L * *'),
      'syncWindows[0].schedule',
      'day of month field "L"',
    ],
    [
      'cron day of week 7',
      (s) => (s.syncWindows[0].schedule = '0 0 * * 1-7'),
      'syncWindows[0].schedule',
      'day of week must be 0-6',
    ],
    [
      'cron impossible date',
      (s) => (s.syncWindows[0].schedule = '0 0 30 2 *'),
      'syncWindows[0].schedule',
      'Invalid explicit day of month',
    ],
    [
      'duration malformed',
      (s) => (s.syncWindows[0].duration = '1 hour'),
      'syncWindows[0].duration',
      'time: ',
    ],
    [
      'duration without unit',
      (s) => (s.syncWindows[0].duration = '90'),
      'syncWindows[0].duration',
      'missing unit',
    ],
    [
      'duration zero',
      (s) => (s.syncWindows[0].duration = '0'),
      'syncWindows[0].duration',
      'must be positive',
    ],
    [
      'time zone',
      (s) => (s.syncWindows[0].timeZone = 'Mars/Olympus'),
      'syncWindows[0].timeZone',
      'unknown time zone "Mars/Olympus"',
    ],
    [
      'window glob',
      (s) => (s.syncWindows[0].applications = ['web-[']),
      'syncWindows[0].applications[0]',
      'invalid glob',
    ],
    [
      'window matches nothing',
      (s) => (s.syncWindows[0].clusters = []),
      'syncWindows[0]',
      'requires one of applications, clusters or namespaces',
    ],
    [
      'manualSync type',
      (s) => (s.syncWindows[0].manualSync = 'yes'),
      'syncWindows[0].manualSync',
      'expected boolean',
    ],
    [
      'duplicate window',
      (s) => s.syncWindows.push({ ...s.syncWindows[0] }),
      'syncWindows[1]',
      'already exists',
    ],
  ])('%s: names %s', (_name, mutate, field, message) => {
    const input = validSpec() as Record<string, unknown>;
    mutate(input);
    const err = errorOf(input);
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(err.message).toContain(message);
  });
});

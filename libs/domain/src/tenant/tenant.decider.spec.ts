import { DomainError } from '../domain-error';
import {
  decide,
  evolve,
  initialTenantState,
  type TenantCommand,
  type TenantState,
} from './tenant.decider';
import type { TenantEvent } from './tenant.events';
import { tenantEventSchemas } from './tenant.events';
import { parseTenantSpec } from './tenant-spec.schema';
import { validSpec } from './tenant.fixture';

const ctx = { now: new Date('2024-05-01T12:00:00Z') };
const spec = parseTenantSpec(validSpec());
const { roles, ...policy } = spec;
const created: TenantEvent = { type: 'TenantCreated', data: { spec } };
const deleted: TenantEvent = { type: 'TenantDeleted', data: { name: 'team-a' } };
const owned = (clusters: number, applications: number) => ({ clusters, applications });

const withLabels = (matchLabels: Record<string, string>) =>
  parseTenantSpec({
    ...validSpec(),
    destinations: [{ clusterSelector: { matchLabels }, namespaces: ['*'] }],
  });

const given = (events: TenantEvent[]): TenantState => events.reduce(evolve, initialTenantState);
const when = (events: TenantEvent[], command: TenantCommand): TenantEvent[] => {
  const out = decide(command, given(events), ctx);
  // Every event decided must satisfy its own schema, as the event store will check on append.
  for (const e of out) tenantEventSchemas[e.type].schema.parse(e.data);
  return out;
};
const failure = (events: TenantEvent[], command: TenantCommand): DomainError => {
  try {
    when(events, command);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
};

describe('tenant decider', () => {
  describe('then events', () => {
    it.each<[string, TenantEvent[], TenantCommand, TenantEvent[]]>([
      ['create', [], { type: 'CreateTenant', data: { spec: validSpec() } }, [created]],
      [
        're-create after delete',
        [created, deleted],
        { type: 'CreateTenant', data: { spec: validSpec() } },
        [created],
      ],
      [
        'update without change',
        [created],
        { type: 'UpdateTenant', data: { spec: validSpec() } },
        [],
      ],
      [
        'update without change, matchLabels keys reordered',
        [{ type: 'TenantCreated', data: { spec: withLabels({ a: '1', b: '2' }) } }],
        { type: 'UpdateTenant', data: { spec: withLabels({ b: '2', a: '1' }) } },
        [],
      ],
      [
        'update policy only',
        [created],
        {
          type: 'UpdateTenant',
          data: { spec: { ...validSpec(), sourceRepos: ['https://github.com/team-a/app'] } },
        },
        [
          {
            type: 'TenantUpdated',
            data: { spec: { ...policy, sourceRepos: ['https://github.com/team-a/app'] } },
          },
        ],
      ],
      [
        'update roles only',
        [created],
        { type: 'UpdateTenant', data: { spec: { ...validSpec(), roles: [] } } },
        [{ type: 'TenantRoleBindingsChanged', data: { name: 'team-a', roles: [] } }],
      ],
      [
        'update both',
        [created],
        { type: 'UpdateTenant', data: { spec: { ...validSpec(), description: 'new', roles: [] } } },
        [
          { type: 'TenantUpdated', data: { spec: { ...policy, description: 'new' } } },
          { type: 'TenantRoleBindingsChanged', data: { name: 'team-a', roles: [] } },
        ],
      ],
      [
        'set role bindings',
        [created],
        {
          type: 'SetTenantRoleBindings',
          data: { name: 'team-a', roles: [{ name: 'viewer', groups: ['all'] }] },
        },
        [
          {
            type: 'TenantRoleBindingsChanged',
            data: {
              name: 'team-a',
              roles: [{ name: 'viewer', description: '', groups: ['all'], policies: [] }],
            },
          },
        ],
      ],
      [
        'set role bindings without change',
        [created],
        { type: 'SetTenantRoleBindings', data: { name: 'team-a', roles } },
        [],
      ],
      [
        'delete',
        [created],
        { type: 'DeleteTenant', data: { name: 'team-a', owned: owned(0, 0) } },
        [deleted],
      ],
    ])('%s', (_name, history, command, expected) => {
      expect(when(history, command)).toEqual(expected);
    });

    it('keeps roles across a policy update and policy across a role change', () => {
      const state = given([
        created,
        { type: 'TenantRoleBindingsChanged', data: { name: 'team-a', roles: [] } },
        { type: 'TenantUpdated', data: { spec: { ...policy, description: 'v2' } } },
      ]);
      expect(state).toEqual({ status: 'active', spec: { ...spec, description: 'v2', roles: [] } });
      expect(given([created, deleted])).toEqual({ status: 'deleted', name: 'team-a' });
    });
  });

  describe('then an error', () => {
    it.each<[string, TenantEvent[], TenantCommand, DomainError['code'], string]>([
      [
        'create existing',
        [created],
        { type: 'CreateTenant', data: { spec: validSpec() } },
        'CONFLICT',
        'tenant team-a already exists',
      ],
      [
        'update missing',
        [],
        { type: 'UpdateTenant', data: { spec: validSpec() } },
        'NOT_FOUND',
        'tenant team-a does not exist',
      ],
      [
        'update deleted',
        [created, deleted],
        { type: 'UpdateTenant', data: { spec: validSpec() } },
        'NOT_FOUND',
        'tenant team-a was deleted',
      ],
      [
        'delete missing',
        [],
        { type: 'DeleteTenant', data: { name: 'team-a', owned: owned(0, 0) } },
        'NOT_FOUND',
        'tenant team-a does not exist',
      ],
      [
        'delete deleted',
        [created, deleted],
        { type: 'DeleteTenant', data: { name: 'team-a', owned: owned(0, 0) } },
        'NOT_FOUND',
        'tenant team-a was deleted',
      ],
      [
        'roles of missing',
        [],
        { type: 'SetTenantRoleBindings', data: { name: 'team-a', roles: [] } },
        'NOT_FOUND',
        'tenant team-a does not exist',
      ],
      [
        'delete while owning both',
        [created],
        { type: 'DeleteTenant', data: { name: 'team-a', owned: owned(3, 12) } },
        'CONFLICT',
        'tenant team-a still owns 3 clusters and 12 applications; deregister or move them first',
      ],
      [
        'delete while owning one cluster',
        [created],
        { type: 'DeleteTenant', data: { name: 'team-a', owned: owned(1, 0) } },
        'CONFLICT',
        'tenant team-a still owns 1 cluster; deregister or move them first',
      ],
      [
        'delete while owning one application',
        [created],
        { type: 'DeleteTenant', data: { name: 'team-a', owned: owned(0, 1) } },
        'CONFLICT',
        'tenant team-a still owns 1 application; deregister or move them first',
      ],
      [
        'create invalid',
        [],
        { type: 'CreateTenant', data: { spec: { ...validSpec(), sourceRepos: ['!*'] } } },
        'BAD_USER_INPUT',
        "sourceRepos[0]: '!*' is invalid",
      ],
      [
        'rename',
        [created],
        { type: 'UpdateTenant', data: { spec: { ...validSpec(), name: 'team-b', roles: [] } } },
        'BAD_USER_INPUT',
        'name: a tenant cannot be renamed (team-a to team-b)',
      ],
      [
        'role policy for another tenant',
        [created],
        {
          type: 'SetTenantRoleBindings',
          data: {
            name: 'team-a',
            roles: [
              { name: 'r', policies: ['p, proj:team-b:r, applications, get, team-b/*, allow'] },
            ],
          },
        },
        'BAD_USER_INPUT',
        'roles[0].policies[0]: invalid policy rule',
      ],
    ])('%s', (_name, history, command, code, message) => {
      const err = failure(history, command);
      expect(err.code).toBe(code);
      expect(err.message).toContain(message);
    });
  });
});

import { Args, Context, GraphQLISODateTime, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DomainError, type TenantSpecInput as DomainSpecInput } from '@flotilla/domain';
import { Access } from '../auth/access.decorator';
import { pageArgsByName } from '../graphql/page-args';
import { authzOf, type RequestContext } from '../graphql/request-context';
import { Tenant, TenantConnection } from './tenant.model';
import { TenantRoleInput, TenantSpecInput } from './tenant.input';
import { TenantService, type TenantView } from './tenant.service';

const byName = (field: string) => (args: Record<string, unknown>) => String(args[field] ?? '');
const bySpecName = (args: Record<string, unknown>) =>
  String((args['spec'] as { name?: unknown } | undefined)?.name ?? '');

@Resolver(() => Tenant)
export class TenantResolver {
  constructor(private readonly service: TenantService) {}

  @Access('authenticated')
  @Query(() => TenantConnection, { description: 'The tenants the caller may see, by name.' })
  async tenants(
    @Context() context: RequestContext,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<TenantConnection> {
    const page = pageArgsByName(first, after);
    const authz = authzOf(context);
    const visible = await this.service.list((name) => authz.can('tenants', 'get', name));
    const rest =
      page.after === undefined ? visible : visible.filter((t) => t.spec.name > page.after!);
    const nodes = rest.slice(0, page.first).map(toTenant);
    return {
      edges: nodes.map((node) => ({ cursor: node.name, node })),
      pageInfo: {
        hasNextPage: rest.length > page.first,
        endCursor: nodes[nodes.length - 1]?.name ?? null,
      },
      totalCount: visible.length,
    };
  }

  @Access({ resource: 'tenants', action: 'get', object: byName('name') })
  @Query(() => Tenant, {
    description: 'One tenant; with asOf, as it was at that moment (from the log).',
  })
  async tenant(
    @Args('name', { type: () => String }) name: string,
    @Args('asOf', { type: () => GraphQLISODateTime, nullable: true }) asOf: Date | null,
  ): Promise<Tenant> {
    const view = asOf ? await this.service.getAsOf(name, asOf) : await this.service.get(name);
    if (!view)
      throw new DomainError(
        'NOT_FOUND',
        asOf ? `tenant ${name} did not exist at ${asOf.toISOString()}` : `tenant ${name} not found`,
      );
    return toTenant(view);
  }

  @Access({ resource: 'tenants', action: 'create', object: bySpecName })
  @Mutation(() => Tenant)
  async createTenant(
    @Args('spec', { type: () => TenantSpecInput }) spec: TenantSpecInput,
    @Context() context: RequestContext,
  ): Promise<Tenant> {
    return this.run(spec.name, { type: 'CreateTenant', data: { spec: plain(spec) } }, context);
  }

  @Access({ resource: 'tenants', action: 'update', object: bySpecName })
  @Mutation(() => Tenant, {
    description: 'Replaces the tenant policy; roles only change when given.',
  })
  async updateTenant(
    @Args('spec', { type: () => TenantSpecInput }) spec: TenantSpecInput,
    @Context() context: RequestContext,
  ): Promise<Tenant> {
    const current = await this.service.get(spec.name);
    const input = plain(spec);
    const withRoles =
      input.roles === undefined && current ? { ...input, roles: current.spec.roles } : input;
    return this.run(spec.name, { type: 'UpdateTenant', data: { spec: withRoles } }, context);
  }

  @Access({ resource: 'tenants', action: 'bind', object: byName('name') })
  @Mutation(() => Tenant, {
    description: "Replaces the tenant's roles: tenant admins manage their own.",
  })
  async setTenantRoleBindings(
    @Args('name', { type: () => String }) name: string,
    @Args('roles', { type: () => [TenantRoleInput] }) roles: TenantRoleInput[],
    @Context() context: RequestContext,
  ): Promise<Tenant> {
    return this.run(
      name,
      { type: 'SetTenantRoleBindings', data: { name, roles: plain(roles) } },
      context,
    );
  }

  @Access({ resource: 'tenants', action: 'delete', object: byName('name') })
  @Mutation(() => Boolean, {
    description: 'Refused while the tenant owns clusters or applications.',
  })
  async deleteTenant(
    @Args('name', { type: () => String }) name: string,
    @Context() context: RequestContext,
  ): Promise<boolean> {
    // Clusters and applications arrive with later issues; until then a tenant owns neither.
    await this.service.execute(
      name,
      { type: 'DeleteTenant', data: { name, owned: { clusters: 0, applications: 0 } } },
      context,
    );
    return true;
  }

  private async run(
    name: string,
    command: Parameters<TenantService['execute']>[1],
    context: RequestContext,
  ): Promise<Tenant> {
    const view = await this.service.execute(name, command, context);
    if (!view) throw new DomainError('NOT_FOUND', `tenant ${name} not found`);
    return toTenant(view);
  }
}

/** GraphQL inputs arrive as null-prototype objects with explicit nulls; the domain wants JSON. */
function plain<T>(input: T): T extends TenantSpecInput ? DomainSpecInput : never;
function plain(input: unknown): never {
  return JSON.parse(
    JSON.stringify(input, (_k, v: unknown) => (v === null ? undefined : v)),
  ) as never;
}

function toTenant(view: TenantView): Tenant {
  const s = view.spec;
  return {
    name: s.name,
    description: s.description,
    sourceRepos: s.sourceRepos,
    sourceReposDeny: s.sourceReposDeny,
    destinations: s.destinations.map((d) => ({
      namespaces: d.namespaces,
      clusterSelector: {
        matchLabels: d.clusterSelector.matchLabels ?? {},
        matchExpressions: (d.clusterSelector.matchExpressions ?? []).map((e) => ({
          key: e.key,
          operator: e.operator,
          values: e.values ?? [],
        })),
      },
    })),
    clusterResourceWhitelist: s.clusterResourceWhitelist,
    namespaceResourceBlacklist: s.namespaceResourceBlacklist,
    roles: s.roles,
    syncWindows: s.syncWindows,
    version: view.version,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

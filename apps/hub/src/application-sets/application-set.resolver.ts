import { Inject } from '@nestjs/common';
import {
  Args,
  Context,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { applicationSetStream, DomainError } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { stringify } from 'yaml';
import { Access } from '../auth/access.decorator';
import { AuditEventConnection } from '../audit/audit-event.model';
import { toAuditEventConnection } from '../audit/audit-event.mapper';
import { pageArgs, pageArgsByName } from '../graphql/page-args';
import { authzOf, type RequestContext } from '../graphql/request-context';
import { EVENT_STORE } from '../infra/tokens';
import { TenantService } from '../tenants/tenant.service';
import { readSubmittedManifest } from './application-set-manifest';
import { metadataOf, objectOf, toApplication, toApplicationSet } from './application-set.mapper';
import { ApplicationSet, ApplicationSetConnection } from './application-set.model';
import { ApplicationSetFilter } from './application-set.input';
import { ApplicationSetReadModel, type ApplicationSetRow } from './application-set.read-model';
import {
  ApplicationSetService,
  applicationSetNotFound,
  type ApplicationSetWrite,
} from './application-set.service';
import { ApplicationConnection } from './application.model';
import { loadForParent, noteParents } from './request-batch';
import { visibleTenants, type Authz } from './tenant-visibility';

/**
 * ApplicationSets: submitted as manifests (YAML or JSON), stored as events, generated into
 * Applications by the worker. Every answer to a write is read after the write (settled).
 * Callers who may not `get` an ApplicationSet get the NOT_FOUND a missing id gets.
 */
@Resolver(() => ApplicationSet)
export class ApplicationSetResolver {
  constructor(
    private readonly service: ApplicationSetService,
    private readonly reads: ApplicationSetReadModel,
    private readonly tenants: TenantService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Access('authenticated')
  @Query(() => ApplicationSetConnection, {
    description: 'Live ApplicationSets you may see, by tenant and name, filtered.',
  })
  async applicationSets(
    @Context() context: RequestContext,
    @Args('filter', { type: () => ApplicationSetFilter, nullable: true })
    filter: ApplicationSetFilter | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<ApplicationSetConnection> {
    const page = pageArgsByName(first, after);
    const authz = authzOf(context);
    const tenants = await visibleTenants(
      this.tenants,
      authz,
      'applicationsets',
      filter?.tenant ?? undefined,
    );
    const { rows, totalCount } = await this.reads.listSets(
      { tenants, ...(filter?.search != null ? { search: filter.search } : {}) },
      page.first + 1,
      page.after,
    );
    // Tenant-wide rights chose the rows; a policy denying single ApplicationSets still hides them.
    const shown = rows.slice(0, page.first);
    const nodes = shown
      .filter((r) => authz.can('applicationsets', 'get', objectOf(r)))
      .map(toApplicationSet);
    noteParents(
      context,
      'ApplicationSet',
      nodes.map((n) => n.id),
    );
    return {
      edges: nodes.map((node) => ({ cursor: objectOf(node), node })),
      pageInfo: {
        hasNextPage: rows.length > page.first,
        endCursor: shown.length > 0 ? objectOf(shown[shown.length - 1]!) : null,
      },
      totalCount,
    };
  }

  @Access('authenticated')
  @Query(() => ApplicationSet, { description: 'One live ApplicationSet.' })
  async applicationSet(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ApplicationSet> {
    return toApplicationSet(await this.visibleRow(authzOf(context), id));
  }

  @Access('authenticated')
  @Mutation(() => ApplicationSet, {
    description:
      'Submits an ApplicationSet (YAML or JSON, Argo CD format) to a tenant; its name is ' +
      'metadata.name, unique in the tenant. The worker generates its Applications.',
  })
  async createApplicationSet(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String }) tenant: string,
    @Args('manifest', { type: () => String }) manifest: string,
  ): Promise<ApplicationSet> {
    const submitted = readSubmittedManifest(manifest);
    const object = `${tenant}/${submitted.name}`;
    if (!authzOf(context).can('applicationsets', 'create', object))
      throw new DomainError('FORBIDDEN', `you may not create applicationset ${object}`);
    if (!(await this.tenants.get(tenant)))
      throw new DomainError('NOT_FOUND', `tenant ${tenant} not found`, 'tenant');
    const write = await this.service.create(tenant, submitted, metadataOf(context));
    return this.afterWrite(write);
  }

  @Access('authenticated')
  @Mutation(() => ApplicationSet, {
    description: "Replaces an ApplicationSet's manifest (metadata.name may not change).",
  })
  async updateApplicationSet(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('manifest', { type: () => String }) manifest: string,
  ): Promise<ApplicationSet> {
    const current = await this.authorised(authzOf(context), id, 'update');
    const submitted = readSubmittedManifest(manifest);
    if (submitted.name !== current.name)
      throw new DomainError(
        'BAD_USER_INPUT',
        `manifest.metadata.name: an ApplicationSet cannot be renamed (${JSON.stringify(current.name)} ` +
          `→ ${JSON.stringify(submitted.name)}); create a new one and delete this one instead`,
        'manifest.metadata.name',
      );
    const write = await this.service.execute(
      id,
      { type: 'UpdateApplicationSet', data: { manifest: submitted.manifest } },
      metadataOf(context),
    );
    return this.afterWrite(write);
  }

  @Access('authenticated')
  @Mutation(() => ApplicationSet, {
    description:
      'Deletes an ApplicationSet and frees its name; the worker deletes its Applications. ' +
      'Answers the ApplicationSet as it was, with deletedAt set.',
  })
  async deleteApplicationSet(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ApplicationSet> {
    await this.authorised(authzOf(context), id, 'delete');
    await this.service.settle();
    const before = await this.reads.getSet(id);
    if (!before) throw applicationSetNotFound(id);
    const write = await this.service.execute(
      id,
      { type: 'DeleteApplicationSet', data: {} },
      metadataOf(context),
    );
    await this.service.settle();
    const at = write.position !== undefined ? await this.recordedAt(id) : null;
    return {
      ...toApplicationSet(before),
      version: write.state.version,
      deletedAt: at ?? new Date(),
    };
  }

  @Access('authenticated')
  @Mutation(() => ApplicationSet, {
    description:
      'Confirms the deletions the brake holds: `deletions` must name exactly the held set. ' +
      'The next generation applies them; the confirmation is recorded with its actor.',
  })
  async confirmApplicationSetDeletions(
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('deletions', { type: () => [String] }) deletions: string[],
  ): Promise<ApplicationSet> {
    await this.authorised(authzOf(context), id, 'update');
    const write = await this.service.execute(
      id,
      { type: 'ConfirmDeletions', data: { deletions } },
      metadataOf(context),
    );
    return this.afterWrite(write);
  }

  @Access('authenticated')
  @ResolveField(() => String, { description: 'The manifest printed as YAML.' })
  manifestYaml(@Parent() set: ApplicationSet): string {
    return stringify(set.manifest);
  }

  @Access('authenticated')
  @ResolveField(() => ApplicationConnection, {
    description: 'Its Applications (one per cluster), by name.',
  })
  async applications(
    @Context() context: RequestContext,
    @Parent() set: ApplicationSet,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<ApplicationConnection> {
    const page = pageArgsByName(first, after);
    const { rows, totalCount } = await loadForParent(
      context,
      'ApplicationSet',
      `applications:${first}:${after ?? ''}`,
      set.id,
      (ids) => this.reads.applicationsOfSets(ids, page.first + 1, page.after),
    );
    const authz = authzOf(context);
    const shown = rows.slice(0, page.first);
    const nodes = shown
      .filter((r) => authz.can('applications', 'get', objectOf(r)))
      .map(toApplication);
    noteParents(
      context,
      'Application',
      nodes.map((n) => n.id),
    );
    return {
      edges: nodes.map((node) => ({ cursor: node.name, node })),
      pageInfo: {
        hasNextPage: rows.length > page.first,
        endCursor: shown.at(-1)?.name ?? null,
      },
      totalCount,
    };
  }

  @Access('authenticated')
  @ResolveField(() => AuditEventConnection, {
    description: 'What happened to the ApplicationSet, newest first, with actors.',
  })
  async history(
    @Parent() set: ApplicationSet,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEventConnection> {
    const page = pageArgs(first, after);
    const events = await this.store.readAll({
      streamId: applicationSetStream(set.id),
      direction: 'backward',
      limit: page.first + 1,
      ...(page.after !== undefined ? { before: page.after } : {}),
    });
    return toAuditEventConnection(events, page.first);
  }

  /** The ApplicationSet row, if the caller may `get` it; NOT_FOUND hides the rest. */
  private async visibleRow(authz: Authz, id: string): Promise<ApplicationSetRow> {
    const row = await this.reads.getSet(id);
    if (!row || !authz.can('applicationsets', 'get', objectOf(row)))
      throw applicationSetNotFound(id);
    return row;
  }

  /**
   * The live ApplicationSet as its stream says (not the read model, which may lag), if the caller
   * may `get` it (else NOT_FOUND) and `action` it (else FORBIDDEN).
   */
  private async authorised(
    authz: Authz,
    id: string,
    action: 'update' | 'delete',
  ): Promise<{ tenant: string; name: string }> {
    const { state } = await this.service.load(id);
    if (state.status !== 'active' || !authz.can('applicationsets', 'get', objectOf(state)))
      throw applicationSetNotFound(id);
    if (!authz.can('applicationsets', action, objectOf(state)))
      throw new DomainError('FORBIDDEN', `you may not ${action} applicationset ${objectOf(state)}`);
    return state;
  }

  /** The ApplicationSet as read once the read models have caught up with `write`. */
  private async afterWrite(write: ApplicationSetWrite): Promise<ApplicationSet> {
    await this.service.settle();
    const row = await this.reads.getSet(write.id);
    if (!row) throw applicationSetNotFound(write.id);
    return toApplicationSet(row);
  }

  private async recordedAt(id: string): Promise<Date | null> {
    const [last] = await this.store.readAll({
      streamId: applicationSetStream(id),
      direction: 'backward',
      limit: 1,
    });
    return last?.recordedAt ?? null;
  }
}

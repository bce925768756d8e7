import {
  Args,
  Context,
  GraphQLISODateTime,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import {
  compileLabelSelector,
  DomainError,
  labelKeyErrors,
  parseLabelSelector,
  type ClusterLabels,
} from '@flotilla/domain';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '@flotilla/event-store';
import { clusterStream, type FlotillaEvent } from '@flotilla/projections';
import { Access } from '../auth/access.decorator';
import { AuditEventConnection } from '../audit/audit-event.model';
import { toAuditEventConnection } from '../audit/audit-event.mapper';
import { pageArgs, pageArgsByName } from '../graphql/page-args';
import { authzOf, principalOf, type RequestContext } from '../graphql/request-context';
import { EVENT_STORE, PG_POOL } from '../infra/tokens';
import { TenantService } from '../tenants/tenant.service';
import { ClusterChangeFeed } from './cluster-change.feed';
import {
  AgentStatus,
  Cluster,
  ClusterChange,
  ClusterConnection,
  ClusterFilter,
  ClusterMode,
  FleetSummary,
  ProbeFailure,
  RegisterKubeconfigClusterInput,
} from './cluster.model';
import { KubeconfigClusterService } from './kubeconfig-cluster.service';
import { ClusterService, type ClusterRow } from './cluster.service';
import { ApplicationSetReadModel } from '../application-sets/application-set.read-model';
import { ApplicationStatusFeed } from '../application-sets/application-status.feed';
import { loadForParent, noteParents } from '../application-sets/request-batch';
import { clusterAsOf } from './cluster-as-of';
import { fleetSummaryOf } from './fleet-summary';
import { fleetCounts, type FleetMoment } from './fleet-counts';
import { FleetRuntime } from './fleet-runtime';

type Authz = ReturnType<typeof authzOf>;
const objectOf = (c: { tenant: string; name: string }) => `${c.tenant}/${c.name}`;

@Resolver(() => Cluster)
export class ClusterResolver {
  constructor(
    private readonly service: ClusterService,
    private readonly tenants: TenantService,
    private readonly fleet: FleetRuntime,
    private readonly feed: ClusterChangeFeed,
    private readonly kubeconfigs: KubeconfigClusterService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly applications: ApplicationSetReadModel,
    private readonly statusFeed: ApplicationStatusFeed,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Access('authenticated')
  @Query(() => ClusterConnection, {
    description: 'Live clusters you may see, by tenant and name, filtered.',
  })
  async clusters(
    @Context() context: RequestContext,
    @Args('filter', { type: () => ClusterFilter, nullable: true }) filter: ClusterFilter | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<ClusterConnection> {
    const page = pageArgsByName(first, after);
    const authz = authzOf(context);
    const tenants = await this.visibleTenants(authz, filter?.tenant ?? undefined);
    const { rows, totalCount } = await this.service.list(
      {
        tenants,
        ...(filter?.selector != null ? { selector: filter.selector } : {}),
        ...(filter?.connectivity != null ? { connectivity: filter.connectivity } : {}),
        ...(filter?.mode != null ? { mode: filter.mode } : {}),
        ...(filter?.search != null ? { search: filter.search } : {}),
      },
      page.first + 1,
      page.after,
    );
    // Tenant-wide rights chose the rows; a policy denying single clusters still hides them.
    const nodes = rows
      .slice(0, page.first)
      .filter((r) => authz.can('clusters', 'get', objectOf(r)))
      .map(toCluster);
    noteParents(
      context,
      'Cluster',
      nodes.map((n) => n.id),
    );
    return {
      edges: nodes.map((node) => ({ cursor: objectOf(node), node })),
      pageInfo: {
        hasNextPage: rows.length > page.first,
        endCursor: rows.length > 0 ? objectOf(rows[Math.min(rows.length, page.first) - 1]!) : null,
      },
      totalCount,
    };
  }

  @Access('authenticated')
  @Query(() => Cluster, { description: 'One cluster (deregistered ones too).' })
  async cluster(
    @Context() context: RequestContext,
    @Args('id', { type: () => String }) id: string,
    @Args('asOf', {
      type: () => GraphQLISODateTime,
      nullable: true,
      description:
        'The cluster as it was at that moment (from the log): labels, facts, connectivity. ' +
        'Fields read from live heartbeats (status, lastHeartbeatAt) stay current.',
    })
    asOf: Date | null,
  ): Promise<Cluster> {
    if (!asOf) return toCluster(await this.visible(authzOf(context), id, 'get'));
    if (asOf.getTime() > Date.now())
      throw new DomainError('BAD_USER_INPUT', 'asOf: must not be in the future', 'asOf');
    const row = await clusterAsOf(this.store as EventStore<FlotillaEvent>, id, asOf);
    if (!row || !authzOf(context).can('clusters', 'get', objectOf(row)))
      throw new DomainError('NOT_FOUND', `cluster ${id} not found at ${asOf.toISOString()}`);
    return toCluster(row);
  }

  @Access('authenticated')
  @Query(() => FleetSummary, {
    description:
      'Cluster counts by connectivity and Kubernetes version, and Application counts by reported ' +
      'sync and health: overall, per tenant, per ApplicationSet, and per value of a cluster label.',
  })
  async fleetSummary(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String, nullable: true }) tenant: string | null,
    @Args('groupBy', {
      type: () => String,
      nullable: true,
      description: 'A cluster label key (e.g. region): adds `groups`, one per value.',
    })
    groupBy: string | null | undefined,
    @Args('asOf', {
      type: () => GraphQLISODateTime,
      nullable: true,
      description:
        'The summary as it was at that moment, computed from the log: the clusters registered ' +
        'then, with their labels, versions and connectivity then, and the Applications that ' +
        'existed then with the status their clusters had last reported by then.',
    })
    asOf: Date | null | undefined,
  ): Promise<FleetSummary> {
    checkGroupBy(groupBy);
    if (asOf && asOf.getTime() > Date.now())
      throw new DomainError('BAD_USER_INPUT', 'asOf: must not be in the future', 'asOf');
    const tenants = await this.visibleTenants(authzOf(context), tenant ?? undefined);
    return this.summaryOf(tenants, groupBy ?? undefined, asOf ? { asOf } : { now: true });
  }

  /** The summary of `tenants` now or then, from the fleet history brought to the head. */
  private async summaryOf(
    tenants: string[],
    groupBy: string | undefined,
    at: FleetMoment,
  ): Promise<FleetSummary> {
    await this.fleet.settleHistory();
    const counts = await fleetCounts(this.pool, tenants, at, groupBy);
    return fleetSummaryOf(tenants, counts.clusters, counts.applications, groupBy !== undefined);
  }

  @Access({
    resource: 'clusters',
    action: 'create',
    object: (args) => {
      const input = args['input'] as { tenant?: unknown; name?: unknown } | undefined;
      return `${String(input?.tenant ?? '')}/${String(input?.name ?? '')}`;
    },
  })
  @Mutation(() => Cluster, {
    description:
      'Adds a cluster the worker reaches with a kubeconfig (no agent). The hub reads the cluster ' +
      'through it first; the kubeconfig is stored encrypted and never returned.',
  })
  async registerKubeconfigCluster(
    @Context() context: RequestContext,
    @Args('input', { type: () => RegisterKubeconfigClusterInput })
    input: RegisterKubeconfigClusterInput,
  ): Promise<Cluster> {
    if (!(await this.tenants.get(input.tenant))) {
      throw new DomainError('NOT_FOUND', `tenant ${input.tenant} not found`, 'input.tenant');
    }
    const id = await this.kubeconfigs.register(
      {
        tenant: input.tenant,
        name: input.name,
        kubeconfig: input.kubeconfig,
        ...(input.labels != null ? { labels: input.labels as ClusterLabels } : {}),
      },
      metadataOf(context),
    );
    const row = await this.service.get(id);
    if (!row) throw new Error(`cluster ${id} missing after registration`);
    return toCluster(row);
  }

  @Access('authenticated')
  @Mutation(() => Cluster, { description: "Replaces a cluster's labels." })
  async updateClusterLabels(
    @Context() context: RequestContext,
    @Args('id', { type: () => String }) id: string,
    @Args('labels', { type: () => GraphQLJSONObject }) labels: Record<string, unknown>,
  ): Promise<Cluster> {
    await this.visible(authzOf(context), id, 'update');
    const row = await this.service.execute(
      id,
      { type: 'ChangeClusterLabels', data: { labels: labels as ClusterLabels } },
      metadataOf(context),
    );
    return toCluster(row);
  }

  @Access('authenticated')
  @Mutation(() => Cluster, {
    description: 'Removes a cluster from the fleet; its credential stops working at once.',
  })
  async deregisterCluster(
    @Context() context: RequestContext,
    @Args('id', { type: () => String }) id: string,
    @Args('reason', { type: () => String, defaultValue: '' }) reason: string,
  ): Promise<Cluster> {
    await this.visible(authzOf(context), id, 'delete');
    const row = await this.service.execute(
      id,
      { type: 'DeregisterCluster', data: { reason } },
      metadataOf(context),
    );
    await (await this.fleet.heartbeats()).forget(id);
    return toCluster(row);
  }

  @Access('authenticated')
  @ResolveField(() => Date, { nullable: true, description: 'When the last heartbeat arrived.' })
  async lastHeartbeatAt(
    @Context() context: RequestContext,
    @Parent() cluster: Cluster,
  ): Promise<Date | null> {
    // One Redis read for every cluster of the list this one is in.
    const seen = await loadForParent(context, 'Cluster', 'lastSeen', cluster.id, async (ids) => {
      const values = await (await this.fleet.heartbeats()).lastSeen(ids);
      return new Map(ids.map((id, i) => [id, values[i] ?? null]));
    });
    return seen == null ? null : new Date(seen);
  }

  @Access('authenticated')
  @ResolveField(() => AgentStatus, { nullable: true })
  async agentStatus(
    @Context() context: RequestContext,
    @Parent() cluster: Cluster,
  ): Promise<AgentStatus | null> {
    const status = await loadForParent(context, 'Cluster', 'status', cluster.id, async (ids) => {
      const values = await (await this.fleet.heartbeats()).status(ids);
      return new Map(ids.map((id, i) => [id, values[i] ?? null]));
    });
    if (!status) return null;
    return {
      state: status.state,
      message: status.message ?? null,
      appliedRevision: status.appliedRevision ?? null,
    };
  }

  @Access('authenticated')
  @ResolveField(() => ProbeFailure, {
    nullable: true,
    description: 'Kubeconfig clusters: why the last probe failed; null once a probe succeeds.',
  })
  async probeFailure(
    @Context() context: RequestContext,
    @Parent() cluster: Cluster,
  ): Promise<ProbeFailure | null> {
    if (cluster.mode !== ClusterMode.kubeconfig) return null;
    const failure = await loadForParent(context, 'Cluster', 'probe', cluster.id, async (ids) => {
      const values = await (await this.fleet.probeErrors()).get(ids);
      return new Map(ids.map((id, i) => [id, values[i] ?? null]));
    });
    return failure ? { ...failure, at: new Date(failure.at) } : null;
  }

  @Access('authenticated')
  @ResolveField(() => AuditEventConnection, {
    description: 'What happened to the cluster, newest first, with actors.',
  })
  async history(
    @Context() context: RequestContext,
    @Parent() cluster: Cluster,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEventConnection> {
    const page = pageArgs(first, after);
    // One statement for every cluster of the list this one is in.
    const events = await loadForParent(
      context,
      'Cluster',
      `history:${first}:${after ?? ''}`,
      cluster.id,
      (ids) =>
        this.store.readLatestPerGroup(new Map(ids.map((id) => [id, [clusterStream(id)]])), {
          limit: page.first + 1,
          ...(page.after !== undefined ? { before: page.after } : {}),
        }),
    );
    return toAuditEventConnection(events, page.first);
  }

  @Access('authenticated')
  @Subscription(() => FleetSummary, {
    description:
      'The fleet summary (as fleetSummary answers it) now, then each time it changes, at most ' +
      'once per `throttleMs`: clusters joining, leaving or changing, Applications created, ' +
      'deleted or reporting a new status.',
    resolve: (summary: FleetSummary) => summary,
  })
  async fleetSummaryChanged(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String, nullable: true }) tenant: string | null,
    @Args('groupBy', { type: () => String, nullable: true }) groupBy: string | null,
    @Args('throttleMs', { type: () => Int, defaultValue: 2000 }) throttleMs: number,
  ): Promise<AsyncGenerator<FleetSummary>> {
    if (!Number.isInteger(throttleMs) || throttleMs < 100 || throttleMs > 60_000)
      throw new DomainError(
        'BAD_USER_INPUT',
        'throttleMs: must be between 100 and 60000',
        'throttleMs',
      );
    checkGroupBy(groupBy);
    const tenants = await this.visibleTenants(authzOf(context), tenant ?? undefined);
    const compute = () => this.summaryOf(tenants, groupBy ?? undefined, { now: true });
    return this.summaries(new Set(tenants), compute, throttleMs);
  }

  private async *summaries(
    tenants: Set<string>,
    compute: () => Promise<FleetSummary>,
    throttleMs: number,
  ): AsyncGenerator<FleetSummary> {
    let dirty = true;
    let wake: (() => void) | undefined;
    const mark = (tenant: string) => {
      if (!tenants.has(tenant)) return;
      dirty = true;
      wake?.();
    };
    const offs = [this.feed.onFleetChange(mark), this.statusFeed.onFleetChange(mark)];
    let last = '';
    try {
      for (;;) {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        dirty = false;
        const summary = await compute();
        const key = JSON.stringify(summary);
        if (key !== last) {
          last = key;
          yield summary;
        }
        await new Promise((resolve) => setTimeout(resolve, throttleMs));
      }
    } finally {
      for (const off of offs) off();
    }
  }

  @Access('authenticated')
  @Subscription(() => ClusterChange, {
    description: 'Cluster changes as they commit (registered, labels, facts, connectivity, ...).',
    resolve: (change: ClusterChange) => change,
  })
  clusterChanged(
    @Context() context: RequestContext,
    @Args('tenant', { type: () => String, nullable: true }) tenant: string | null,
    @Args('selector', { type: () => String, nullable: true }) selector: string | null,
  ): AsyncGenerator<ClusterChange> {
    const authz = authzOf(context);
    const matcher = selector
      ? compileLabelSelector(parseLabelSelector(selector, 'selector'), { field: 'selector' })
      : null;
    return this.feed.changes(
      (c) =>
        (tenant == null || c.tenant === tenant) &&
        authz.can('clusters', 'get', objectOf(c)) &&
        (matcher === null || matcher.matches(c.labels)),
    );
  }

  /** The tenants whose clusters the caller may see (all of them, or only `only`). */
  private async visibleTenants(authz: Authz, only?: string): Promise<string[]> {
    const all = await this.tenants.list((name) => authz.can('clusters', 'get', `${name}/*`));
    const names = all.map((t) => t.spec.name);
    return only === undefined ? names : names.filter((n) => n === only);
  }

  /** The cluster, if the caller may `get` it and `action` it; NOT_FOUND hides the rest. */
  private async visible(authz: Authz, id: string, action: string): Promise<ClusterRow> {
    const row = await this.service.get(id);
    if (!row || !authz.can('clusters', 'get', objectOf(row))) {
      throw new DomainError('NOT_FOUND', `cluster ${id} not found`);
    }
    if (!authz.can('clusters', action, objectOf(row))) {
      throw new DomainError('FORBIDDEN', `you may not ${action} cluster ${objectOf(row)}`);
    }
    return row;
  }
}

function metadataOf(context: RequestContext) {
  const principal = principalOf(context);
  return {
    actor: principal.sub,
    actorGroups: [...principal.groups],
    requestId: context.requestId,
    correlationId: context.requestId,
    clientAddress: context.clientAddress,
  };
}

/** Maps a read-model row to the GraphQL shape. */
/** `groupBy` must be a label key; the error names the argument. */
function checkGroupBy(groupBy: string | null | undefined): void {
  if (groupBy == null) return;
  const problems = labelKeyErrors(groupBy);
  if (problems.length > 0)
    throw new DomainError(
      'BAD_USER_INPUT',
      `groupBy: ${JSON.stringify(groupBy)} is not a label key: ${problems.join('; ')}`,
      'groupBy',
    );
}

export function toCluster(row: ClusterRow): Cluster {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    mode: row.mode as Cluster['mode'],
    labels: row.labels,
    facts: row.facts,
    connectivity: row.connectivity as Cluster['connectivity'],
    connectivityChangedAt: row.connectivity_changed_at,
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
    deregisteredAt: row.deregistered_at,
    credentialExpiresAt: row.credential_expires_at,
    version: row.version,
  };
}

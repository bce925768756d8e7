import { Inject } from '@nestjs/common';
import { Args, Context, Int, Query, Resolver } from '@nestjs/graphql';
import { DomainError } from '@flotilla/domain';
import type { EventStore } from '@flotilla/event-store';
import { Access } from '../auth/access.decorator';
import { pageArgs } from '../graphql/page-args';
import { authzOf, type RequestContext } from '../graphql/request-context';
import { EVENT_STORE } from '../infra/tokens';
import { AuditEvent, AuditEventConnection } from './audit-event.model';
import { toAuditEventConnection } from './audit-event.mapper';

const NAMED_BY_TENANT = /^(?:tenant|repository-credentials)-([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/**
 * The tenant a stream belongs to, for authorisation: `tenant-<name>` and
 * `repository-credentials-<name>` name it; every other stream (clusters, tokens, ApplicationSets,
 * Applications) says it in its events' metadata, which the store writes with every append.
 * A stream of no tenant is platform-admin only.
 */
export async function streamTenant(store: EventStore, streamId: string): Promise<string> {
  const named = NAMED_BY_TENANT.exec(streamId);
  if (named?.[1]) return named[1];
  const [first] = await store.readAll({ streamId, limit: 1 });
  return first?.metadata.tenantId ?? '*';
}

@Resolver(() => AuditEvent)
export class HistoryResolver {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Access('authenticated')
  @Query(() => AuditEventConnection, {
    description:
      'What happened to one object (any stream: tenant-…, cluster-…, applicationset-…, application-…), newest first, with actors.',
  })
  async history(
    @Context() context: RequestContext,
    @Args('streamId', { type: () => String }) streamId: string,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEventConnection> {
    // A stream the caller may not audit answers like a stream that does not exist.
    if (!authzOf(context).can('audit', 'get', await streamTenant(this.store, streamId)))
      throw new DomainError('NOT_FOUND', `stream ${streamId} not found`, 'streamId');
    const page = pageArgs(first, after);
    const events = await this.store.readAll({
      streamId,
      direction: 'backward',
      limit: page.first + 1,
      ...(page.after !== undefined ? { before: page.after } : {}),
    });
    return toAuditEventConnection(events, page.first);
  }
}

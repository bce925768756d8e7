import { Inject } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { DomainError } from '@flotilla/domain';
import type { EventStore, ReadAllOptions } from '@flotilla/event-store';
import { Access } from '../auth/access.decorator';
import { EVENT_STORE } from '../infra/tokens';
import { pageArgs } from '../graphql/page-args';
import { AuditEvent, AuditEventConnection } from './audit-event.model';
import { AuditLogFilter, LogOrder } from './audit-log.input';
import { toAuditEventConnection } from './audit-event.mapper';

@Resolver(() => AuditEvent)
export class AuditLogResolver {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  // Platform admins read everything; a tenant admin reads their tenant's events by naming it.
  @Access({
    resource: 'audit',
    action: 'get',
    object: (args) => String((args['filter'] as AuditLogFilter | null)?.tenantId ?? '*'),
  })
  @Query(() => AuditEventConnection, { description: 'The event log, filtered, as a connection.' })
  async auditLog(
    @Args('filter', { type: () => AuditLogFilter, nullable: true }) filter: AuditLogFilter | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('order', { type: () => LogOrder, defaultValue: LogOrder.NEWEST_FIRST }) order: LogOrder,
  ): Promise<AuditEventConnection> {
    const page = pageArgs(first, after);
    if (filter?.from && filter.to && filter.from >= filter.to) {
      throw new DomainError(
        'BAD_USER_INPUT',
        'filter.to: must be later than filter.from',
        'filter.to',
      );
    }
    const backward = order === LogOrder.NEWEST_FIRST;
    const options: ReadAllOptions = {
      limit: page.first + 1,
      direction: backward ? 'backward' : 'forward',
      ...(page.after !== undefined
        ? backward
          ? { before: page.after }
          : { after: page.after }
        : {}),
      ...(filter?.streamId ? { streamId: filter.streamId } : {}),
      ...(filter?.types?.length ? { types: filter.types } : {}),
      ...(filter?.actor ? { actor: filter.actor } : {}),
      ...(filter?.tenantId ? { tenantId: filter.tenantId } : {}),
      ...(filter?.from ? { recordedFrom: filter.from } : {}),
      ...(filter?.to ? { recordedTo: filter.to } : {}),
    };
    const events = await this.store.readAll(options);
    return toAuditEventConnection(events, page.first);
  }
}

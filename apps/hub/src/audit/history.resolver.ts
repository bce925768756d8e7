import { Inject } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { EventStore } from '@flotilla/event-store';
import { Access } from '../auth/access.decorator';
import { pageArgs } from '../graphql/page-args';
import { EVENT_STORE } from '../infra/tokens';
import { AuditEvent, AuditEventConnection } from './audit-event.model';
import { toAuditEventConnection } from './audit-event.mapper';

/**
 * The tenant a stream belongs to, for authorisation: `tenant-<name>` is the tenant's own
 * stream. Streams of later aggregates are added here; anything unknown is platform-admin only.
 */
export function streamTenant(streamId: string): string {
  const match = /^tenant-([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(streamId);
  return match?.[1] ?? '*';
}

@Resolver(() => AuditEvent)
export class HistoryResolver {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Access({
    resource: 'audit',
    action: 'get',
    object: (args) => streamTenant(String(args['streamId'] ?? '')),
  })
  @Query(() => AuditEventConnection, {
    description: 'What happened to one object, newest first, with actors.',
  })
  async history(
    @Args('streamId', { type: () => String }) streamId: string,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<AuditEventConnection> {
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

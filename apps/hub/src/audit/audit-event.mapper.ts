import type { StoredEvent } from '@flotilla/event-store';
import type { AuditEvent, AuditEventConnection } from './audit-event.model';

/** Maps a stored event to its GraphQL shape. */
export function toAuditEvent(event: StoredEvent): AuditEvent {
  const m = event.metadata;
  return {
    position: event.globalPosition.toString(),
    eventId: event.eventId,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    actor: m.actor,
    actorGroups: m.actorGroups ?? [],
    tenantId: m.tenantId ?? null,
    correlationId: m.correlationId,
    causationId: m.causationId ?? null,
    requestId: m.requestId ?? null,
    clientAddress: m.clientAddress ?? null,
    recordedAt: event.recordedAt,
  };
}

/** A page of events as a connection: `events` holds up to `first + 1` (the extra one only says there is more). */
export function toAuditEventConnection(events: StoredEvent[], first: number): AuditEventConnection {
  const nodes = events.slice(0, first).map(toAuditEvent);
  return {
    edges: nodes.map((node) => ({ cursor: node.position, node })),
    pageInfo: {
      hasNextPage: events.length > first,
      endCursor: nodes[nodes.length - 1]?.position ?? null,
    },
  };
}

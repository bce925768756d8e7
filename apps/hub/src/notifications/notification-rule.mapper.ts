import { DomainError } from '@flotilla/domain';
import type { HealthStatus } from '../application-sets/application-delivery.model';
import { pageArgsByName } from '../graphql/page-args';
import type { DeliveryCursor, NotificationDeliveryRow } from './notification-rule.read-model';
import type { NotificationRuleView } from './notification-rule.service';
import type {
  NotificationDelivery,
  NotificationDeliveryConnection,
  NotificationDeliveryState,
  NotificationRule,
  NotificationTargetKind,
} from './notification-rule.model';

/** The RBAC object of every notification rule and delivery of a tenant. */
export const notificationsObject = (tenant: string) => `${tenant}/notifications`;

export function toNotificationRule(view: NotificationRuleView): NotificationRule {
  const { spec } = view;
  const selector = spec.clusterSelector;
  return {
    id: view.id,
    tenant: view.tenant,
    name: spec.name,
    eventTypes: [...spec.eventTypes],
    clusterSelector: selector
      ? {
          matchLabels: selector.matchLabels ?? {},
          matchExpressions: (selector.matchExpressions ?? []).map((e) => ({
            key: e.key,
            operator: e.operator,
            values: e.values ?? [],
          })),
        }
      : null,
    applicationSets: [...spec.applicationSets],
    health: spec.health.map((h) => h as HealthStatus),
    target: { kind: spec.target.kind as NotificationTargetKind, url: spec.target.url },
    createdAt: view.createdAt,
    createdBy: view.createdBy,
    updatedAt: view.updatedAt,
    updatedBy: view.updatedBy,
  };
}

function toDelivery(r: NotificationDeliveryRow): NotificationDelivery {
  return {
    id: r.id,
    ruleId: r.rule_id,
    tenant: r.tenant,
    eventId: r.event_id,
    eventType: r.event_type,
    position: r.global_position,
    state: r.state as NotificationDeliveryState,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at,
    deliveredAt: r.delivered_at,
    clusterName: r.cluster_name,
    applicationSetName: r.application_set_name,
    applicationName: r.application_name,
  };
}

// Several rules may deliver one event, so the position alone does not order a tenant's page.
const cursorOf = (r: NotificationDeliveryRow) => `${r.global_position}:${r.id}`;
const CURSOR = /^(\d{1,19}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Validates `first` (1..500) and a delivery cursor (`after`), naming the argument at fault. */
export function deliveryPageArgs(
  first: number,
  given: string | null | undefined,
): { first: number; after?: DeliveryCursor } {
  const { after } = pageArgsByName(first, given);
  if (after === undefined) return { first };
  const match = CURSOR.exec(after);
  if (!match)
    throw new DomainError(
      'BAD_USER_INPUT',
      'after: must be a cursor returned by this connection',
      'after',
    );
  return { first, after: { position: BigInt(match[1]!), id: match[2]! } };
}

/** A page of deliveries: `rows` holds up to `first + 1` (the extra one only says there is more). */
export function toDeliveryConnection(
  rows: readonly NotificationDeliveryRow[],
  first: number,
): NotificationDeliveryConnection {
  const shown = rows.slice(0, first);
  return {
    edges: shown.map((r) => ({ cursor: cursorOf(r), node: toDelivery(r) })),
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: shown.length > 0 ? cursorOf(shown[shown.length - 1]!) : null,
    },
  };
}

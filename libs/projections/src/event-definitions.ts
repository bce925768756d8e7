import {
  applicationEventSchemas,
  applicationSetEventSchemas,
  clusterEventSchemas,
  deliveryEventSchemas,
  notificationRuleEventSchemas,
  registrationTokenEventSchemas,
  repositoryCredentialEventSchemas,
  rolloutEventSchemas,
  tenantEventSchemas,
  type ApplicationEvent,
  type ApplicationSetEvent,
  type ClusterEvent,
  type DeliveryEvent,
  type NotificationRuleEvent,
  type RegistrationTokenEvent,
  type RepositoryCredentialEvent,
  type RolloutEvent,
  type TenantEvent,
} from '@flotilla/domain';
import { defineEvent, EventRegistry, type EventDefinition } from '@flotilla/event-store';

/** Event-store definitions of the domain's event schemas (validated on append, upcast on read). */
function definitionsOf(
  schemas: Record<string, { version: number; schema: EventDefinition['schema'] }>,
): EventDefinition[] {
  return Object.entries(schemas).map(([type, { version, schema }]) =>
    defineEvent(type, schema, { version }),
  );
}

/** Every event the platform writes; the union grows as aggregates are added. */
export type FlotillaEvent =
  | TenantEvent
  | ClusterEvent
  | RegistrationTokenEvent
  | ApplicationSetEvent
  | ApplicationEvent
  | DeliveryEvent
  | RepositoryCredentialEvent
  | NotificationRuleEvent
  | RolloutEvent;

const ALL_SCHEMAS = {
  ...tenantEventSchemas,
  ...clusterEventSchemas,
  ...registrationTokenEventSchemas,
  ...applicationSetEventSchemas,
  ...applicationEventSchemas,
  ...deliveryEventSchemas,
  ...repositoryCredentialEventSchemas,
  ...notificationRuleEventSchemas,
  ...rolloutEventSchemas,
};

/** The name of every event type the platform writes, sorted. */
export const FLOTILLA_EVENT_TYPES: readonly FlotillaEvent['type'][] = (
  Object.keys(ALL_SCHEMAS) as FlotillaEvent['type'][]
).sort();

/** The registry shared by hub and worker. */
export function flotillaEventRegistry(): EventRegistry {
  return new EventRegistry([
    ...definitionsOf(tenantEventSchemas),
    ...definitionsOf(clusterEventSchemas),
    ...definitionsOf(registrationTokenEventSchemas),
    ...definitionsOf(applicationSetEventSchemas),
    ...definitionsOf(applicationEventSchemas),
    ...definitionsOf(deliveryEventSchemas),
    ...definitionsOf(repositoryCredentialEventSchemas),
    ...definitionsOf(notificationRuleEventSchemas),
    ...definitionsOf(rolloutEventSchemas),
  ]);
}

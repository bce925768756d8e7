export { EventStore, EVENTS_CHANNEL, type AppendOptions, type Queryable } from './event-store';
export {
  EventRegistry,
  defineEvent,
  type EventDefinition,
  type EventOf,
  type Upcaster,
} from './event-registry';
export { EventNotifier } from './event-notifier';
export { LogSubscription, type LogSubscriptionOptions } from './log-subscription';
export {
  ProjectionRunner,
  type ProjectionFailure,
  type ProjectionRunnerOptions,
  type ProjectionStatus,
} from './projection-runner';
export { projectionLag, type ProjectionLag } from './projection-lag';
export { liveTarget, rebuildTarget, type Projection, type ProjectionTarget } from './projection';
export {
  ConcurrencyError,
  EventSchemaError,
  IdempotencyConflictError,
  type AppendResult,
  type EventMetadata,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type StoredEvent,
  type StoredOf,
} from './types';

export {
  FLOTILLA_EVENT_TYPES,
  flotillaEventRegistry,
  type FlotillaEvent,
} from './event-definitions';
export { tenantsProjection } from './tenants.projection';
export { clusterIdOf, clusterStream, clustersProjection } from './clusters.projection';
export {
  registrationTokenIdOf,
  registrationTokenStream,
  registrationTokensProjection,
} from './registration-tokens.projection';
export {
  applicationSetIdOf,
  applicationSetsProjection,
  type ApplicationSetStatusRow,
} from './application-sets.projection';
export { applicationIdOf, applicationsProjection, primarySource } from './applications.projection';
export {
  CLUSTER_DESIRED_TABLE,
  deliveriesProjection,
  DELIVERIES_TABLE,
  desiredRevision,
  DESIRED_CHANNEL,
  RENDER_CHANNEL,
  ROLLOUT_CHANNEL,
  RUNNING_BUNDLES_TABLE,
  RUNNING_OBJECT_COUNTS_TABLE,
} from './deliveries.projection';
export { FLEET_HISTORY_VERSION, fleetHistoryProjection } from './fleet-history.projection';
export {
  ROLLOUT_TARGETS_TABLE,
  rolloutsProjection,
  ROLLOUTS_TABLE,
  type RolloutStepRow,
} from './rollouts.projection';
export {
  fleetGaugeCounts,
  fleetMetricsSnapshot,
  type FleetGaugeCounts,
} from './fleet-gauge-counts';

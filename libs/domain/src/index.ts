export { assertNever, DomainError, type DomainErrorCode } from './domain-error';
export {
  compileGlob,
  compileGlobField,
  globMatch,
  GlobSyntaxError,
  type CompiledGlob,
} from './tenant/glob';
export { compilePathMatch, type CompiledPathMatch } from './tenant/path-match';
export { dns1123LabelErrors, labelKeyErrors, labelValueErrors } from './tenant/label-rules';
export {
  compileLabelSelector,
  LABEL_SELECTOR_OPERATORS,
  labelSelectorSchema,
  matches,
  type CompiledLabelSelector,
  type CompileLabelSelectorOptions,
  type LabelRequirement,
  type LabelSelector,
  type LabelSelectorOperator,
} from './tenant/label-selector';
export { parseLabelSelector } from './tenant/label-selector-syntax';
export { parseGoDuration } from './tenant/go-duration';
export { cronScheduleError, timeZoneError } from './tenant/cron-schedule';
export {
  formatFieldPath,
  groupKindSchema,
  parseTenantSpec,
  syncWindowSchema,
  tenantDestinationSchema,
  tenantRoleSchema,
  tenantSpecSchema,
  zodIssueToDomainError,
  type GroupKindPattern,
  type SyncWindow,
  type TenantDestination,
  type TenantRole,
  type TenantSpec,
  type TenantSpecInput,
} from './tenant/tenant-spec.schema';
export {
  tenantEventSchemas,
  type TenantEvent,
  type TenantEventType,
  type TenantPolicySpec,
} from './tenant/tenant.events';
export {
  decide as decideTenant,
  evolve as evolveTenant,
  initialTenantState,
  type TenantCommand,
  type TenantDecideContext,
  type TenantOwnership,
  type TenantState,
} from './tenant/tenant.decider';
export {
  checkDeployment,
  compileTenantPolicy,
  normalizeRepoURL,
  type DeploymentDecision,
  type DeploymentRequest,
  type DeploymentRule,
  type TenantPolicy,
} from './tenant/deployment-policy';
export {
  activeUntil,
  activeWindows,
  canSync,
  windowApplies,
  type CanSyncInput,
  type SyncDecision,
  type SyncTarget,
} from './tenant/sync-window';
export {
  CLUSTER_CREDENTIAL_PREFIX,
  constantTimeEqual,
  hashToken,
  newClusterCredential,
  newTokenValue,
  REGISTRATION_TOKEN_PREFIX,
  registrationTokenId,
  type RandomBytes,
} from './registration-token/token-value';
export {
  registrationTokenEventSchemas,
  type RegistrationTokenEvent,
  type RegistrationTokenEventType,
} from './registration-token/registration-token.events';
export {
  decide as decideRegistrationToken,
  evolve as evolveRegistrationToken,
  initialRegistrationTokenState,
  issueRegistrationToken,
  REGISTRATION_TOKEN_MAX_USES,
  REGISTRATION_TOKEN_TTL,
  registrationTokenUsable,
  type CreateRegistrationTokenInput,
  type RegistrationTokenCommand,
  type RegistrationTokenDecideContext,
  type RegistrationTokenState,
} from './registration-token/registration-token.decider';
export {
  clusterFactsSchema,
  clusterLabelsSchema,
  clusterModeSchema,
  connectivitySchema,
  type ClusterFacts,
  type ClusterLabels,
  type ClusterMode,
  type Connectivity,
} from './cluster/cluster.schema';
export {
  clusterEventSchemas,
  type ClusterEvent,
  type ClusterEventType,
} from './cluster/cluster.events';
export {
  CLUSTER_CREDENTIAL_TTL,
  REGISTRATION_RETRY_WINDOW_SECONDS,
  CREDENTIAL_GRACE_PERIOD,
  type ClusterCommand,
  type ClusterDecideContext,
  type RegisterClusterInput,
  type RegisteringToken,
} from './cluster/cluster.commands';
export {
  decide as decideCluster,
  evolve as evolveCluster,
  initialClusterState,
  type ClusterState,
} from './cluster/cluster.decider';
export {
  DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
  DEFAULT_OFFLINE_AFTER_MISSED,
  missedIntervals,
} from './cluster/cluster-connectivity';
export { credentialAccepted } from './cluster/cluster-credential';
export { sweptConnectivity } from './cluster/cluster-connectivity';
export { dnsLabelSchema, sha256HexSchema } from './cluster/cluster.schema';
export { canonicalDigest, canonicalJson } from './application-set/canonical-json';
export {
  applicationEventId,
  applicationId,
  applicationSetStream,
  applicationStream,
} from './application-set/application-ids';
export {
  applicationDigest,
  applicationEventSchemas,
  applicationMetadataSchema,
  jsonObjectSchema,
  objectNameSchema,
  type ApplicationEvent,
  type ApplicationEventType,
  type ApplicationMetadata,
  type JsonObjectValue,
} from './application-set/application.events';
export {
  applicationSetEventSchemas,
  generationFailureReasonSchema,
  type ApplicationSetEvent,
  type ApplicationSetEventType,
  type GenerationFailureReason,
  type GenerationValidationError,
  type GenerationViolation,
} from './application-set/application-set.events';
export {
  MAX_MANIFEST_BYTES,
  type ApplicationSetCommand,
  type CreateApplicationSetInput,
  type GenerationOutcome,
} from './application-set/application-set.commands';
export {
  decide as decideApplicationSet,
  evolve as evolveApplicationSet,
  initialApplicationSetState,
  type ApplicationSetState,
  type GenerationStatus,
} from './application-set/application-set.decider';
export {
  DEFAULT_DELETION_BRAKE,
  deletionThreshold,
  planReconciliation,
  readApplicationsSync,
  type ApplicationsSyncPolicy,
  type CurrentApplication,
  type DeletionBrake,
  type DesiredApplication,
  type HeldDeletions,
  type PlannedDeletion,
  type PlannedUpdate,
  type ReconciliationInput,
  type ReconciliationPlan,
} from './application-set/reconcile-plan';
export {
  NOTIFICATION_TARGET_KINDS,
  notificationRuleEventSchemas,
  notificationRuleIdOf,
  notificationRuleSpecSchema,
  notificationRuleStream,
  type NotificationRuleEvent,
  type NotificationRuleEventType,
  type NotificationRuleSpec,
  type NotificationTargetKind,
} from './notification/notification-rule.events';
export {
  repositoryCredentialEventSchemas,
  repositoryCredentialStream,
  type RepositoryCredentialEvent,
  type RepositoryCredentialEventType,
} from './repository/repository-credentials.events';
export {
  deliveryApplicationIdOf,
  deliveryEventSchemas,
  deliveryStream,
  HEALTH_STATUS_CODES,
  resourceDriftSchema,
  resourceProblemSchema,
  resourceRefSchema,
  SYNC_STATUS_CODES,
  type DeliveryEvent,
  type DeliveryEventType,
  type HealthStatusCodeValue,
  type ResourceDrift,
  type ResourceProblem,
  type ResourceRefValue,
  type SyncStatusCode,
} from './delivery/delivery.events';
export { CLUSTER_SCOPED_KINDS } from './delivery/cluster-scoped-kinds';
export {
  parseRolloutStrategy,
  progressiveSchema,
  resolveAmount,
  rolloutStrategySchema,
  UNAVAILABLE_CLUSTER_POLICIES,
  type Amount,
  type RolloutStepSpec,
  type RolloutStrategy,
  type StepSelection,
  type UnavailableClusterPolicy,
} from './rollout/rollout-strategy';
export {
  renderingSchema,
  ROLLOUT_GATES,
  rolloutEventSchemas,
  rolloutIdOf,
  rolloutStream,
  rolloutTargetSchema,
  TARGET_FAILURES,
  type Rendering,
  type RolloutEvent,
  type RolloutEventType,
  type RolloutGate,
  type RolloutTarget,
} from './rollout/rollout.events';
export { assignSteps, type Candidate } from './rollout/rollout-steps';
export {
  advance as advanceRollout,
  decide as decideRollout,
  evolve as evolveRollout,
  foldRollout,
  initialRolloutState,
  rollbackTargets,
  ROLLOUT_PHASES,
  TARGET_PHASES,
  type Advance,
  type LiveRolloutState,
  type Observation,
  type RolloutCommand,
  type RolloutPhase,
  type RolloutState,
  type StepState,
  type TargetObservation,
  type TargetPhase,
  type TargetState,
} from './rollout/rollout.decider';

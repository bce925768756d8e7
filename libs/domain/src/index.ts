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

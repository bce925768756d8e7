export { bytes, cpuMillicores, parseQuantity } from './quantity';
export {
  kubeErrorDetail,
  loadKubeConfig,
  readClusterFacts,
  serverOf,
  type ClusterFacts,
} from './cluster-facts';
export type { KubeObject } from './kube-object';
export {
  aggregateHealth,
  HEALTH_ORDER,
  isWorse,
  type HealthStatus,
  type HealthStatusCode,
} from './health/health-status';
export { assessHealth, hasHealthRule } from './health/health';
export { applyOrder, pruneOrder, syncWave, SYNC_WAVE_ANNOTATION } from './apply-order';
export {
  asRecord,
  InvalidObjectError,
  isOwnedBy,
  objectRef,
  OWNER_LABEL,
  refKey,
  TRACKING_ANNOTATION,
  trackingId,
  withOwnership,
  type ObjectJson,
  type ObjectRef,
} from './ownership';
export { ClusterSync, type ClusterSyncOptions, type SyncLogger } from './sync/cluster-sync';
export type * from './sync/sync.types';
export { managedDrift, MAX_DIFF_BYTES } from './sync/drift';

export { databaseIdentity } from './database-identity';
export { HeartbeatStore, type HeartbeatStatus } from './heartbeat-store';
export {
  ClusterInventory,
  foldCluster,
  type ClusterCommandResult,
  type RegistrationRequest,
} from './cluster-inventory';
export { ClusterDirectory, type AuthenticatedCluster } from './cluster-directory';
export { sweepConnectivity, type SweepReport, type SweepSettings } from './connectivity-sweep';
export { ProbeErrors } from './probe-errors';

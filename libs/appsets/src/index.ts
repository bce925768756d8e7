/**
 * ApplicationSets against the fleet: generation inputs from the read models, the generators,
 * tenant checks and the reconcile plan. Shared by the hub (preview) and the worker (apply).
 */
export {
  ApplicationSetGeneration,
  type FailedGeneration,
  type GenerationDeps,
  type GenerationPreview,
  type GenerationSubject,
  type PlannedGeneration,
} from './application-set-generation';
export { ClusterIndex, clusterServer, fleetCluster, type FleetCluster } from './fleet-clusters';
export { GenerationInputError, GenerationReader } from './generation-reader';
export { generationTargets, type GenerationTargets } from './generation-targets';
export { TenantGit, type FetchProblem } from './tenant-git';

export { startKubeSim, type KubeSim, type KubeSimOptions } from './kube-sim.server';
export { SimCluster, type SimKubeconfig } from './sim-cluster';
export type {
  KubeMetadata,
  KubeObject,
  ResourceRef,
  SimClusterOptions,
  SimNode,
  SimVersion,
  WatchEvent,
} from './kube-sim.types';
export type { SimControllerOptions } from './sim-controllers';
export { controllerStatus } from './workload-status';

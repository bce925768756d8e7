export { bytes, cpuMillicores, parseQuantity } from './quantity';
export {
  kubeErrorDetail,
  loadKubeConfig,
  readClusterFacts,
  serverOf,
  type ClusterFacts,
} from './cluster-facts';

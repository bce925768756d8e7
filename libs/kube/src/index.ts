export { bytes, cpuMillicores, parseQuantity } from './quantity';
export { loadKubeConfig, readClusterFacts, serverOf, type ClusterFacts } from './cluster-facts';

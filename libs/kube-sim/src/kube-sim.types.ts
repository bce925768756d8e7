/** A Kubernetes object as stored and served by the sim: plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

/** The `metadata` fields the sim reads and maintains; others pass through untouched. */
export interface KubeMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Names a kind by `apiVersion` (`v1`, `apps/v1`) and `kind`. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
}

/** What `/version` answers. */
export interface SimVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

/** A node of a simulated cluster, served as a `v1/Node`. */
export interface SimNode {
  name: string;
  labels?: Record<string, string>;
  allocatable?: { cpu: string; memory: string };
}

/** Options of one simulated cluster. */
export interface SimClusterOptions {
  version?: SimVersion;
  nodes?: SimNode[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Runs simulated workload controllers (see `SimCluster.enableControllers`). */
  controllers?: { readyAfterMs?: number };
}

/** A watch event as streamed to clients. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

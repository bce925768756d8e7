import type { ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { ClusterState, bucketOf } from './cluster-state';
import { routeClusterRequest, sendJson, type ClusterRequest } from './cluster-router';
import type {
  KubeObject,
  ResourceRef,
  SimClusterOptions,
  SimNode,
  SimVersion,
} from './kube-sim.types';
import { SimControllers, type SimControllerOptions } from './sim-controllers';
import { StatusError } from './status-error';

/** The manager name the test hooks write as. */
const HOOK_MANAGER = 'kube-sim';

const DEFAULT_VERSION: SimVersion = { major: '1', minor: '31', gitVersion: 'v1.31.0' };
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** A kubeconfig as `KubeConfig.loadFromOptions` takes it (and as its YAML holds). */
export interface SimKubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: { server: string; 'insecure-skip-tls-verify': true } }[];
  users: { name: string; user: { token?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace: string } }[];
  'current-context': string;
}

/**
 * One simulated cluster, served under `/clusters/<name>`. Besides the API, it offers hooks
 * for tests to read and change objects behind the client's back, as controllers would.
 */
export class SimCluster {
  private readonly state: ClusterState;
  private version: SimVersion;
  private controllers: SimControllers | undefined;

  /** @internal Created by `KubeSim.addCluster`. */
  constructor(
    readonly name: string,
    /** Base URL of this cluster, e.g. `http://127.0.0.1:40123/clusters/east`. */
    readonly server: string,
    private readonly options: SimClusterOptions,
    now: () => Date,
  ) {
    this.state = new ClusterState(now);
    this.version = options.version ?? DEFAULT_VERSION;
    for (const ns of DEFAULT_NAMESPACES)
      this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    this.setNodes(options.nodes ?? [{ name: `${name}-node-1` }]);
    if (options.controllers) this.enableControllers(options.controllers);
  }

  /**
   * Runs simulated workload controllers: after a Deployment, StatefulSet, DaemonSet, ReplicaSet,
   * Job, Pod, PVC or LoadBalancer Service changes, its status turns healthy after `readyAfterMs`
   * (0: the next tick). Calling it again changes the options.
   */
  enableControllers(options: SimControllerOptions = {}): void {
    if (this.controllers) this.controllers.configure(options);
    else this.controllers = new SimControllers(this.state, HOOK_MANAGER, options);
  }

  /** Stops the simulated controllers (statuses stay as they are). */
  disableControllers(): void {
    this.controllers?.stop();
    this.controllers = undefined;
  }

  /**
   * Makes the object's controller report a failure (`reason` as the message) now and after every
   * later change, until {@link clearFault}: a Deployment gets Progressing=False
   * ProgressDeadlineExceeded (Argo CD: Degraded). Enables the controllers when they are off.
   */
  failWorkload(ref: ResourceRef, namespace: string, name: string, reason: string): void {
    this.enableControllers();
    this.controllers?.setFault(ref, namespace, name, reason);
  }

  /** Ends a {@link failWorkload} fault: the controller writes a healthy status again. */
  clearFault(ref: ResourceRef, namespace: string, name: string): void {
    this.controllers?.setFault(ref, namespace, name, undefined);
  }

  /** The kubeconfig object pointing at this cluster. */
  kubeconfig(): SimKubeconfig {
    const user = this.options.token ? { token: this.options.token } : {};
    return {
      apiVersion: 'v1',
      kind: 'Config',
      // The client refuses plain HTTP unless TLS verification is off (there is no TLS to verify).
      clusters: [
        { name: this.name, cluster: { server: this.server, 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: `${this.name}-user`, user }],
      contexts: [
        {
          name: this.name,
          context: { cluster: this.name, user: `${this.name}-user`, namespace: 'default' },
        },
      ],
      'current-context': this.name,
    };
  }

  /** The kubeconfig as YAML, for `KubeConfig.loadFromString`. */
  kubeconfigYaml(): string {
    return stringify(this.kubeconfig());
  }

  /** Changes what `/version` reports. */
  setVersion(version: SimVersion): void {
    this.version = version;
  }

  /** Replaces the cluster's nodes. */
  setNodes(nodes: SimNode[]): void {
    const type = this.state.typeOf('v1', 'Node');
    for (const r of this.state.store.list(bucketOf(type)))
      this.state.delete(type, '', r.object.metadata.name ?? '');
    for (const node of nodes) {
      const allocatable = node.allocatable ?? { cpu: '4', memory: '16Gi' };
      this.put({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node.name, labels: node.labels ?? {} },
      });
      this.setStatus({ apiVersion: 'v1', kind: 'Node' }, '', node.name, {
        allocatable: { ...allocatable, pods: '110' },
        capacity: { ...allocatable, pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
        nodeInfo: {
          kubeletVersion: this.version.gitVersion,
          kubeProxyVersion: this.version.gitVersion,
          machineID: node.name,
          systemUUID: node.name,
          bootID: node.name,
          kernelVersion: '6.1.0',
          osImage: 'kube-sim',
          containerRuntimeVersion: 'containerd://1.7.0',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      });
    }
  }

  /** A copy of the stored object, or undefined. */
  get(ref: ResourceRef, namespace: string, name: string): KubeObject | undefined {
    const record = this.state.store.get(
      bucketOf(this.state.typeOf(ref.apiVersion, ref.kind)),
      namespace,
      name,
    );
    return record ? structuredClone(record.object) : undefined;
  }

  /** Copies of the stored objects of a kind, in one namespace or all. */
  list(ref: ResourceRef, namespace?: string): KubeObject[] {
    const type = this.state.typeOf(ref.apiVersion, ref.kind);
    return this.state.store.list(bucketOf(type), namespace).map((r) => structuredClone(r.object));
  }

  /** Creates or replaces an object directly (validated, versioned, watched). */
  put(object: KubeObject): KubeObject {
    const type = this.state.typeOf(object.apiVersion, object.kind);
    const namespace = type.namespaced ? (object.metadata.namespace ?? 'default') : '';
    const name = object.metadata.name ?? '';
    const options = { manager: HOOK_MANAGER };
    if (!this.state.store.get(bucketOf(type), namespace, name))
      return this.state.create(type, namespace, object, options);
    return this.state.replace(
      type,
      namespace,
      name,
      { ...object, metadata: { ...object.metadata, resourceVersion: undefined } },
      options,
    );
  }

  /** Changes an object in place as another client would: `fn` edits a copy, which is stored. */
  mutate(
    ref: ResourceRef,
    namespace: string,
    name: string,
    fn: (object: KubeObject) => void,
  ): KubeObject {
    const type = this.state.typeOf(ref.apiVersion, ref.kind);
    const copy = structuredClone(this.state.read(type, namespace, name).object);
    fn(copy);
    const options = { manager: HOOK_MANAGER };
    const stored = this.state.replace(type, namespace, name, copy, options);
    if (!type.status || JSON.stringify(copy['status']) === JSON.stringify(stored['status']))
      return stored;
    return this.state.replace(
      type,
      namespace,
      name,
      { ...copy, metadata: stored.metadata },
      { ...options, scope: 'status' },
    );
  }

  /** Sets an object's `status`, as its controller would. */
  setStatus(ref: ResourceRef, namespace: string, name: string, status: unknown): KubeObject {
    const type = this.state.typeOf(ref.apiVersion, ref.kind);
    const live = this.state.read(type, namespace, name).object;
    return this.state.replace(
      type,
      namespace,
      name,
      { ...live, status },
      { manager: HOOK_MANAGER, scope: 'status' },
    );
  }

  /** Deletes an object (marks it, when it has finalizers). */
  delete(ref: ResourceRef, namespace: string, name: string): void {
    this.state.delete(this.state.typeOf(ref.apiVersion, ref.kind), namespace, name);
  }

  /** Ends every open watch of this cluster. */
  close(): void {
    this.disableControllers();
    this.state.store.clearListeners();
  }

  /** @internal Serves one request below this cluster's prefix. */
  handle(req: ClusterRequest, res: ServerResponse): void {
    const token = this.options.token;
    try {
      if (token && req.headers.authorization !== `Bearer ${token}`)
        throw new StatusError('Unauthorized', 'Unauthorized');
      routeClusterRequest({ state: this.state, version: this.version }, req, res);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      sendJson(res, err.code, err.toStatus());
    }
  }
}

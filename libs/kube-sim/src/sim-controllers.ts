import { bucketOf, type ClusterState } from './cluster-state';
import type { KubeObject, ResourceRef } from './kube-sim.types';
import { CONTROLLED_KINDS, controllerStatus } from './workload-status';

/** Options of the simulated controllers. */
export interface SimControllerOptions {
  /** Delay between a spec change and the status (default 0: on the next tick). */
  readyAfterMs?: number;
}

const keyOf = (apiVersion: string, kind: string, namespace: string, name: string): string =>
  `${apiVersion} ${kind} ${namespace}/${name}`;

/**
 * Stand-ins for the workload controllers of a real cluster: after a Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job, Pod, PVC or LoadBalancer Service is written with a new generation,
 * they write the status Argo CD reads as Healthy, or a failing one while a fault is set.
 */
export class SimControllers {
  private readonly unsubscribe: () => void;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Generation last reconciled per object: a status write keeps it, so it is not a change. */
  private readonly seen = new Map<string, number>();
  private readonly faults = new Map<string, string>();

  constructor(
    private readonly state: ClusterState,
    private readonly manager: string,
    private options: SimControllerOptions,
  ) {
    this.unsubscribe = state.store.subscribe(({ event }) => {
      const { object } = event;
      const key = this.keyOfObject(object);
      if (!key) return;
      if (event.type === 'DELETED') {
        this.seen.delete(key);
        return;
      }
      const generation = object.metadata.generation ?? 0;
      if (this.seen.get(key) === generation) return;
      this.seen.set(key, generation);
      this.schedule(
        object.apiVersion,
        object.kind,
        object.metadata.namespace ?? '',
        object.metadata.name ?? '',
      );
    });
    for (const kind of CONTROLLED_KINDS) {
      const [apiVersion = '', k = ''] = kind.split(' ');
      for (const r of state.store.list(bucketOf(state.typeOf(apiVersion, k))))
        this.schedule(
          apiVersion,
          k,
          r.object.metadata.namespace ?? '',
          r.object.metadata.name ?? '',
        );
    }
  }

  /** Changes the delay of later reconciles. */
  configure(options: SimControllerOptions): void {
    this.options = options;
  }

  /** Makes the object's controller write a failing status until {@link clearFault}. */
  setFault(ref: ResourceRef, namespace: string, name: string, reason: string | undefined): void {
    const key = keyOf(ref.apiVersion, ref.kind, namespace, name);
    if (reason === undefined) this.faults.delete(key);
    else this.faults.set(key, reason);
    this.schedule(ref.apiVersion, ref.kind, namespace, name);
  }

  /** Stops reconciling. */
  stop(): void {
    this.unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private keyOfObject(object: KubeObject): string | undefined {
    if (!CONTROLLED_KINDS.has(`${object.apiVersion} ${object.kind}`)) return undefined;
    const { namespace = '', name = '' } = object.metadata;
    return keyOf(object.apiVersion, object.kind, namespace, name);
  }

  private schedule(apiVersion: string, kind: string, namespace: string, name: string): void {
    const key = keyOf(apiVersion, kind, namespace, name);
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.reconcile({ apiVersion, kind }, namespace, name, key);
    }, this.options.readyAfterMs ?? 0);
    timer.unref();
    this.timers.set(key, timer);
  }

  private reconcile(ref: ResourceRef, namespace: string, name: string, key: string): void {
    const type = this.state.typeOf(ref.apiVersion, ref.kind);
    const record = this.state.store.get(bucketOf(type), namespace, name);
    if (!record) return;
    const status = controllerStatus(record.object, this.faults.get(key));
    if (status === undefined) return;
    if (JSON.stringify(record.object['status']) === JSON.stringify(status)) return;
    try {
      this.state.replace(
        type,
        namespace,
        name,
        { ...structuredClone(record.object), status },
        { manager: this.manager, scope: 'status' },
      );
    } catch (error) {
      // A timer must not crash a fleet simulation; the object just keeps its old status.
      process.emitWarning(`kube-sim controller: ${key}: ${(error as Error).message}`);
    }
  }
}

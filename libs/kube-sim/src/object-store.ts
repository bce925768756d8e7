import type { FieldManagers } from './field-ownership';
import type { KubeObject, WatchEvent } from './kube-sim.types';

/** An object as stored, with its field managers kept beside it. */
export interface StoredRecord {
  object: KubeObject;
  managers: FieldManagers;
}

/** A change as the watch log keeps it. */
export interface StoreChange {
  resourceVersion: number;
  /** `<group>/<plural>`: objects are stored once per resource, whatever version serves them. */
  bucket: string;
  event: WatchEvent;
}

type Listener = (change: StoreChange) => void;

/** How many changes a cluster remembers for watches that resume from a resourceVersion. */
const LOG_LIMIT = 1000;

/**
 * One simulated cluster's storage: objects by resource, a cluster-wide resourceVersion that
 * every write increments, and a bounded change log that watches replay and follow.
 */
export class ObjectStore {
  private version = 1;
  private readonly buckets = new Map<string, Map<string, StoredRecord>>();
  private readonly log: StoreChange[] = [];
  private readonly listeners = new Set<Listener>();

  /** The latest resourceVersion, as lists report it. */
  get resourceVersion(): string {
    return String(this.version);
  }

  /** The stored record, or undefined. */
  get(bucket: string, namespace: string, name: string): StoredRecord | undefined {
    return this.buckets.get(bucket)?.get(`${namespace}/${name}`);
  }

  /** Records of a resource, in one namespace or all, sorted by namespace and name. */
  list(bucket: string, namespace?: string): StoredRecord[] {
    const all = [...(this.buckets.get(bucket)?.entries() ?? [])];
    return all
      .filter(([key]) => namespace === undefined || key.startsWith(`${namespace}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, record]) => record);
  }

  /** Stores `record` under a new resourceVersion and tells the watchers. */
  put(bucket: string, record: StoredRecord, type: 'ADDED' | 'MODIFIED'): KubeObject {
    this.version += 1;
    record.object.metadata.resourceVersion = String(this.version);
    const { namespace = '', name = '' } = record.object.metadata;
    let objects = this.buckets.get(bucket);
    if (!objects) {
      objects = new Map();
      this.buckets.set(bucket, objects);
    }
    objects.set(`${namespace}/${name}`, record);
    this.emit(bucket, { type, object: record.object });
    return record.object;
  }

  /** Removes an object under a new resourceVersion and tells the watchers. */
  remove(bucket: string, namespace: string, name: string): KubeObject | undefined {
    const record = this.get(bucket, namespace, name);
    if (!record) return undefined;
    this.buckets.get(bucket)?.delete(`${namespace}/${name}`);
    this.version += 1;
    const object = structuredClone(record.object);
    object.metadata.resourceVersion = String(this.version);
    this.emit(bucket, { type: 'DELETED', object });
    return object;
  }

  /** Changes after `resourceVersion`, or undefined when the log no longer reaches back. */
  changesSince(resourceVersion: number): StoreChange[] | undefined {
    const oldest = this.log[0];
    if (oldest && resourceVersion < oldest.resourceVersion - 1) return undefined;
    if (!oldest && resourceVersion < this.version - 1) return undefined;
    return this.log.filter((c) => c.resourceVersion > resourceVersion);
  }

  /** Calls `listener` for every later change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends every watch (each listener gets no more changes). */
  clearListeners(): void {
    this.listeners.clear();
  }

  private emit(bucket: string, event: WatchEvent): void {
    const change: StoreChange = {
      resourceVersion: this.version,
      bucket,
      event: structuredClone(event),
    };
    this.log.push(change);
    if (this.log.length > LOG_LIMIT) this.log.shift();
    for (const listener of [...this.listeners]) listener(change);
  }
}

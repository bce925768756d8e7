import { asRecord } from '../ownership';
import type { KubeApi } from './kube-api';
import { keyId } from './resource-key';
import type { ResourceKey } from './sync.types';

/** The ConfigMap name holding what an Application applied. */
export const inventoryName = (applicationId: string): string => `flotilla-inv-${applicationId}`;

function parseKeys(text: unknown): ResourceKey[] {
  if (typeof text !== 'string') return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (k): k is ResourceKey =>
        typeof asRecord(k)?.kind === 'string' && typeof asRecord(k)?.name === 'string',
    );
  } catch {
    // A corrupted inventory forgets, it does not fail the sync: nothing unowned is deleted anyway.
    return [];
  }
}

const sortKeys = (keys: Iterable<ResourceKey>): ResourceKey[] =>
  [...new Map([...keys].map((k) => [keyId(k), k])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, k]) => k);

/**
 * What each Application applied, kept in the cluster (ConfigMap `flotilla-inv-<id>`, data.objects
 * = JSON list of resource keys) so that pruning survives restarts and works from any process.
 * Cached after the first read: this process is the cluster's only applier.
 */
export class Inventory {
  private readonly cache = new Map<string, ResourceKey[]>();
  private namespaceReady = false;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly fieldManager: string,
  ) {}

  private header(applicationId: string) {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: inventoryName(applicationId), namespace: this.namespace },
    };
  }

  /** The keys recorded for the Application; `undefined` when it has no inventory. */
  async read(applicationId: string): Promise<ResourceKey[] | undefined> {
    if (this.cache.has(applicationId)) return this.cache.get(applicationId);
    const live = await this.api.get(this.header(applicationId));
    const keys = live ? parseKeys(asRecord(live.data)?.objects) : undefined;
    if (keys) this.cache.set(applicationId, keys);
    return keys;
  }

  /** Records `keys` when they differ from what is recorded. */
  async write(applicationId: string, keys: Iterable<ResourceKey>): Promise<void> {
    const next = sortKeys(keys);
    const prior = this.cache.get(applicationId);
    if (prior && JSON.stringify(sortKeys(prior)) === JSON.stringify(next)) return;
    await this.ensureNamespace();
    await this.api.apply(
      { ...this.header(applicationId), data: { objects: JSON.stringify(next) } },
      this.fieldManager,
    );
    this.cache.set(applicationId, next);
  }

  /** Forgets the Application's inventory. */
  async drop(applicationId: string): Promise<void> {
    await this.api.delete(this.header(applicationId));
    this.cache.delete(applicationId);
  }

  private async ensureNamespace(): Promise<void> {
    if (this.namespaceReady) return;
    await this.api.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } },
      this.fieldManager,
    );
    this.namespaceReady = true;
  }
}

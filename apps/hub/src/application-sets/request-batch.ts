/**
 * Collects the keys field resolvers ask for while one request's list is being resolved and
 * loads them with one call, so a list of N parents costs one look-up instead of N. Keys asked
 * for before the next macrotask share the batch (sibling field resolvers start within the same
 * round of microtasks, after their guards).
 */
export class RequestBatch<K, V> {
  private pending: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly load: (keys: K[]) => Promise<Map<K, V>>) {}

  get(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ key, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const values = await this.load([...new Set(batch.map((b) => b.key))]);
      for (const b of batch) {
        const value = values.get(b.key);
        if (value === undefined) b.reject(new Error(`batch: no value for ${String(b.key)}`));
        else b.resolve(value);
      }
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}

const batches = new WeakMap<object, Map<string, RequestBatch<unknown, unknown>>>();

/**
 * The batch named `name` of one request (`scope`: its context object), created on first use;
 * it goes away with the request.
 */
export function requestBatch<K, V>(
  scope: object,
  name: string,
  load: (keys: K[]) => Promise<Map<K, V>>,
): RequestBatch<K, V> {
  let byName = batches.get(scope);
  if (!byName) batches.set(scope, (byName = new Map()));
  let batch = byName.get(name);
  if (!batch) byName.set(name, (batch = new RequestBatch(load) as RequestBatch<unknown, unknown>));
  return batch as RequestBatch<K, V>;
}

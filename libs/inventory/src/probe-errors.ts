import { probeError, probeErrorKey, type ProbeError } from '@flotilla/contracts';
import type { Redis } from 'ioredis';

const MAX_MESSAGE = 1024;

/**
 * The last failed probe of each kubeconfig cluster, in the Redis hash `probeErrorKey(identity)`
 * (cluster id → {@link ProbeError} as JSON), so the hub can show why a cluster went Stale. Like
 * heartbeats, it may be lost with Redis: the next probe writes it again.
 */
export class ProbeErrors {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    identity: string,
  ) {
    this.key = probeErrorKey(identity);
  }

  /** Keeps a failed probe (replacing the previous one). */
  async record(clusterId: string, error: ProbeError): Promise<void> {
    const value: ProbeError = { ...error, message: error.message.slice(0, MAX_MESSAGE) };
    await this.redis.hset(this.key, clusterId, JSON.stringify(value));
  }

  /** Forgets a cluster's failure (its probe succeeded). */
  async clear(clusterId: string): Promise<void> {
    await this.redis.hdel(this.key, clusterId);
  }

  /** The last failure of each id (undefined where none). */
  async get(clusterIds: readonly string[]): Promise<(ProbeError | undefined)[]> {
    if (clusterIds.length === 0) return [];
    const raw = await this.redis.hmget(this.key, ...clusterIds);
    return raw.map((r) => {
      if (!r) return undefined;
      const parsed = probeError.safeParse(JSON.parse(r));
      return parsed.success ? parsed.data : undefined;
    });
  }
}

import type { Redis } from 'ioredis';

/** What the latest heartbeat said, besides its time. */
export interface HeartbeatStatus {
  state: string;
  message?: string;
  appliedRevision?: string | null;
  /** Epoch milliseconds the hub received it. */
  at: number;
}

/**
 * The latest heartbeat of every cluster, in Redis: heartbeats are not events (DESIGN.md). One
 * sorted set scores cluster ids by their last heartbeat time (the sweep reads it); one hash keeps
 * the short status each agent sent. Losing it loses nothing durable: the sweep treats a cluster
 * missing from the set as just seen (see {@link seedMissing}).
 */
export class HeartbeatStore {
  private readonly seenKey: string;
  private readonly statusKey: string;

  /** `prefix` must be unique per database (see `databaseIdentity`). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.seenKey = `flotilla:${prefix}:heartbeat:seen`;
    this.statusKey = `flotilla:${prefix}:heartbeat:status`;
  }

  /**
   * Records a heartbeat: two writes sent together. With ioredis auto-pipelining, concurrent
   * heartbeats share one round trip to Redis.
   */
  async record(clusterId: string, status: HeartbeatStatus): Promise<void> {
    await Promise.all([
      this.redis.zadd(this.seenKey, status.at, clusterId),
      this.redis.hset(this.statusKey, clusterId, JSON.stringify(status)),
    ]);
  }

  /** The last heartbeat time (epoch ms) of each id, null where none is recorded. */
  async lastSeen(clusterIds: readonly string[]): Promise<(number | null)[]> {
    if (clusterIds.length === 0) return [];
    const scores = await this.redis.zmscore(this.seenKey, ...clusterIds);
    return scores.map((s) => (s === null ? null : Number(s)));
  }

  /**
   * Records `at` for the ids that have no heartbeat at all (after a Redis flush or restart), and
   * returns them: they get a full interval from now before counting as missed, so losing Redis
   * never marks a live fleet Offline.
   */
  async seedMissing(clusterIds: readonly string[], at: number): Promise<string[]> {
    const seen = await this.lastSeen(clusterIds);
    const missing = clusterIds.filter((_, i) => seen[i] === null);
    if (missing.length > 0) {
      await this.redis.zadd(this.seenKey, 'NX', ...missing.flatMap((id) => [at, id]));
    }
    return missing;
  }

  /** The latest status of each id (undefined where none). */
  async status(clusterIds: readonly string[]): Promise<(HeartbeatStatus | undefined)[]> {
    if (clusterIds.length === 0) return [];
    const raw = await this.redis.hmget(this.statusKey, ...clusterIds);
    return raw.map((r) => (r ? (JSON.parse(r) as HeartbeatStatus) : undefined));
  }

  /** Forgets a cluster (deregistered). */
  async forget(clusterId: string): Promise<void> {
    await this.redis.multi().zrem(this.seenKey, clusterId).hdel(this.statusKey, clusterId).exec();
  }
}

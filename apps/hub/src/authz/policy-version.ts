import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

// Raises the stored value only when the new one is greater: versions never go back, even when
// two replicas publish out of order.
const SET_MAX = `
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(ARGV[1]) > tonumber(current) then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return current`;

/**
 * The version of a projection that policy is built from, published in Redis so that every
 * request on every replica can tell whether policy changed with one Redis GET instead of a
 * Postgres query. The projection checkpoint in Postgres stays the truth: when Redis has lost
 * the key (flush, restart) or does not answer, the version is read from Postgres and
 * republished. Positions only grow, so the published version is monotonic.
 */
export class PolicyVersion {
  private keyPromise: Promise<string> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly redis: Redis,
    private readonly projection: { name: string; version: number },
  ) {}

  /**
   * The Redis key, unique to this database: hubs of other databases may share the Redis, and a
   * database dropped and created again (new oid) must not inherit the old, higher version.
   */
  private key(): Promise<string> {
    this.keyPromise ??= this.pool
      .query<{ id: string }>(
        `SELECT (SELECT system_identifier FROM pg_control_system())::text || ':' || oid::text AS id
         FROM pg_database WHERE datname = current_database()`,
      )
      .then(
        (r) =>
          `flotilla:policy-version:${r.rows[0]?.id ?? 'unknown'}:${this.projection.name}:v${this.projection.version}`,
      )
      .catch((error: unknown) => {
        this.keyPromise = null;
        throw error;
      });
    return this.keyPromise;
  }

  async current(): Promise<string> {
    const key = await this.key();
    try {
      const cached = await this.redis.get(key);
      if (cached !== null) return cached;
    } catch {
      return this.fromPostgres(); // Redis down: Postgres alone still answers correctly
    }
    const position = await this.fromPostgres();
    await this.publish(position);
    return position;
  }

  /** Publishes a checkpoint position (call after the projection moved, before answering). */
  async publish(position: string): Promise<void> {
    await this.redis.eval(SET_MAX, 1, await this.key(), position).catch(() => undefined);
  }

  private async fromPostgres(): Promise<string> {
    const { rows } = await this.pool.query<{ position: string }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1 AND version = $2',
      [this.projection.name, this.projection.version],
    );
    return rows[0]?.position ?? '0';
  }
}

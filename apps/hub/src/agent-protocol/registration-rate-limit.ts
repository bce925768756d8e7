import type { Redis } from 'ioredis';
import { RetryLaterError } from './agent-error.filter';

const WINDOW_SECONDS = 60;

/**
 * Counts failed registrations per client address in fixed one-minute windows (in Redis, so all
 * replicas share the count). Past the limit every registration from that address is refused with
 * 429 until the window ends, before its token is even looked at: guessing tokens does not scale.
 */
export class RegistrationRateLimit {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: () => Promise<string>,
    private readonly limit: number,
    private readonly now: () => Date,
  ) {}

  /** Throws RATE_LIMITED (with Retry-After) when `address` has failed too often this minute. */
  async check(address: string): Promise<void> {
    const { key, retryAfter } = await this.window(address);
    const count = Number((await this.redis.get(key)) ?? 0);
    if (count >= this.limit) {
      throw new RetryLaterError(
        `too many failed registrations from ${address}; retry in ${retryAfter} s`,
        retryAfter,
      );
    }
  }

  /** Counts one failed registration of `address`. */
  async fail(address: string): Promise<void> {
    const { key } = await this.window(address);
    await this.redis
      .multi()
      .incr(key)
      .expire(key, WINDOW_SECONDS * 2)
      .exec();
  }

  private async window(address: string): Promise<{ key: string; retryAfter: number }> {
    const seconds = Math.floor(this.now().getTime() / 1000);
    const window = Math.floor(seconds / WINDOW_SECONDS);
    return {
      key: `flotilla:${await this.prefix()}:register-failures:${window}:${address}`,
      retryAfter: (window + 1) * WINDOW_SECONDS - seconds,
    };
  }
}

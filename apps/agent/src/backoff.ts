/** Backoff settings: the first ceiling and the largest delay, in milliseconds. */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
}

/** Below this an attempt waits anyway: full jitter may draw zero, and the agent never spins. */
const FLOOR_MS = 100;

/**
 * Exponential backoff with full jitter (a delay drawn uniformly below a ceiling that doubles
 * with each failure, up to the cap), so that agents cut off together do not return together.
 * `random` is injected (a number in [0, 1)) to make the delays exact in tests.
 */
export class Backoff {
  private failures = 0;
  readonly baseMs: number;
  readonly capMs: number;

  constructor(
    private readonly random: () => number,
    options: BackoffOptions = {},
  ) {
    this.baseMs = options.baseMs ?? 1_000;
    this.capMs = options.capMs ?? 5 * 60_000;
  }

  /** The delay before the next attempt after one more failure; `atLeastMs` is a Retry-After. */
  next(atLeastMs = 0): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const jittered = Math.max(FLOOR_MS, Math.floor(this.random() * ceiling));
    return Math.min(Math.max(jittered, atLeastMs), Math.max(this.capMs, atLeastMs));
  }

  /** After a success: the next failure starts from the base again. */
  reset(): void {
    this.failures = 0;
  }

  /** Failures since the last success. */
  get attempts(): number {
    return this.failures;
  }
}

/**
 * When to send the next heartbeat: at 90 % of the interval minus up to 10 % of jitter, never
 * later, so that network delays do not push a heartbeat past the interval (the hub would mark
 * the cluster Stale).
 */
export function heartbeatDelayMs(intervalSeconds: number, random: () => number): number {
  const interval = intervalSeconds * 1000;
  return Math.max(FLOOR_MS, Math.floor(interval * 0.9 - random() * interval * 0.1));
}

/**
 * Reads `Retry-After` (delay-seconds or an HTTP date) as milliseconds from `nowMs`, or
 * undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

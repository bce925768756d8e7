import { Backoff, heartbeatDelayMs, retryAfterMs } from './backoff';

describe('Backoff', () => {
  it('doubles the ceiling per failure up to the cap, drawing below it (full jitter)', () => {
    const max = new Backoff(() => 0.999_999);
    const delays = Array.from({ length: 12 }, () => max.next());
    expect(delays).toEqual([
      999, 1_999, 3_999, 7_999, 15_999, 31_999, 63_999, 127_999, 255_999, 299_999, 299_999, 299_999,
    ]);
    const half = new Backoff(() => 0.5);
    expect([half.next(), half.next(), half.next()]).toEqual([500, 1_000, 2_000]);
  });

  it('never answers less than 100 ms, so a zero draw does not spin', () => {
    const zero = new Backoff(() => 0);
    expect([zero.next(), zero.next(), zero.next()]).toEqual([100, 100, 100]);
  });

  it('starts again from the base after a success', () => {
    const b = new Backoff(() => 0.5);
    b.next();
    b.next();
    b.next();
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.next()).toBe(500);
  });

  it('waits at least Retry-After, even past the cap', () => {
    const b = new Backoff(() => 0.5);
    expect(b.next(30_000)).toBe(30_000);
    expect(b.next(10)).toBe(1_000);
    expect(new Backoff(() => 0.5).next(600_000)).toBe(600_000);
  });

  it('schedules heartbeats inside the interval: 90 % minus up to 10 % jitter', () => {
    expect(heartbeatDelayMs(30, () => 0)).toBe(27_000);
    expect(heartbeatDelayMs(30, () => 0.999_999)).toBe(24_000);
    expect(heartbeatDelayMs(1, () => 0.5)).toBe(850);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

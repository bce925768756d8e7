import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The headers every delivery carries. */
export const NOTIFICATION_HEADERS = {
  delivery: 'x-flotilla-delivery',
  event: 'x-flotilla-event',
  timestamp: 'x-flotilla-timestamp',
  signature: 'x-flotilla-signature',
} as const;

/** A new signing secret: 32 random bytes, base64url. */
export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The signature of a delivery: `v1=` and the hex HMAC-SHA256, keyed with the rule's secret, of
 * `<timestamp>.<body>` (timestamp: Unix seconds, as sent in `x-flotilla-timestamp`). Signing the
 * timestamp lets a receiver refuse replays of old deliveries.
 */
export function signNotification(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does: true when `signature` is the body's and `timestamp` is within
 * `toleranceSeconds` of `nowSeconds`. Compares in constant time.
 */
export function verifyNotification(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return false;
  const expected = Buffer.from(signNotification(secret, timestamp, body));
  const given = Buffer.from(headers.signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

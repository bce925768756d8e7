import type { StoredCredential } from './credential.store';

const DAY_MS = 24 * 3600_000;

/**
 * The rotation rule of docs/agent-protocol.md: rotate once the time left is below
 * `max(lifetime / 5, min(24 h, lifetime / 2))`, lifetime counted from when the credential was
 * received. With 30 days that is after 24 days; a short-lived credential rotates at half its life
 * instead of on every heartbeat.
 */
export function rotationDue(credential: StoredCredential, nowMs: number): boolean {
  const expires = Date.parse(credential.credentialExpiresAt);
  const received = Date.parse(credential.receivedAt);
  const lifetime = Math.max(0, expires - received);
  const threshold = Math.max(lifetime / 5, Math.min(DAY_MS, lifetime / 2));
  return expires - nowMs < threshold;
}

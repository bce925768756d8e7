import { constantTimeEqual } from '../registration-token/token-value';
import type { ClusterState } from './cluster.decider';

/**
 * Whether a presented credential hash opens this cluster at `now`: the current credential before
 * its expiry, or the previous one before its grace period ends (both bounds exclusive). Always
 * false for an unknown or deregistered cluster. Both candidates are compared, in constant time, so
 * the answer takes as long whichever matched.
 */
export function credentialAccepted(state: ClusterState, presentedHash: string, now: Date): boolean {
  if (state.status !== 'registered') return false;
  const t = now.getTime();
  const { credential, previousCredential } = state;
  const current =
    credential !== undefined &&
    constantTimeEqual(presentedHash, credential.hash) &&
    t < credential.expiresAt.getTime();
  const previous =
    previousCredential !== undefined &&
    constantTimeEqual(presentedHash, previousCredential.hash) &&
    t < previousCredential.validUntil.getTime();
  return current || previous;
}

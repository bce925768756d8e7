import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets (registration tokens, cluster credentials): 256 random bits, base64url, behind a
 * prefix that says what the secret is (so a leaked one is recognisable in logs and by secret
 * scanners). Only {@link hashToken}'s output is ever stored. Randomness is injected; hashing is
 * pure computation.
 */

/** Where secrets get their bytes: `crypto.randomBytes` in the hub, a seeded source in tests. */
export type RandomBytes = (bytes: number) => Uint8Array;

/** Prefix of registration token values. */
export const REGISTRATION_TOKEN_PREFIX = 'flt_reg_';
/** Prefix of cluster credential values. */
export const CLUSTER_CREDENTIAL_PREFIX = 'flt_cls_';

const SECRET_BYTES = 32;

function newSecret(prefix: string, random: RandomBytes): string {
  const bytes = random(SECRET_BYTES);
  // A short read would silently weaken every secret; refuse rather than pad.
  if (bytes.length !== SECRET_BYTES) {
    throw new Error(`random source returned ${bytes.length} bytes, expected ${SECRET_BYTES}`);
  }
  return prefix + Buffer.from(bytes).toString('base64url');
}

/** A new registration token value (`flt_reg_` + 256 bits); shown once, then only its hash is kept. */
export function newTokenValue(random: RandomBytes): string {
  return newSecret(REGISTRATION_TOKEN_PREFIX, random);
}

/** A new per-cluster credential (`flt_cls_` + 256 bits); shown once, then only its hash is kept. */
export function newClusterCredential(random: RandomBytes): string {
  return newSecret(CLUSTER_CREDENTIAL_PREFIX, random);
}

/**
 * SHA-256 of a secret as lowercase hex. No salt or slow hash is needed: the secrets are 256-bit
 * random, so a stolen hash cannot be reversed by guessing.
 */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two strings in time that depends only on their length (hashes have a fixed one). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}

/**
 * The id of the registration token whose value hashes to `tokenHash`: derived, so that the hub
 * finds a presented token's stream without any index, and reveals nothing about the value.
 */
export function registrationTokenId(tokenHash: string): string {
  return createHash('sha256')
    .update(`flotilla/registration-token-id\0${tokenHash}`, 'utf8')
    .digest('hex')
    .slice(0, 32);
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key from `SECRETS_KEYS`: an id (stored in every envelope it seals) and 32 bytes. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** Where initialisation vectors come from: `crypto.randomBytes` unless a test injects another. */
export type RandomBytes = (bytes: number) => Uint8Array;

/** Why a secret could not be sealed or opened. */
export type SecretsErrorCode =
  'NO_KEYS' | 'BAD_KEY' | 'MALFORMED' | 'UNKNOWN_KEY' | 'NOT_AUTHENTIC';

/**
 * A secret that cannot be sealed or opened. Messages name the key id and the context (neither is
 * secret) and never the plaintext, the ciphertext or key material.
 */
export class SecretsError extends Error {
  override readonly name = 'SecretsError';
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96 bits: the IV length GCM is specified for (longer ones are hashed down, shorter are weak). */
const IV_BYTES = 12;
/** The full 128-bit tag, enforced on open: Node would otherwise accept truncated tags. */
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const HOW_TO_SET_KEYS =
  'set SECRETS_KEYS to id:base64 of 32 random bytes, e.g. SECRETS_KEYS=k1:$(openssl rand -base64 32)';

interface Envelope {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * Encrypts secrets at rest (push-mode kubeconfigs, Git credentials) with AES-256-GCM.
 *
 * An envelope is `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), so it says which key
 * sealed it and old envelopes stay readable when the format or the key changes. The first key
 * seals; every key opens, which is how keys rotate: put the new key first, {@link reseal} what
 * {@link needsReseal}, then drop the old key. The caller's `context` (the record the secret
 * belongs to, e.g. `cluster/<id>/kubeconfig`) is authenticated with the ciphertext but not stored
 * in it: an envelope copied into another record does not open there.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: SecretKey | undefined;

  /**
   * @param keys as parsed from `SECRETS_KEYS`; the first seals. May be empty: then nothing can
   *   be sealed or opened, which only matters once a secret is actually used.
   * @param random a source of IV bytes; it must never repeat under one key (GCM's one rule), so
   *   anything but `crypto.randomBytes` belongs in tests only.
   */
  constructor(
    keys: readonly SecretKey[],
    private readonly random: RandomBytes = randomBytes,
  ) {
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) {
        throw new SecretsError('BAD_KEY', `secrets key id "${id}" must match ${KEY_ID.source}`);
      }
      if (key.length !== KEY_BYTES) {
        throw new SecretsError('BAD_KEY', `secrets key ${id} must be ${KEY_BYTES} bytes`);
      }
      if (map.has(id)) throw new SecretsError('BAD_KEY', `secrets key id ${id} appears twice`);
      // A private copy: zeroing or reusing the caller's buffer must not change what we hold.
      map.set(id, Buffer.from(key));
    }
    this.keys = map;
    const first = keys[0];
    this.active = first ? { id: first.id, key: map.get(first.id)! } : undefined;
  }

  /** The id of the key that seals, or undefined when no key is configured. */
  get activeKeyId(): string | undefined {
    return this.active?.id;
  }

  /** Encrypts `plaintext` under the active key, bound to `context`, with a fresh random IV. */
  seal(plaintext: string, context: string): string {
    if (!this.active) {
      throw new SecretsError(
        'NO_KEYS',
        `cannot encrypt ${context}: no secrets key; ${HOW_TO_SET_KEYS}`,
      );
    }
    const iv = Buffer.from(this.random(IV_BYTES));
    if (iv.length !== IV_BYTES) {
      throw new Error(`random source returned ${iv.length} bytes, expected ${IV_BYTES}`);
    }
    const cipher = createCipheriv(ALGORITHM, this.active.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.active.id, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.active.id, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypts an envelope sealed for `context`. Throws a {@link SecretsError} when the envelope is
   * malformed, its key is not configured, or it was altered or sealed for another context.
   */
  open(envelope: string, context: string): string {
    const { keyId, iv, ciphertext, tag } = parse(envelope);
    const key = this.keys.get(keyId);
    if (!key) {
      const known = [...this.keys.keys()].join(', ') || 'none';
      throw new SecretsError(
        'UNKNOWN_KEY',
        `cannot decrypt ${context}: it was sealed with key ${keyId}, which is not in SECRETS_KEYS (configured: ${known})`,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId, context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsError(
        'NOT_AUTHENTIC',
        `cannot decrypt ${context}: the sealed value was altered or belongs to another record`,
      );
    }
  }

  /** The id of the key that sealed `envelope` (stored beside it to find what needs resealing). */
  keyIdOf(envelope: string): string {
    return parse(envelope).keyId;
  }

  /** True when `envelope` was not sealed with the active key, so {@link reseal} would change it. */
  needsReseal(envelope: string): boolean {
    return parse(envelope).keyId !== this.active?.id;
  }

  /**
   * Re-encrypts `envelope` under the active key (opening it with whichever key sealed it). An
   * envelope already under the active key is returned as it is.
   */
  reseal(envelope: string, context: string): string {
    if (!this.needsReseal(envelope)) return envelope;
    return this.seal(this.open(envelope, context), context);
  }
}

/**
 * The authenticated header: format version, key id and context, NUL-separated. Key ids cannot
 * contain NUL, so no two (keyId, context) pairs give the same bytes.
 */
function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}\0${keyId}\0${context}`, 'utf8');
}

function parse(envelope: string): Envelope {
  const parts = envelope.split('.');
  // Key ids may contain dots; base64url never does, so the last three parts are the binary ones.
  const keyId = parts.slice(1, -3).join('.');
  const [iv, ciphertext, tag] = parts.slice(-3).map(decodeCanonical);
  if (
    parts[0] !== VERSION ||
    parts.length < 5 ||
    !KEY_ID.test(keyId) ||
    iv?.length !== IV_BYTES ||
    ciphertext === undefined ||
    tag?.length !== TAG_BYTES
  ) {
    throw new SecretsError(
      'MALFORMED',
      `not a sealed secret: expected ${VERSION}.<keyId>.<iv>.<ciphertext>.<tag>`,
    );
  }
  return { keyId, iv, ciphertext, tag };
}

/**
 * Strict base64url: Node's decoder skips foreign characters and ignores the spare bits of the
 * last character, so two different strings could decode to the same bytes. Only the one
 * canonical spelling of each byte string is accepted, so any change to an envelope is refused.
 */
function decodeCanonical(part: string): Buffer | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

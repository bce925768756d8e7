import { randomBytes } from 'node:crypto';
import { SecretBox, SecretsError, type SecretKey, type SecretsErrorCode } from './secret-box';

const OLD: SecretKey = { id: 'k2025', key: randomBytes(32) };
const NEW: SecretKey = { id: 'k2026', key: randomBytes(32) };
const CONTEXT = 'cluster/0b6f4c1e/kubeconfig';
const KUBECONFIG =
  'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user: {token: s3cr3t-ü}\n';

/** Runs `f` and returns the SecretsError it throws, failing when it throws nothing or another. */
function refusal(f: () => unknown): SecretsError {
  try {
    f();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  throw new Error('expected a SecretsError');
}

function expectRefused(f: () => unknown, code: SecretsErrorCode, message?: RegExp): void {
  const error = refusal(f);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  // Nothing secret ever reaches a message (they end up in logs and GraphQL errors).
  for (const secret of [KUBECONFIG, 's3cr3t', ...[OLD, NEW].map((k) => k.key.toString('base64'))]) {
    expect(error.message).not.toContain(secret);
  }
}

/** Replaces one character of part `index` of an envelope with another base64url character. */
function tamper(envelope: string, index: number): string {
  const parts = envelope.split('.');
  const part = parts[index]!;
  const at = Math.floor(part.length / 2);
  const swapped = part[at] === 'A' ? 'B' : 'A';
  parts[index] = part.slice(0, at) + swapped + part.slice(at + 1);
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox([NEW, OLD]);

  it('round-trips, including empty and non-ASCII plaintext', () => {
    for (const plaintext of [KUBECONFIG, '', 'x'.repeat(100_000)]) {
      expect(box.open(box.seal(plaintext, CONTEXT), CONTEXT)).toBe(plaintext);
    }
  });

  it('writes a versioned, self-describing envelope with a 96-bit IV and a 128-bit tag', () => {
    const envelope = box.seal(KUBECONFIG, CONTEXT);
    const [version, keyId, iv, ciphertext, tag, ...rest] = envelope.split('.');
    expect({ version, keyId, rest }).toEqual({ version: 'v1', keyId: 'k2026', rest: [] });
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength(Buffer.byteLength(KUBECONFIG));
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(envelope).not.toContain('s3cr3t');
    expect(box.keyIdOf(envelope)).toBe('k2026');
  });

  it('uses a fresh IV each time, so sealing the same secret twice gives different envelopes', () => {
    const envelopes = new Set(Array.from({ length: 50 }, () => box.seal(KUBECONFIG, CONTEXT)));
    expect(envelopes.size).toBe(50);
    const ivs = new Set([...envelopes].map((e) => e.split('.')[2]));
    expect(ivs.size).toBe(50);
  });

  it('takes its IVs from the injected random source', () => {
    const calls: number[] = [];
    const seeded = new SecretBox([NEW], (n) => (calls.push(n), Buffer.alloc(n, 7)));
    const envelope = seeded.seal('a', CONTEXT);
    expect(calls).toEqual([12]);
    expect(envelope.split('.')[2]).toBe(Buffer.alloc(12, 7).toString('base64url'));
    expect(() => new SecretBox([NEW], () => Buffer.alloc(8)).seal('a', CONTEXT)).toThrow(
      /expected 12/,
    );
  });

  it.each([
    [2, 'iv'],
    [3, 'ciphertext'],
    [4, 'tag'],
  ])('refuses an envelope whose part %i (%s) was altered', (index) => {
    const envelope = box.seal(KUBECONFIG, CONTEXT);
    expectRefused(() => box.open(tamper(envelope, index), CONTEXT), 'NOT_AUTHENTIC', /altered/);
  });

  it('refuses an envelope whose key id or version was altered', () => {
    const envelope = box.seal(KUBECONFIG, CONTEXT);
    // Naming the other configured key: the key is wrong, and the key id is authenticated too.
    const relabelled = envelope.replace('.k2026.', '.k2025.');
    expectRefused(() => box.open(relabelled, CONTEXT), 'NOT_AUTHENTIC');
    expectRefused(() => box.open(envelope.replace('v1.', 'v2.'), CONTEXT), 'MALFORMED');
  });

  it('accepts only the canonical spelling of each part (no silently ignored bits)', () => {
    const envelope = box.seal('abcd', CONTEXT);
    const parts = envelope.split('.');
    // 12 IV bytes are 16 characters with no spare bits; a 4-byte ciphertext has 4 spare bits.
    const ct = parts[3]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(ct.at(-1)!) ^ 1]!;
    parts[3] = ct.slice(0, -1) + sibling;
    expect(Buffer.from(parts[3], 'base64url')).toEqual(Buffer.from(ct, 'base64url'));
    expectRefused(() => box.open(parts.join('.'), CONTEXT), 'MALFORMED');
  });

  it.each([
    ['empty', ''],
    ['not an envelope', 'hello'],
    ['too few parts', 'v1.k2026.aaaa.bbbb'],
    ['a truncated tag', (e: string) => e.slice(0, -4)],
    ['padding', (e: string) => `${e}=`],
    ['a foreign character in the key id', (e: string) => e.replace('.k2026.', '.k+2026.')],
    ['a foreign character in the IV', (e: string) => e.replace(/^(v1\.k2026\.)./, '$1+')],
  ])('refuses a malformed envelope: %s', (_, change) => {
    const envelope = box.seal(KUBECONFIG, CONTEXT);
    const bad = typeof change === 'string' ? change : change(envelope);
    expectRefused(() => box.open(bad, CONTEXT), 'MALFORMED', /v1\.<keyId>/);
    expectRefused(() => box.needsReseal(bad), 'MALFORMED');
  });

  it('refuses an envelope moved to another record (context is bound as AAD)', () => {
    const envelope = box.seal(KUBECONFIG, CONTEXT);
    expectRefused(
      () => box.open(envelope, 'cluster/other/kubeconfig'),
      'NOT_AUTHENTIC',
      /cluster\/other\/kubeconfig.*another record/,
    );
    // A context that only differs where the key id could hide is still another context.
    expectRefused(() => box.open(envelope, `${CONTEXT}\0`), 'NOT_AUTHENTIC');
  });

  it('refuses an envelope sealed with a key it does not have, naming the key id', () => {
    const other = new SecretBox([{ id: 'elsewhere', key: randomBytes(32) }]);
    const envelope = other.seal(KUBECONFIG, CONTEXT);
    expectRefused(
      () => box.open(envelope, CONTEXT),
      'UNKNOWN_KEY',
      /key elsewhere, which is not in SECRETS_KEYS \(configured: k2026, k2025\)/,
    );
  });

  it('refuses an envelope sealed with a same-named but different key', () => {
    const impostor = new SecretBox([{ id: NEW.id, key: randomBytes(32) }]);
    expectRefused(() => box.open(impostor.seal('x', CONTEXT), CONTEXT), 'NOT_AUTHENTIC');
  });

  it('rotates keys: old envelopes open, need resealing, reseal under the new key, then the old key can go', () => {
    const before = new SecretBox([OLD]);
    const sealedOld = before.seal(KUBECONFIG, CONTEXT);
    expect(before.needsReseal(sealedOld)).toBe(false);
    expect(before.reseal(sealedOld, CONTEXT)).toBe(sealedOld);

    const during = new SecretBox([NEW, OLD]);
    expect(during.activeKeyId).toBe('k2026');
    expect(during.open(sealedOld, CONTEXT)).toBe(KUBECONFIG);
    expect(during.needsReseal(sealedOld)).toBe(true);
    const resealed = during.reseal(sealedOld, CONTEXT);
    expect(during.keyIdOf(resealed)).toBe('k2026');
    expect(during.needsReseal(resealed)).toBe(false);
    expect(during.reseal(resealed, CONTEXT)).toBe(resealed);
    // Resealing keeps the binding: the resealed value still opens only in its own record.
    expectRefused(() => during.reseal(sealedOld, 'cluster/other/kubeconfig'), 'NOT_AUTHENTIC');

    const after = new SecretBox([NEW]);
    expect(after.open(resealed, CONTEXT)).toBe(KUBECONFIG);
    expectRefused(() => after.open(sealedOld, CONTEXT), 'UNKNOWN_KEY', /k2025/);
  });

  it('supports key ids with dots (allowed by SECRETS_KEYS)', () => {
    const dotted = new SecretBox([{ id: 'prod.2026-01', key: randomBytes(32) }]);
    const envelope = dotted.seal(KUBECONFIG, CONTEXT);
    expect(dotted.keyIdOf(envelope)).toBe('prod.2026-01');
    expect(dotted.open(envelope, CONTEXT)).toBe(KUBECONFIG);
  });

  it('without keys, refuses to seal and tells the operator how to make a key', () => {
    const empty = new SecretBox([]);
    expect(empty.activeKeyId).toBeUndefined();
    expectRefused(
      () => empty.seal(KUBECONFIG, CONTEXT),
      'NO_KEYS',
      /SECRETS_KEYS.*openssl rand -base64 32/,
    );
    const envelope = box.seal(KUBECONFIG, CONTEXT);
    expectRefused(() => empty.open(envelope, CONTEXT), 'UNKNOWN_KEY', /configured: none/);
    expect(empty.needsReseal(envelope)).toBe(true);
  });

  it('refuses bad keys when constructed', () => {
    expectRefused(() => new SecretBox([{ id: 'short', key: randomBytes(16) }]), 'BAD_KEY', /32/);
    expectRefused(() => new SecretBox([NEW, { ...OLD, id: NEW.id }]), 'BAD_KEY', /twice/);
    expectRefused(() => new SecretBox([{ id: 'a b', key: randomBytes(32) }]), 'BAD_KEY');
  });

  it('keeps its own copy of the keys', () => {
    const key = randomBytes(32);
    const own = new SecretBox([{ id: 'k', key }]);
    const envelope = own.seal(KUBECONFIG, CONTEXT);
    key.fill(0);
    expect(own.open(envelope, CONTEXT)).toBe(KUBECONFIG);
  });
});

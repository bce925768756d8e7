import {
  registrationTokenId,
  constantTimeEqual,
  hashToken,
  newClusterCredential,
  newTokenValue,
  type RandomBytes,
} from './token-value';

const fixed =
  (byte: number): RandomBytes =>
  (n) =>
    new Uint8Array(n).fill(byte);

describe('token values', () => {
  it('are a prefix and 256 random bits in base64url', () => {
    const value = newTokenValue(fixed(0xff));
    expect(value).toBe(`flt_reg_${'_'.repeat(42)}8`);
    expect(value).toMatch(/^flt_reg_[A-Za-z0-9_-]{43}$/);
    expect(newClusterCredential(fixed(0))).toMatch(/^flt_cls_A{42}A$/);
  });

  it('asks the random source for 32 bytes and refuses a short read', () => {
    const asked: number[] = [];
    newTokenValue((n) => (asked.push(n), new Uint8Array(n)));
    expect(asked).toEqual([32]);
    expect(() => newTokenValue(() => new Uint8Array(16))).toThrow(
      'random source returned 16 bytes, expected 32',
    );
  });

  it('hash to SHA-256 hex', () => {
    expect(hashToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', true],
  ])('constantTimeEqual(%p, %p) is %p', (a, b, equal) => {
    expect(constantTimeEqual(a, b)).toBe(equal);
  });

  it('derive a token id from the hash: stable, distinct, and not the hash itself', () => {
    const hash = hashToken('flt_reg_x');
    expect(registrationTokenId(hash)).toMatch(/^[0-9a-f]{32}$/);
    expect(registrationTokenId(hash)).toBe(registrationTokenId(hash));
    expect(registrationTokenId(hash)).not.toBe(registrationTokenId(hashToken('flt_reg_y')));
    expect(hash.startsWith(registrationTokenId(hash))).toBe(false);
  });
});

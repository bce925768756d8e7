import { createCipheriv, createPrivateKey, X509Certificate } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import type { GoMap, GoValue } from '../values';
import { FIXED_NOW, caller, testFunctions } from './spec-support';

const call = caller(testFunctions());

describe('sprig hashes', () => {
  it.each<[string, string, string]>([
    // crypto_test.go
    ['sha1sum', '123456789', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['sha256sum', '123456789', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
    [
      'sha512sum',
      '',
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    ],
    ['adler32sum', '123456789', '152961502'],
    ['adler32sum', '', '1'],
  ])('%s(%p)', (name, input, expected) => {
    expect(call(name, input)).toBe(expected);
  });
});

describe('sprig passwords', () => {
  it('derivePassword follows the Master Password algorithm', () => {
    // crypto_test.go TestDerivePassword
    expect(call('derivePassword', 1n, 'long', 'password', 'user', 'example.com')).toBe(
      'ZedaFaxcZaso9*',
    );
    expect(call('derivePassword', 1n, 'nope', 'p', 'u', 's')).toBe(
      'cannot find password template nope',
    );
  });

  it('htpasswd and bcrypt produce $2a$10$ hashes that verify', () => {
    const line = call('htpasswd', 'myUser', 'myPassword') as string;
    expect(line).toMatch(/^myUser:\$2a\$10\$[./A-Za-z0-9]{53}$/);
    expect(bcryptjs.compareSync('myPassword', line.slice('myUser:'.length))).toBe(true);
    expect(call('htpasswd', 'my:user', 'x')).toBe('invalid username: my:user');
    const hash = call('bcrypt', 'secret') as string;
    expect(bcryptjs.compareSync('secret', hash)).toBe(true);
    expect(call('bcrypt', 'x'.repeat(73))).toBe(
      'failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes',
    );
  });
});

describe('sprig AES', () => {
  it('round-trips through encryptAES and decryptAES', () => {
    // crypto_test.go TestEncryptDecryptAES
    const enc = call('encryptAES', 'secretkey', 'plaintext') as string;
    expect(Buffer.from(enc, 'base64')).toHaveLength(32);
    expect(call('decryptAES', 'secretkey', enc)).toBe('plaintext');
    expect(call('encryptAES', 'k', '')).toBe('');
    expect(call('decryptAES', 'k', '')).toBe('');
  });

  it('decrypts what Go produces: IV first, AES-256-CBC, key zero-padded, PKCS#7', () => {
    const key = Buffer.alloc(32);
    Buffer.from('secretkey').copy(key);
    const iv = Buffer.alloc(16, 7);
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    const body = Buffer.concat([cipher.update('exactly 16 bytes'), cipher.final()]);
    expect(call('decryptAES', 'secretkey', Buffer.concat([iv, body]).toString('base64'))).toBe(
      'exactly 16 bytes',
    );
  });

  it('fails like Go on corrupt input', () => {
    expect(() => call('decryptAES', 'k', '!!')).toThrow('illegal base64 data at input byte 0');
    expect(() => call('decryptAES', 'k', Buffer.alloc(20).toString('base64'))).toThrow(
      'crypto/cipher: input not full blocks',
    );
  });
});

describe('sprig random values', () => {
  it.each<[string, RegExp]>([
    ['randAlphaNum', /^[A-Za-z0-9]{12}$/],
    ['randAlpha', /^[A-Za-z]{12}$/],
    ['randNumeric', /^[0-9]{12}$/],
    ['randAscii', /^[ -~]{12}$/],
  ])('%s draws from its alphabet', (name, pattern) => {
    expect(call(name, 12n)).toMatch(pattern);
    expect(call(name, 0n)).toBe('');
  });

  it('is deterministic with an injected source and varies between draws', () => {
    const a = caller(testFunctions(1));
    const b = caller(testFunctions(1));
    expect(a('randAlphaNum', 16n)).toBe(b('randAlphaNum', 16n));
    expect(a('randAlphaNum', 16n)).not.toBe(a('randAlphaNum', 16n));
  });

  it('uuidv4 and randBytes have the right shape', () => {
    expect(call('uuidv4')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Buffer.from(call('randBytes', 12n) as string, 'base64')).toHaveLength(12);
  });
});

describe('sprig keys and certificates', () => {
  const parse = (c: GoValue): X509Certificate =>
    new X509Certificate((c as GoMap)['Cert'] as string);

  it.each<[string, string]>([
    ['ecdsa', '-----BEGIN EC PRIVATE KEY-----'],
    ['ed25519', '-----BEGIN PRIVATE KEY-----'],
    ['dsa', '-----BEGIN DSA PRIVATE KEY-----'],
  ])('genPrivateKey %p', (type, header) => {
    const pem = call('genPrivateKey', type) as string;
    expect(pem.startsWith(header)).toBe(true);
    expect(pem.endsWith('-----\n')).toBe(true);
    // The key must be readable back (DSA: Go's own ASN.1 layout, with Y recomputed).
    expect(createPrivateKey(pem).asymmetricKeyType).toBe(type === 'ecdsa' ? 'ec' : type);
  });

  it('genPrivateKey defaults to a 4096-bit RSA key and reports unknown types', () => {
    const pem = call('genPrivateKey', '') as string;
    expect(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----')).toBe(true);
    expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(call('genPrivateKey', 'foo')).toBe('Unknown type foo');
  });

  it('genCA makes a self-signed CA valid for the given days', () => {
    const ca = call('genCA', 'foo-ca', 365n);
    const cert = parse(ca);
    expect(cert.subject).toBe('CN=foo-ca');
    expect(cert.issuer).toBe('CN=foo-ca');
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validFrom).getTime()).toBe(FIXED_NOW.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(FIXED_NOW.getTime() + 365 * 86_400_000);
    expect((ca as GoMap)['Key']).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('genSelfSignedCert carries IP and DNS subject alternative names', () => {
    const cert = parse(call('genSelfSignedCert', 'foo.com', ['10.0.0.1', '::1'], ['bar.com'], 30n));
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe(
      'DNS:bar.com, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('genSignedCert is issued and signed by the CA', () => {
    const ca = call('genCA', 'my-ca', 10n);
    const leaf = parse(call('genSignedCert', 'leaf.example', null, ['leaf.example'], 10n, ca));
    const caCert = parse(ca);
    expect(leaf.issuer).toBe('CN=my-ca');
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
  });

  it('the *WithKey variants use the given key', () => {
    const ecKey = call('genPrivateKey', 'ecdsa') as string;
    const ca = call('genCAWithKey', 'ec-ca', 5n, ecKey) as GoMap;
    expect(ca['Key']).toBe(ecKey);
    expect(parse(ca).verify(parse(ca).publicKey)).toBe(true);
    const edKey = call('genPrivateKey', 'ed25519') as string;
    const self = call('genSelfSignedCertWithKey', 'ed', null, null, 5n, edKey);
    expect(parse(self).verify(parse(self).publicKey)).toBe(true);
    const signed = call('genSignedCertWithKey', 'leaf', null, null, 5n, ca, edKey);
    expect(parse(signed).verify(parse(ca).publicKey)).toBe(true);
  });

  it('buildCustomCert checks and returns the decoded PEMs', () => {
    const ca = call('genCA', 'x', 1n) as GoMap;
    const b64 = (s: GoValue): string => Buffer.from(s as string).toString('base64');
    expect(call('buildCustomCert', b64(ca['Cert']), b64(ca['Key']))).toEqual(ca);
    expect(() => call('buildCustomCert', '!', b64(ca['Key']))).toThrow(
      'unable to decode base64 certificate',
    );
    expect(() => call('buildCustomCert', b64('nope'), b64(ca['Key']))).toThrow(
      'unable to decode certificate',
    );
    expect(() => call('buildCustomCert', b64(ca['Cert']), b64('nope'))).toThrow(
      'error parsing private key: no PEM data in input',
    );
  });

  it.each<[string, GoValue[], string]>([
    ['genSelfSignedCert', ['x', ['1.2.3'], null, 1n], 'error parsing ip: 1.2.3'],
    ['genSelfSignedCert', ['x', [1n], null, 1n], 'error parsing ip: 1 is not a string'],
    [
      'genSelfSignedCert',
      ['x', null, [2n], 1n],
      'error processing alternate dns name: 2 is not a string',
    ],
    ['genCAWithKey', ['x', 1n, 'junk'], 'parsing private key: no PEM data in input'],
    ['genSignedCert', ['x', null, null, 1n, { Cert: '', Key: '' }], 'unable to decode certificate'],
  ])('%s fails like Go', (name, args, message) => {
    expect(() => call(name, ...args)).toThrow(message);
  });
});

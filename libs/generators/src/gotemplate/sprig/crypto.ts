/**
 * Sprig's crypto.go hashing, passwords, AES and random functions, and the goutils random
 * strings. Randomness comes from the injected source so tests are deterministic; key and
 * certificate generation live in certs.ts.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, scryptSync } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { base64Decode } from './encoding';

/** Draws n bytes from a [0,1) random source. */
export function randomBytesFrom(random: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256) & 0xff;
  return b;
}

/** adler32.Checksum. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** bcrypt's own base64 of the 16-byte salt (22 characters). */
function bcryptSalt(raw: Buffer): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c1 = raw[i++] as number;
    out += BCRYPT_ALPHABET.charAt(c1 >> 2);
    let c = (c1 & 0x03) << 4;
    if (i >= raw.length) {
      out += BCRYPT_ALPHABET.charAt(c);
      break;
    }
    const c2 = raw[i++] as number;
    out += BCRYPT_ALPHABET.charAt(c | (c2 >> 4));
    c = (c2 & 0x0f) << 2;
    if (i >= raw.length) {
      out += BCRYPT_ALPHABET.charAt(c);
      break;
    }
    const c3 = raw[i++] as number;
    out += BCRYPT_ALPHABET.charAt(c | (c3 >> 6)) + BCRYPT_ALPHABET.charAt(c3 & 0x3f);
  }
  return out;
}

/** golang.org/x/crypto/bcrypt.GenerateFromPassword with DefaultCost ($2a$10$). */
function bcrypt(input: string, random: () => number): string {
  if (Buffer.byteLength(input, 'utf8') > 72) {
    return 'failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes';
  }
  return bcryptjs.hashSync(input, `$2a$10$${bcryptSalt(randomBytesFrom(random, 16))}`);
}

const MASTER_PASSWORD_SEED = 'com.lyndir.masterpassword';
const PASSWORD_TEMPLATES: Record<string, string[]> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv',
    'CvcvCvcvnoCvcv',
    'CvcvCvcvCvcvno',
    'CvccnoCvcvCvcv',
    'CvccCvcvnoCvcv',
    'CvccCvcvCvcvno',
    'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno',
    'CvcvnoCvcvCvcc',
    'CvcvCvcvnoCvcc',
    'CvcvCvcvCvccno',
    'CvccnoCvccCvcv',
    'CvccCvccnoCvcv',
    'CvccCvccCvcvno',
    'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc',
    'CvcvCvccCvccno',
    'CvccnoCvcvCvcc',
    'CvccCvcvnoCvcc',
    'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};
const TEMPLATE_CHARACTERS: Record<string, string> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Master Password's derivation (Sprig's derivePassword). */
function derivePassword(
  counter: number,
  type: string,
  password: string,
  user: string,
  site: string,
): string {
  const templates = PASSWORD_TEMPLATES[type];
  if (!templates) return `cannot find password template ${type}`;
  const seed = Buffer.from(MASTER_PASSWORD_SEED);
  const userBytes = Buffer.from(user, 'utf8');
  const salt = Buffer.concat([seed, uint32be(userBytes.length), userBytes]);
  const key = scryptSync(Buffer.from(password, 'utf8'), salt, 64, {
    N: 32768,
    r: 8,
    p: 2,
    maxmem: 256 * 1024 * 1024,
  });
  const siteBytes = Buffer.from(site, 'utf8');
  const message = Buffer.concat([seed, uint32be(siteBytes.length), siteBytes, uint32be(counter)]);
  const hmac = createHmac('sha256', key).update(message).digest();
  const template = templates[(hmac[0] as number) % templates.length] as string;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const chars = TEMPLATE_CHARACTERS[template[i] as string] as string;
    out += chars[(hmac[i + 1] as number) % chars.length];
  }
  return out;
}

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(password, 'utf8').copy(key, 0, 0, 32);
  return key;
}

function encryptAES(password: string, plaintext: string, random: () => number): string {
  if (plaintext === '') return '';
  const content = Buffer.from(plaintext, 'utf8');
  const padding = 16 - (content.length % 16);
  const iv = randomBytesFrom(random, 16);
  const cipher = createCipheriv('aes-256-cbc', aesKey(password), iv).setAutoPadding(false);
  const body = Buffer.concat([
    cipher.update(Buffer.concat([content, Buffer.alloc(padding, padding)])),
    cipher.final(),
  ]);
  return Buffer.concat([iv, body]).toString('base64');
}

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  const crypt = base64Decode(crypt64);
  if (crypt.length < 16)
    throw new Error(`runtime error: slice bounds out of range [:16] with capacity ${crypt.length}`);
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new Error('crypto/cipher: input not full blocks');
  if (body.length === 0) throw new Error('runtime error: index out of range [-1]');
  const decipher = createDecipheriv(
    'aes-256-cbc',
    aesKey(password),
    crypt.subarray(0, 16),
  ).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(body), decipher.final()]);
  const cut = plain.length - (plain[plain.length - 1] as number);
  if (cut < 0) throw new Error(`runtime error: slice bounds out of range [:${cut}]`);
  return plain.subarray(0, cut).toString('utf8');
}

/** goutils.CryptoRandom: runes drawn from [start, end) until `count` pass the letter/digit filter. */
function cryptoRandom(
  count: number,
  start: number,
  end: number,
  letters: boolean,
  numbers: boolean,
  random: () => number,
): string {
  if (count <= 0) return '';
  if (start === 0 && end === 0) {
    end = 0x7a + 1;
    start = 0x20;
    if (!letters && !numbers) {
      start = 0;
      end = 0x10ffff;
    }
  }
  let out = '';
  for (let n = 0; n < count;) {
    const ch = String.fromCodePoint(start + Math.floor(random() * (end - start)));
    if (
      (letters && /^\p{L}$/u.test(ch)) ||
      (numbers && /^\p{Nd}$/u.test(ch)) ||
      (!letters && !numbers)
    ) {
      out += ch;
      n++;
    }
  }
  return out;
}

function uuidv4(random: () => number): string {
  const b = randomBytesFrom(random, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const hash = (alg: string) => (v: GoValue) =>
  createHash(alg)
    .update(v as string, 'utf8')
    .digest('hex');

/** The hashing, password, AES and random functions, keyed by template name. */
export function cryptoFunctions(random: () => number): Record<string, GoTemplateFunction> {
  const S = { params: ['string' as const] };
  const I = { params: ['int' as const] };
  const n = (v: GoValue): number => Number(v as bigint);
  return {
    sha1sum: signed(hash('sha1'), S),
    sha256sum: signed(hash('sha256'), S),
    sha512sum: signed(hash('sha512'), S),
    adler32sum: signed((v) => String(adler32(Buffer.from(v as string, 'utf8'))), S),
    bcrypt: signed((v) => bcrypt(v as string, random), S),
    htpasswd: signed(
      (u, p) => {
        if ((u as string).includes(':')) return `invalid username: ${u as string}`;
        return `${u as string}:${bcrypt(p as string, random)}`;
      },
      { params: ['string', 'string'] },
    ),
    derivePassword: signed(
      (c, t, p, u, s) =>
        derivePassword(Number(c as bigint), t as string, p as string, u as string, s as string),
      { params: ['uint', 'string', 'string', 'string', 'string'] },
    ),
    encryptAES: signed((p, t) => encryptAES(p as string, t as string, random), {
      params: ['string', 'string'],
    }),
    decryptAES: signed((p, c) => decryptAES(p as string, c as string), {
      params: ['string', 'string'],
    }),
    randBytes: signed((c) => randomBytesFrom(random, n(c)).toString('base64'), I),
    uuidv4: signed(() => uuidv4(random), { params: [] }),
    randAlphaNum: signed((c) => cryptoRandom(n(c), 0, 0, true, true, random), I),
    randAlpha: signed((c) => cryptoRandom(n(c), 0, 0, true, false, random), I),
    randAscii: signed((c) => cryptoRandom(n(c), 32, 127, false, false, random), I),
    randNumeric: signed((c) => cryptoRandom(n(c), 0, 0, false, true, random), I),
  };
}

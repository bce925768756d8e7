/**
 * Sprig's key and certificate functions (genPrivateKey, genCA, genSelfSignedCert, genSignedCert,
 * their *WithKey variants, buildCustomCert). Keys come from node:crypto; certificates are
 * assembled in DER here the way Go's x509.CreateCertificate lays them out (extension order,
 * critical flags, subject key id for CAs, authority key id from the signer), then signed with
 * node:crypto. A certificate is the map {Cert, Key} (Go's struct with those fields).
 * Past 300 lines because the DER writer/reader and the certificate layout only make sense together.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { signed, type GoMap, type GoTemplateFunction, type GoValue } from '../values';
import { base64Decode } from './encoding';
import { formatV } from './cast';
import { randomBytesFrom } from './crypto';

const der = (tag: number, body: Buffer): Buffer => {
  const len = body.length;
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), body]);
};
const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => der(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer =>
  der(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean): Buffer => der(0x01, Buffer.from([v ? 0xff : 0]));
const NULL = Buffer.from([0x05, 0x00]);

function integer(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let b = Buffer.from(hex, 'hex');
  if ((b[0] as number) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return der(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [(parts[0] as number) * 40 + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

function goTime(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const p = (n: number): string => String(n).padStart(2, '0');
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return der(0x17, Buffer.from(`${p(y % 100)}${rest}`));
  return der(0x18, Buffer.from(`${String(y).padStart(4, '0')}${rest}`));
}

/** pkix.Name{CommonName: cn}: PrintableString when possible, else UTF8String; empty → no RDN. */
function subjectName(cn: string): Buffer {
  if (cn === '') return seq();
  const printable = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(cn);
  return seq(set(seq(oid('2.5.4.3'), der(printable ? 0x13 : 0x0c, Buffer.from(cn, 'utf8')))));
}

/** Minimal DER reader: returns [tag, body, totalLength]. */
function readDer(b: Buffer, at = 0): [number, Buffer, number] {
  const tag = b[at] as number;
  let len = b[at + 1] as number;
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[off + i] as number);
    off += n;
  }
  return [tag, b.subarray(off, off + len), off + len - at];
}

function children(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const [, , total] = readDer(body, at);
    out.push(body.subarray(at, at + total));
    at += total;
  }
  return out;
}

/** The raw subject and subject key id of a certificate, as Go's parent certificate provides them. */
function parentInfo(certDer: Buffer): { subject: Buffer; subjectKeyId: Buffer | undefined } {
  const tbs = children(readDer(certDer)[1])[0] as Buffer;
  const fields = children(readDer(tbs)[1]);
  const offset = ((fields[0] as Buffer)[0] as number) === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4] as Buffer;
  let subjectKeyId: Buffer | undefined;
  const extField = fields.find((f) => f[0] === 0xa3);
  if (extField) {
    for (const ext of children(readDer(readDer(extField)[1])[1])) {
      const parts = children(readDer(ext)[1]);
      if ((parts[0] as Buffer).equals(oid('2.5.29.14'))) {
        subjectKeyId = readDer(readDer(parts[parts.length - 1] as Buffer)[1])[1];
      }
    }
  }
  return { subject, subjectKeyId };
}

interface CertTemplate {
  cn: string;
  ips: string[];
  dns: string[];
  days: number;
  isCA: boolean;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return Buffer.from((v4[1] as string).split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = ip.includes('::') ? groups(tail) : [];
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(all.map((g) => g.padStart(4, '0')).join(''), 'hex');
}

function signatureAlgorithm(key: KeyObject): Buffer {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return seq(oid('1.2.840.113549.1.1.11'), NULL);
    case 'ec':
      return seq(oid('1.2.840.10045.4.3.2'));
    case 'ed25519':
      return seq(oid('1.3.101.112'));
    default:
      throw new Error(
        'error creating certificate: x509: certificate private key does not implement crypto.Signer',
      );
  }
}

function pem(type: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

/** Go's pemBlockForKey: PKCS#1 for RSA, SEC1 for EC, Go's DSA layout, PKCS#8 otherwise. */
function privateKeyPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }) as string;
    case 'dsa': {
      const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
      const [, algo, privOctets] = children(readDer(pkcs8)[1]) as [Buffer, Buffer, Buffer];
      const params = children(readDer(children(readDer(algo)[1])[1] as Buffer)[1]);
      const toBig = (b: Buffer): bigint => BigInt('0x' + (readDer(b)[1].toString('hex') || '0'));
      const [p, q, g] = params.map(toBig) as [bigint, bigint, bigint];
      const x = toBig(readDer(privOctets)[1]);
      let y = 1n;
      for (let base = g % p, e = x; e > 0n; e >>= 1n, base = (base * base) % p)
        if (e & 1n) y = (y * base) % p;
      return pem(
        'DSA PRIVATE KEY',
        seq(integer(0n), integer(p), integer(q), integer(g), integer(y), integer(x)),
      );
    }
    default:
      return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
}

/** Sprig's parsePrivateKeyPEM with its error texts. */
function parsePrivateKeyPem(text: string): KeyObject {
  const m = /-----BEGIN ([^-]+)-----/.exec(text);
  if (!m) throw new Error('no PEM data in input');
  const type = m[1] as string;
  if (type !== 'PRIVATE KEY' && !type.endsWith(' PRIVATE KEY')) {
    throw new Error(`no private key data in PEM block of type ${type}`);
  }
  const kind = type.slice(0, -' PRIVATE KEY'.length);
  if (type !== 'PRIVATE KEY' && !['RSA', 'EC', 'DSA'].includes(kind))
    throw new Error(`invalid private key type ${type}`);
  try {
    return createPrivateKey(text);
  } catch (e) {
    const what =
      type === 'PRIVATE KEY' ? 'decoding PEM as PKCS#8' : `parsing ${kind} private key from PEM`;
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

function stringList(v: GoValue, what: string): string[] {
  if (v === null || v === undefined) return [];
  return (v as GoValue[]).map((x) => {
    if (typeof x !== 'string') throw new Error(`${what}: ${formatV(x)} is not a string`);
    return x;
  });
}

/** The certificate generator, bound to the injected clock and randomness. */
class CertificateFactory {
  constructor(
    private readonly now: () => Date,
    private readonly random: () => number,
  ) {}

  create(t: CertTemplate, key: KeyObject, signer?: { cert: Buffer; key: KeyObject }): GoMap {
    const ips = t.ips.map((ip) => {
      if (isIP(ip) === 0) throw new Error(`error parsing ip: ${ip}`);
      return ipBytes(ip);
    });
    const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const signingKey = signer?.key ?? key;
    const sigAlg = signatureAlgorithm(signingKey);
    const subject = subjectName(t.cn);
    const parent = signer ? parentInfo(signer.cert) : { subject, subjectKeyId: undefined };
    const notBefore = this.now();
    const notAfter = new Date(notBefore.getTime() + t.days * 86_400_000);
    const serial = BigInt('0x' + randomBytesFrom(this.random, 16).toString('hex'));
    const exts: Buffer[] = [
      extension(
        '2.5.29.15',
        true,
        t.isCA ? bits(Buffer.from([0xa4]), 2) : bits(Buffer.from([0xa0]), 5),
      ),
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))),
      extension('2.5.29.19', true, t.isCA ? seq(bool(true)) : seq()),
    ];
    if (t.isCA) {
      const publicKeyBits = readDer(children(readDer(spki)[1])[1] as Buffer)[1].subarray(1);
      exts.push(
        extension('2.5.29.14', false, octets(createHash('sha1').update(publicKeyBits).digest())),
      );
    }
    if (signer && !parent.subject.equals(subject) && parent.subjectKeyId) {
      exts.push(extension('2.5.29.35', false, seq(der(0x80, parent.subjectKeyId))));
    }
    if (t.dns.length > 0 || ips.length > 0) {
      const names = [
        ...t.dns.map((d) => der(0x82, Buffer.from(d, 'utf8'))),
        ...ips.map((ip) => der(0x87, ip)),
      ];
      exts.push(extension('2.5.29.17', false, seq(...names)));
    }
    const tbs = seq(
      der(0xa0, integer(2n)),
      integer(serial),
      sigAlg,
      parent.subject,
      seq(goTime(notBefore), goTime(notAfter)),
      subject,
      spki,
      der(0xa3, seq(...exts)),
    );
    const digest = signingKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    const signature = sign(digest, tbs, signingKey);
    return { Cert: pem('CERTIFICATE', seq(tbs, sigAlg, bits(signature))), Key: privateKeyPem(key) };
  }

  signerOf(ca: GoValue): { cert: Buffer; key: KeyObject } {
    const m = ca as GoMap;
    const certPem = typeof m['Cert'] === 'string' ? m['Cert'] : '';
    const block = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(certPem);
    if (!block) throw new Error('unable to decode certificate');
    const cert = Buffer.from((block[1] as string).replace(/\s+/g, ''), 'base64');
    try {
      new X509Certificate(cert);
    } catch (e) {
      throw new Error(
        `error parsing certificate: decodedSignerCert.Bytes: ${(e as Error).message}`,
      );
    }
    try {
      return { cert, key: parsePrivateKeyPem(typeof m['Key'] === 'string' ? m['Key'] : '') };
    } catch (e) {
      throw new Error(`error parsing private key: ${(e as Error).message}`);
    }
  }
}

function withKey(pemText: GoValue): KeyObject {
  try {
    return parsePrivateKeyPem(pemText as string);
  } catch (e) {
    throw new Error(`parsing private key: ${(e as Error).message}`);
  }
}

const rsa2048 = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function generatePrivateKey(type: string): string {
  switch (type) {
    case '':
    case 'rsa':
      return privateKeyPem(generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey);
    case 'dsa':
      return privateKeyPem(
        generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey,
      );
    case 'ecdsa':
      return privateKeyPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    case 'ed25519':
      return privateKeyPem(generateKeyPairSync('ed25519').privateKey);
    default:
      return `Unknown type ${type}`;
  }
}

function buildCustomCert(b64cert: string, b64key: string): GoMap {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = base64Decode(b64cert);
  } catch {
    throw new Error('unable to decode base64 certificate');
  }
  try {
    key = base64Decode(b64key);
  } catch {
    throw new Error('unable to decode base64 private key');
  }
  const certText = cert.toString('utf8');
  const block = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(certText);
  if (!block) throw new Error('unable to decode certificate');
  try {
    new X509Certificate(Buffer.from((block[1] as string).replace(/\s+/g, ''), 'base64'));
  } catch (e) {
    throw new Error(`error parsing certificate: decodedCert.Bytes: ${(e as Error).message}`);
  }
  try {
    parsePrivateKeyPem(key.toString('utf8'));
  } catch (e) {
    throw new Error(`error parsing private key: ${(e as Error).message}`);
  }
  return { Cert: certText, Key: key.toString('utf8') };
}

/** The key and certificate functions, keyed by template name. */
export function certificateFunctions(
  now: () => Date,
  random: () => number,
): Record<string, GoTemplateFunction> {
  const f = new CertificateFactory(now, random);
  const tpl = (
    cn: GoValue,
    ips: GoValue,
    dns: GoValue,
    days: GoValue,
    isCA: boolean,
  ): CertTemplate => ({
    cn: cn as string,
    ips: stringList(ips, 'error parsing ip'),
    dns: stringList(dns, 'error processing alternate dns name'),
    days: Number(days as bigint),
    isCA,
  });
  const base = ['string', 'slice', 'slice', 'int'] as const;
  return {
    genPrivateKey: signed((t) => generatePrivateKey(t as string), { params: ['string'] }),
    buildCustomCert: signed((c, k) => buildCustomCert(c as string, k as string), {
      params: ['string', 'string'],
    }),
    genCA: signed((cn, days) => f.create(tpl(cn, [], [], days, true), rsa2048()), {
      params: ['string', 'int'],
    }),
    genCAWithKey: signed((cn, days, key) => f.create(tpl(cn, [], [], days, true), withKey(key)), {
      params: ['string', 'int', 'string'],
    }),
    genSelfSignedCert: signed(
      (cn, ips, dns, days) => f.create(tpl(cn, ips, dns, days, false), rsa2048()),
      {
        params: [...base],
      },
    ),
    genSelfSignedCertWithKey: signed(
      (cn, ips, dns, days, key) => f.create(tpl(cn, ips, dns, days, false), withKey(key)),
      { params: [...base, 'string'] },
    ),
    genSignedCert: signed(
      (cn, ips, dns, days, ca) =>
        f.create(tpl(cn, ips, dns, days, false), rsa2048(), f.signerOf(ca)),
      { params: [...base, 'map'] },
    ),
    genSignedCertWithKey: signed(
      (cn, ips, dns, days, ca, key) =>
        f.create(tpl(cn, ips, dns, days, false), withKey(key), f.signerOf(ca)),
      { params: [...base, 'map', 'string'] },
    ),
  };
}

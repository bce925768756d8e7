import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a notification is never sent to unless private networks are allowed: loopback,
 * private, link-local (cloud metadata services live there), carrier-grade NAT, unspecified and
 * multicast ranges. A rule's URL is a request the hub makes on a tenant's behalf, so without this
 * any tenant could reach what only the hub can (server-side request forgery).
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 (RFC 6052): on a NAT64 network these reach the IPv4 address they embed.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

/** True when `address` (IPv4 or IPv6, IPv4-mapped included) is in a private or special range. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const HINT = 'set NOTIFY_ALLOW_PRIVATE_NETWORKS=true on the hub and worker to allow it';

/**
 * Checks a rule's target URL as written: `http` or `https`, a host, no user name or password in
 * it (a secret in a URL ends up in logs), and, unless private networks are allowed, no host that
 * is a private address or `localhost` literally. Answers the problem, or undefined. Names that
 * resolve to private addresses are refused when sending ({@link guardedLookup}).
 */
export function endpointProblem(url: string, allowPrivateNetworks: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return `must be an http or https URL, not ${parsed.protocol.replace(/:$/, '')}`;
  if (parsed.username !== '' || parsed.password !== '')
    return 'must not carry a user name or password (the rule has a signing secret)';
  if (parsed.hostname === '') return 'has no host';
  if (allowPrivateNetworks) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))
    return `points to a private address (${host}); ${HINT}`;
  return undefined;
}

/**
 * An endpoint as shown: scheme, host, port and the first path segment; the rest of the path and
 * the query are hidden, since incoming-webhook URLs (Slack's `/services/T…/B…/<token>`) carry
 * their credential there. `https://hooks.slack.com/services/…`.
 */
export function maskEndpoint(url: string): string {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  const hidden = segments.length > 1 || parsed.search !== '' || parsed.hash !== '';
  const first = segments[0] ? `/${segments[0]}` : '';
  return `${parsed.protocol}//${parsed.host}${first}${hidden ? '/…' : ''}`;
}

/** The SHA-256 (hex) of an endpoint URL: what the log keeps to tell that it changed. */
export function endpointDigest(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

/** The error a connection gets when its host resolves to a private address. */
export class PrivateAddressError extends Error {
  override readonly name = 'PrivateAddressError';
  constructor(host: string, address: string) {
    super(`${host} resolves to a private address (${address}); ${HINT}`);
  }
}

/**
 * A `lookup` for http(s).request that refuses private addresses: the check runs on the very
 * address the socket connects to, so a name that resolves to a public address when checked and a
 * private one when used (DNS rebinding) is refused too.
 */
export function guardedLookup(allowPrivateNetworks: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const list = addresses ?? [];
      const refused = allowPrivateNetworks
        ? undefined
        : list.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(new PrivateAddressError(hostname, refused.address), '', 4);
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 4);
      callback(null, first.address, first.family);
    });
  };
}

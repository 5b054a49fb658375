import * as ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP, LookupFunction } from 'node:net';

/** Thrown (and passed to sockets) when a webhook would reach an address we refuse. */
export class ForbiddenAddressError extends Error {
  readonly code = 'EFORBIDDENADDRESS';
  constructor(readonly address: string) {
    super(`address ${address} is not allowed for webhooks`);
  }
}

/**
 * Only globally routable unicast addresses pass: loopback, private, link-local (cloud metadata
 * 169.254.169.254), carrier-grade NAT, unspecified, multicast, IPv6 ULA, and the IPv6 forms
 * that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are all refused.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return false;
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(bare);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  return ip.range() === 'unicast';
}

/**
 * A `lookup` for http.Agent: resolves every address and refuses the connection when any of
 * them is forbidden. Because it runs when the socket connects, a name that re-binds to an
 * internal address after registration is still caught.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (refused) return callback(new ForbiddenAddressError(refused.address), '', 0);
      if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Node connects to IP literals without calling `lookup`, so those are checked before the request. */
export function assertLiteralAllowed(hostname: string, allowPrivate: boolean): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(bare) && !isPublicAddress(bare)) throw new ForbiddenAddressError(bare);
}

/**
 * Registration-time check of a URL: scheme, literal addresses, and what the name resolves to
 * now. A name that does not resolve yet is let through; the send-time check is the one that counts.
 */
export async function checkWebhookUrl(url: string, allowPrivate: boolean, timeoutMs = 3000): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'url must be http or https';
  if (allowPrivate) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPublicAddress(host) ? null : `url points to a non-public address (${host})`;
  const addresses = await Promise.race([
    new Promise<LookupAddress[]>((resolve) =>
      dnsLookup(host, { all: true }, (error, found) => resolve(error ? [] : found)),
    ),
    new Promise<LookupAddress[]>((resolve) => setTimeout(() => resolve([]), timeoutMs).unref()),
  ]);
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  return refused ? `url resolves to a non-public address (${refused.address})` : null;
}

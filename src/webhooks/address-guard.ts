import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import type { LookupFunction } from 'node:net';

/**
 * Refusing webhook targets on loopback and private networks (docs/behaviour.md): a service
 * deployment must not let a tenant's `webhook_url` reach the service's own network (SSRF). The check
 * runs on the address the socket is about to connect to — a `lookup` wrapper — so a name that resolves
 * to a public address when saved and to 127.0.0.1 when delivered (DNS rebinding) is still refused.
 */

/** A target the guard refused; retrying cannot help, so the delivery fails at once. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
  constructor(readonly address: string) {
    super(`target address refused: ${address} is not a public address`);
    this.name = 'AddressRefusedError';
  }
}

/** IPv4 blocks that are not publicly routable (IANA IPv4 Special-Purpose Address Registry). */
const V4_BLOCKED: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const V4_RANGES = V4_BLOCKED.map(([base, bits]) => ({
  base: v4ToInt(base),
  size: 2 ** (32 - bits),
}));

function isPublicV4Int(value: number): boolean {
  return !V4_RANGES.some((r) => value >= r.base && value < r.base + r.size);
}

/** The eight 16-bit groups of a valid IPv6 address (zone id already removed); other lengths mean invalid. */
function v6Groups(ip: string): number[] {
  let text = ip;
  const tail: number[] = [];
  // An embedded dotted quad (`::ffff:127.0.0.1`) is the last 32 bits.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = v4ToInt(last);
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [head = '', rest] = text.split('::');
  const left = parse(head);
  if (rest === undefined) return [...left, ...tail];
  const right = parse(rest);
  const zeros = 8 - left.length - right.length - tail.length;
  if (zeros < 0) return [];
  return [...left, ...new Array<number>(zeros).fill(0), ...right, ...tail];
}

function inV6Prefix(groups: number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Special blocks inside global unicast 2000::/3 (IANA IPv6 Special-Purpose Address Registry). */
const V6_BLOCKED_GLOBAL: readonly (readonly [readonly number[], number])[] = [
  [[0x2001, 0x0000], 23], // IETF protocol assignments (Teredo, ORCHID, benchmarking…)
  [[0x2001, 0x0db8], 32], // documentation
  [[0x3fff, 0x0000], 20], // documentation (RFC 9637)
];

function embeddedV4(groups: number[], from: number): number {
  return (groups[from] ?? 0) * 65536 + (groups[from + 1] ?? 0);
}

function isPublicV6(ip: string): boolean {
  const groups = v6Groups(ip);
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return false;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address: judge that.
  if (inV6Prefix(groups, [0, 0, 0, 0, 0, 0xffff], 96)) return isPublicV4Int(embeddedV4(groups, 6));
  if (inV6Prefix(groups, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return isPublicV4Int(embeddedV4(groups, 6));
  // 6to4 (2002:a.b.c.d::/48) tunnels to the embedded IPv4 address.
  if (inV6Prefix(groups, [0x2002], 16)) return isPublicV4Int(embeddedV4(groups, 1));
  // Only global unicast is public; that excludes ::, ::1, ULA fc00::/7, link-local fe80::/10,
  // site-local fec0::/10, multicast ff00::/8, discard 100::/64, NAT64 local-use 64:ff9b:1::/48 and
  // the deprecated IPv4-compatible ::/96 in one rule.
  if (!inV6Prefix(groups, [0x2000], 3)) return false;
  return !V6_BLOCKED_GLOBAL.some(([prefix, bits]) => inV6Prefix(groups, prefix, bits));
}

/**
 * True when `ip` is a publicly routable unicast address. Anything that is not a valid IPv4 or IPv6
 * address is not public. Accepts IPv6 in brackets and with a zone id (`fe80::1%eth0`).
 */
export function isPublicAddress(ip: string): boolean {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (isIPv4(text)) return isPublicV4Int(v4ToInt(text));
  const zone = text.indexOf('%');
  // A zone id only means something for link-local and similar scoped addresses: never public.
  if (zone !== -1) return false;
  if (!isIPv6(text)) return false;
  return isPublicV6(text.toLowerCase());
}

/**
 * The refusal for a URL host that is an IP literal (Node connects to those without calling `lookup`),
 * or null when the host is a name (the lookup wrapper judges it) or a public address.
 */
export function refusedLiteralHost(hostname: string): AddressRefusedError | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (!isIPv4(bare) && !isIPv6(bare)) return null;
  return isPublicAddress(bare) ? null : new AddressRefusedError(bare);
}

/**
 * A `lookup` for `http.request` that resolves with `base` and refuses the connection when any address
 * the name resolved to is not public. Strict on purpose: a name that mixes public and private
 * addresses is either misconfigured or an attack, and the happy-eyeballs connector could pick either.
 */
export function guardedLookup(base: LookupFunction = dnsLookup as unknown as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (err, address, family) => {
      if (err) {
        callback(err, address, family);
        return;
      }
      const addresses: string[] = Array.isArray(address)
        ? (address as LookupAddress[]).map((a) => a.address)
        : [address];
      const refused = addresses.find((a) => !isPublicAddress(a));
      if (refused !== undefined) {
        callback(new AddressRefusedError(refused), address, family);
        return;
      }
      callback(null, address, family);
    });
  };
}

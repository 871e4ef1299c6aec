/**
 * Django 4.2's URLValidator (the target; Django 3.2 took only ports of two to five digits and other
 * scripts' digits in them), as DRF's URLField runs it: schemes http, https, ftp and ftps; no tab or
 * newline; at most 2048 characters; Django's one expression — user information without `@` in it, a
 * host that is an IPv4 address, a bracketed IPv6 address (then checked as one), a domain with a
 * top-level label or `localhost`, a port of up to five digits, a path without white space — retried
 * with the host in punycode when it fails; and a host name of at most 253 characters.
 *
 * Python's `urlsplit` and its IDNA codec are approximated: `[` and `]` must pair in the authority, and
 * the punycode retry converts the host with `url.domainToASCII` (UTS #46), which agrees with Python's
 * IDNA 2003 codec on ordinary internationalised domains.
 */
import { domainToASCII } from 'node:url';
import { PY_SPACE_CLASS } from './repr.js';

const UL = '\\u00a1-\\uffff';
const IPV4 =
  '(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)(?:\\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}';
const IPV6 = '\\[[0-9a-f:.]+\\]';
const HOSTNAME = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`;
const DOMAIN = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`;
const TLD = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?`;
const HOST = `(?:${HOSTNAME}${DOMAIN}${TLD}|localhost)`;
const NOT_SPACE = `[^${PY_SPACE_CLASS}]`;
// `u`: a character beyond U+FFFF is one character, outside Django's "Unicode letters" range, as in Python.
const URL_RE = new RegExp(
  `^(?:[a-z0-9.+-]*)://(?:[^${PY_SPACE_CLASS}:@/]+(?::[^${PY_SPACE_CLASS}:@/]*)?@)?` +
    `(?:${IPV4}|${IPV6}|${HOST})(?::[0-9]{1,5})?(?:[/?#]${NOT_SPACE}*)?$`,
  'iu',
);
const BRACKETED_HOST = /^\[(.+)\](?::[0-9]{1,5})?$/su;
const NON_ASCII = /[^ -~\t-\r]/u;
const SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'ftp', 'ftps']);
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const IPV4_ADDRESS = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Python's `ipaddress.IPv4Address`: four decimal octets without leading zeros. */
export function isIpv4(text: string): boolean {
  return IPV4_ADDRESS.test(text);
}

/** Python's `ipaddress.IPv6Address` (no zone: Django's and the email literal's expressions have no `%`). */
export function isIpv6(text: string): boolean {
  let head = text;
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return false;
  if (text.includes('.', lastColon)) {
    if (!IPV4_ADDRESS.test(text.slice(lastColon + 1))) return false;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const double = head.indexOf('::');
  if (double !== head.lastIndexOf('::')) return false;
  if (double === -1) {
    const groups = head.split(':');
    return groups.length === 8 && groups.every((g) => HEX_GROUP.test(g));
  }
  const left = head.slice(0, double);
  const right = head.slice(double + 2);
  const groups = [...(left === '' ? [] : left.split(':')), ...(right === '' ? [] : right.split(':'))];
  return groups.length <= 7 && groups.every((g) => HEX_GROUP.test(g));
}

/** Python's `urlsplit(value).netloc`, or null where it raises (an unpaired bracket). */
function netlocOf(value: string): string | null {
  const start = value.indexOf('://') + 3;
  let end = value.length;
  for (const stop of ['/', '?', '#']) {
    const at = value.indexOf(stop, start);
    if (at !== -1 && at < end) end = at;
  }
  const netloc = value.slice(start, end);
  if (netloc.includes('[') !== netloc.includes(']')) return null;
  return netloc;
}

/** Python's `SplitResult.hostname`: after the last `@`, without port or brackets, lower-cased. */
function hostnameOf(netloc: string): string {
  const host = netloc.slice(netloc.lastIndexOf('@') + 1);
  if (host.includes('[')) {
    const close = host.indexOf(']');
    return host.slice(host.indexOf('[') + 1, close === -1 ? host.length : close).toLowerCase();
  }
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

function pyLength(s: string): number {
  return [...s].length;
}

export function isValidUrl(value: string): boolean {
  if ((value.length > 2048 && pyLength(value) > 2048) || /[\t\r\n]/.test(value)) return false;
  const sep = value.indexOf('://');
  if (!SCHEMES.has((sep === -1 ? value : value.slice(0, sep)).toLowerCase())) return false;
  const netloc = netlocOf(value);
  if (netloc === null) return false;
  if (URL_RE.test(value)) {
    const bracketed = BRACKETED_HOST.exec(netloc);
    if (bracketed !== null && !isIpv6(bracketed[1] as string)) return false;
  } else {
    // The punycode retry: only the host changes (a host Node cannot convert fails, as Python's codec does).
    const at = netloc.lastIndexOf('@');
    const hostPort = netloc.slice(at + 1);
    const colon = hostPort.lastIndexOf(':');
    const host = colon === -1 || hostPort.includes(']') ? hostPort : hostPort.slice(0, colon);
    // Python's codec leaves an ASCII host as it is (WHATWG's would also rewrite `01.2.3.4` as IPv4).
    if (!NON_ASCII.test(host)) return false;
    const ascii = domainToASCII(host);
    if (ascii === '') return false;
    const start = sep + 3;
    const retried =
      value.slice(0, start + at + 1) +
      ascii +
      hostPort.slice(host.length) +
      value.slice(start + netloc.length);
    if (!URL_RE.test(retried)) return false;
  }
  const hostname = hostnameOf(netloc);
  return hostname !== '' && pyLength(hostname) <= 253;
}

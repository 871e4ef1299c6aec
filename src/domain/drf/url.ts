/**
 * Django's URLValidator, closely enough for webhook and shop URLs: schemes http, https, ftp and ftps;
 * a host that is `localhost`, an IPv4 or bracketed IPv6 literal, or a domain with a top-level label;
 * an optional port; no white space; at most 2048 characters.
 */
const SCHEME = /^(?:https?|ftps?):\/\//i;
const TLD = /\.(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})\.?$/i;
const LABEL = /^[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export const INVALID_URL = 'Enter a valid URL.';

export function isValidUrl(value: string): boolean {
  if (value.length > 2048 || /\s/.test(value) || !SCHEME.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  // WHATWG parsing normalizes; read the host as written to judge it.
  const authority = (value.split('://', 2)[1] ?? '').split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  const host = hostPort.startsWith('[')
    ? hostPort.slice(0, hostPort.indexOf(']') + 1)
    : hostPort.replace(/:\d{1,5}$/, '');
  if (host === '' || url.hostname === '') return false;
  if (host.toLowerCase() === 'localhost' || IPV4.test(host) || /^\[[0-9a-f:.]+\]$/i.test(host)) return true;
  if (!TLD.test(host)) return false;
  return host
    .replace(/\.$/, '')
    .split('.')
    .every((label) => LABEL.test(label));
}

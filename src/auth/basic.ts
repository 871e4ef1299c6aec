/**
 * DRF's BasicAuthentication header parsing, with its exact outcomes (docs/behaviour.md): a header that is
 * not Basic is "no credentials"; a malformed one gets one of DRF's `Invalid basic header.` texts.
 */
export type BasicParse =
  | { kind: 'none' }
  | { kind: 'invalid'; detail: string }
  | { kind: 'credentials'; publicKey: string; secret: string };

const BASE64_ALPHABET = /[^A-Za-z0-9+/=]/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

export function parseBasic(header: string): BasicParse {
  // DRF splits on any white space; the scheme is case-insensitive.
  const parts = header.trim().split(/\s+/);
  if (parts.length === 0 || (parts[0] as string).toLowerCase() !== 'basic') return { kind: 'none' };
  if (parts.length === 1) return { kind: 'invalid', detail: 'No credentials provided.' };
  if (parts.length > 2) return { kind: 'invalid', detail: 'Credentials string should not contain spaces.' };
  // Python's b64decode drops characters outside the alphabet, then insists on correct padding.
  const cleaned = (parts[1] as string).replace(BASE64_ALPHABET, '');
  if (cleaned.length % 4 !== 0 || /=[^=]/.test(cleaned)) {
    return { kind: 'invalid', detail: 'Credentials not correctly base64 encoded.' };
  }
  const bytes = Buffer.from(cleaned, 'base64');
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    decoded = latin1.decode(bytes);
  }
  const colon = decoded.indexOf(':');
  return colon === -1
    ? { kind: 'credentials', publicKey: decoded, secret: '' }
    : { kind: 'credentials', publicKey: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * DRF's CursorPagination cursor: base64 of a query string of `o` (offset), `r` (reverse) and `p`
 * (position). Our position is the boundary row's import time and internal id (`<µs>-<id>`), a keyset
 * that needs no offset for ties; `i` binds the cursor to its integration, so a cursor from another
 * integration is refused like a corrupt one (CONTRACT §3: 404 `Invalid cursor`).
 */
export interface Cursor {
  reverse: boolean;
  position: { createdAtUs: number; id: number };
  integrationId: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const POSITION = /^(\d{1,17})-(\d{1,16})$/;
const DIGITS = /^\d{1,16}$/;

export function encodeCursor(cursor: Cursor): string {
  const tokens = new URLSearchParams();
  if (cursor.reverse) tokens.set('r', '1');
  tokens.set('p', `${cursor.position.createdAtUs}-${cursor.position.id}`);
  tokens.set('i', String(cursor.integrationId));
  return Buffer.from(tokens.toString(), 'ascii').toString('base64');
}

/** The cursor, or null when it is malformed or belongs to another integration. */
export function decodeCursor(encoded: string, integrationId: number): Cursor | null {
  if (encoded.length > 200 || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return null;
  const tokens = new URLSearchParams(Buffer.from(encoded, 'base64').toString('latin1'));
  const offset = tokens.get('o') ?? '0';
  const reverse = tokens.get('r') ?? '0';
  const position = POSITION.exec(tokens.get('p') ?? '');
  const integration = tokens.get('i') ?? '';
  if (
    offset !== '0' ||
    (reverse !== '0' && reverse !== '1') ||
    position === null ||
    !DIGITS.test(integration)
  ) {
    return null;
  }
  if (Number(integration) !== integrationId) return null;
  return {
    reverse: reverse === '1',
    position: { createdAtUs: Number(position[1]), id: Number(position[2]) },
    integrationId,
  };
}

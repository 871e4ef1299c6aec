/**
 * DRF's CursorPagination cursor: base64 of a query string of `o` (offset), `r` (reverse) and `p`
 * (position). Our position is the boundary row's import time and internal id (`<µs>-<id>`), a keyset
 * that needs no offset for ties; `i` binds the cursor to the list it came from (an integration's id,
 * or `a<account id>` for an account-wide list), so a cursor of another list is refused like a corrupt
 * one (docs/behaviour.md: 404 `Invalid cursor`).
 */
export interface Cursor {
  reverse: boolean;
  position: { createdAtUs: number; id: number };
  /** The list the cursor belongs to. */
  scope: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const POSITION = /^(\d{1,17})-(\d{1,16})$/;

/** The scope of one integration's list, and of an account-wide list. */
export const integrationScope = (integrationId: number): string => String(integrationId);
export const accountScope = (accountId: number): string => `a${accountId}`;

export function encodeCursor(cursor: Cursor): string {
  const tokens = new URLSearchParams();
  if (cursor.reverse) tokens.set('r', '1');
  tokens.set('p', `${cursor.position.createdAtUs}-${cursor.position.id}`);
  tokens.set('i', cursor.scope);
  return Buffer.from(tokens.toString(), 'ascii').toString('base64');
}

/** The cursor, or null when it is malformed or belongs to another list. */
export function decodeCursor(encoded: string, scope: string): Cursor | null {
  if (encoded.length > 200 || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return null;
  const tokens = new URLSearchParams(Buffer.from(encoded, 'base64').toString('latin1'));
  const offset = tokens.get('o') ?? '0';
  const reverse = tokens.get('r') ?? '0';
  const position = POSITION.exec(tokens.get('p') ?? '');
  if (
    offset !== '0' ||
    (reverse !== '0' && reverse !== '1') ||
    position === null ||
    tokens.get('i') !== scope
  ) {
    return null;
  }
  return {
    reverse: reverse === '1',
    position: { createdAtUs: Number(position[1]), id: Number(position[2]) },
    scope,
  };
}

import { isValidKey } from '../core/values.js';

/** Which way a cursor pages from the record it names. */
export type CursorDirection = 'next' | 'prev';

/** What a keyset cursor holds: the query it belongs to, and the order value and key of a record. */
export interface CursorPosition {
  /** The identity of the query (its hash without paging). */
  readonly query: string;
  readonly direction: CursorDirection;
  /** The record's value of the order field, when it is an IndexedDB key. */
  readonly value: unknown;
  /** False when the record's order value is no key (it sorts after every key). */
  readonly isKey: boolean;
  /** The record's primary key. */
  readonly key: unknown;
}

/** The cursor string for `position`: JSON with Dates tagged, a checksum, base64url. */
export function encodeCursor(position: CursorPosition): string {
  const body = JSON.stringify([
    position.query,
    position.direction,
    position.isKey,
    tag(position.value),
    tag(position.key),
  ]);
  return toBase64Url(JSON.stringify([body, checksum(body)]));
}

/**
 * The position `cursor` holds, or undefined for a string that is not a whole, unaltered cursor.
 */
export function decodeCursor(cursor: unknown): CursorPosition | undefined {
  if (typeof cursor !== 'string' || cursor === '') return undefined;
  try {
    const outer: unknown = JSON.parse(fromBase64Url(cursor));
    if (!Array.isArray(outer) || outer.length !== 2) return undefined;
    const [body, sum] = outer as [unknown, unknown];
    if (typeof body !== 'string' || sum !== checksum(body)) return undefined;
    const parts: unknown = JSON.parse(body);
    if (!Array.isArray(parts) || parts.length !== 5) return undefined;
    const [query, direction, isKey, value, key] = parts as unknown[];
    if (typeof query !== 'string' || (direction !== 'next' && direction !== 'prev'))
      return undefined;
    if (typeof isKey !== 'boolean') return undefined;
    const position = { query, direction, isKey, value: untag(value), key: untag(key) } as const;
    if (!isValidKey(position.key) || (isKey && !isValidKey(position.value))) return undefined;
    return position;
  } catch {
    return undefined;
  }
}

function tag(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.getTime() };
  if (Array.isArray(value)) return value.map(tag);
  return value === undefined ? null : value;
}

function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 1) {
    const time = (value as { $date?: unknown }).$date;
    if (typeof time === 'number') return new Date(time);
  }
  return value;
}

/** FNV-1a over the UTF-16 code units: catches a cursor cut short or edited by hand. */
function checksum(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

import type { Table } from 'dexie';
import type { Key, Row } from '../core/values.js';

/**
 * The lowest and highest of `values` when they are integers spread over at most twice their
 * number (as auto-increment keys of one page of records are); otherwise undefined.
 */
export function denseSpan(
  values: readonly unknown[],
): { lowest: number; highest: number } | undefined {
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (!Number.isInteger(value)) return undefined;
    lowest = Math.min(lowest, value as number);
    highest = Math.max(highest, value as number);
  }
  return highest - lowest < 2 * values.length ? { lowest, highest } : undefined;
}

/**
 * The rows of `table` whose `index` equals one of `keys`, in one read. Over a dense span of
 * integer keys (the keys of a page of parents) the whole range is read and filtered: one bulk
 * read, where `anyOf` hops from key to key (on fake-indexeddb, 1,000 keys over 10,000 rows take
 * seconds that way).
 */
export async function rowsWithKeys(
  table: Table<Row, Key>,
  index: string,
  keys: readonly Key[],
): Promise<Row[]> {
  if (keys.length === 0) return [];
  const span = keys.length > 1 ? denseSpan(keys) : undefined;
  if (!span)
    return table
      .where(index)
      .anyOf(keys as Key[])
      .toArray();
  const wanted = new Set<unknown>(keys);
  const rows = await table.where(index).between(span.lowest, span.highest, true, true).toArray();
  return rows.filter((row) => wanted.has(row[index]));
}

/** The keys of `index` in `table` that equal one of `keys`, from the index alone, in one read. */
export async function indexKeysWith(
  table: Table<Row, Key>,
  index: string,
  keys: readonly Key[],
): Promise<Key[]> {
  if (keys.length === 0) return [];
  const span = keys.length > 1 ? denseSpan(keys) : undefined;
  if (!span)
    return table
      .where(index)
      .anyOf(keys as Key[])
      .keys();
  const wanted = new Set<unknown>(keys);
  const found = await table.where(index).between(span.lowest, span.highest, true, true).keys();
  return found.filter((key) => wanted.has(key));
}

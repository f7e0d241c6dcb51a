import { type Collection, Dexie, type PromiseExtended, type Table } from 'dexie';
import type { Key, Row } from '../core/values.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';

/**
 * The lowest and highest of `values` when they are integers spread over at most four times their
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
  return highest - lowest < 4 * values.length ? { lowest, highest } : undefined;
}

/**
 * The collection of `index` of `table` for the entries equal to one of `keys` (at least one), in
 * one read; `wanted`, the keys to keep, when the read spans more than they. Over a dense span of
 * integer keys (the keys of a page of parents) the whole range is read and filtered, where `anyOf`
 * hops from key to key (on fake-indexeddb, 1,000 keys over 10,000 rows take seconds that way).
 */
export function collectionWithKeys(
  table: Table<Row, Key>,
  index: string,
  keys: readonly Key[],
): { collection: Collection<Row, Key>; wanted?: ReadonlySet<unknown> } {
  const where = table.where(index);
  if (keys.length === 1) return { collection: where.equals(keys[0]!) };
  const span = denseSpan(keys);
  if (!span) return { collection: where.anyOf(keys as Key[]) };
  return {
    collection: where.between(span.lowest, span.highest, true, true),
    wanted: new Set<unknown>(keys),
  };
}

/**
 * Reads {@link collectionWithKeys}: `read` reads the collection, and `keyOf` gives the index key
 * of what it returns.
 */
function readWithKeys<T>(
  table: Table<Row, Key>,
  index: string,
  keys: readonly Key[],
  read: (collection: Collection<Row, Key>) => PromiseExtended<T[]>,
  keyOf: (item: T) => unknown,
): PromiseExtended<T[]> {
  if (keys.length === 0) return Dexie.Promise.resolve([]);
  const { collection, wanted } = collectionWithKeys(table, index, keys);
  const found = read(collection);
  return wanted ? found.then((items) => items.filter((item) => wanted.has(keyOf(item)))) : found;
}

/** The rows of `table` whose `index` equals one of `keys`, in one read. */
export function rowsWithKeys(
  table: Table<Row, Key>,
  index: string,
  keys: readonly Key[],
): PromiseExtended<Row[]> {
  return readWithKeys(
    table,
    index,
    keys,
    (collection) => collection.toArray(),
    (row) => row[index],
  );
}

/** The keys of `index` in `table` that equal one of `keys`, from the index alone, in one read. */
export function indexKeysWith(
  table: Table<Row, Key>,
  index: string,
  keys: readonly Key[],
): PromiseExtended<Key[]> {
  return readWithKeys(
    table,
    index,
    keys,
    (collection) => collection.keys(),
    (key) => key,
  );
}

/** The keys of `index` in `model`'s table that equal any of `keys`, read from the index alone. */
export function indexKeys(
  runtime: DatabaseRuntime,
  model: ModelClass,
  index: string,
  keys: readonly unknown[],
): Promise<Key[]> {
  return indexKeysWith(runtime.contextOf(model).table, index, keys as Key[]);
}

/** Every key of `index` in `table`, one per record that has one, read from the index alone. */
export function everyIndexKey(table: Table<Row, Key>, index: string): Promise<Key[]> {
  return table.orderBy(index).keys();
}

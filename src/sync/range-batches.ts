import { cmp, type IndexableType, type Table } from 'dexie';
import { dictionaryKey } from '../core/key-dictionary.js';

/**
 * The rows of `table` at `keys`, in their order, as `bulkGet` gives them, read as one range when
 * the keys lie close together (a batch of the outbox, whose addresses follow each other, and the
 * versions and records they name): from the lowest key to the highest, at most twice as many rows
 * as keys. Keys the range did not reach are read one by one: spread keys cost a request more than
 * a `bulkGet`, and at most three times the rows. `keyOf` gives a row's primary key.
 */
export async function readKeys<T, K>(
  table: Table<T, K>,
  keys: readonly NoInfer<K>[],
  keyOf: (row: T) => NoInfer<K>,
): Promise<(T | undefined)[]> {
  if (keys.length < 3) return table.bulkGet([...keys]);
  const sorted = [...keys].sort(cmp);
  const lowest = sorted[0] as K;
  const highest = sorted[sorted.length - 1] as K;
  const cap = keys.length * 2;
  const rows = await table
    .where(':id')
    .between(lowest as IndexableType, highest as IndexableType, true, true)
    .limit(cap)
    .toArray();
  const found = new Map(rows.map((row) => [dictionaryKey(keyOf(row)), row]));
  const reached = rows.length < cap ? highest : keyOf(rows[rows.length - 1] as T);
  const rest = sorted.filter((key) => cmp(key, reached) > 0);
  if (rest.length > 0) {
    const more = await table.bulkGet(rest);
    rest.forEach((key, i) => {
      const row = more[i];
      if (row !== undefined) found.set(dictionaryKey(key), row);
    });
  }
  return keys.map((key) => found.get(dictionaryKey(key)));
}

/**
 * The rows of `table` at `keys`, in their order, as `bulkGet` gives them, when most keys may be
 * missing (a pulled page, on a replica that has few of its records yet): first the primary keys
 * from the lowest key to the highest, at most twice as many as `keys`, and then only the rows
 * found there. When the range holds more keys than that, every row is read by key: at most one
 * keys-only request more than a `bulkGet`.
 */
export async function readPresent<T, K>(
  table: Table<T, K>,
  keys: readonly NoInfer<K>[],
): Promise<(T | undefined)[]> {
  if (keys.length < 3) return table.bulkGet([...keys]);
  const sorted = [...keys].sort(cmp);
  const cap = keys.length * 2;
  const held = await table
    .where(':id')
    .between(sorted[0] as IndexableType, sorted[sorted.length - 1] as IndexableType, true, true)
    .limit(cap)
    .primaryKeys();
  if (held.length >= cap) return table.bulkGet([...keys]);
  const present = new Set(held.map(dictionaryKey));
  const wanted = keys.filter((key) => present.has(dictionaryKey(key)));
  const rows = wanted.length === 0 ? [] : await table.bulkGet(wanted);
  const found = new Map(wanted.map((key, i) => [dictionaryKey(key), rows[i]]));
  return keys.map((key) => found.get(dictionaryKey(key)));
}

/**
 * Deletes the rows of `table` at `keys`: as one range delete when no other row lies between the
 * lowest key and the highest (a batch of the outbox, acknowledged whole), else key by key.
 */
export async function deleteKeys<T, K>(
  table: Table<T, K>,
  keys: readonly NoInfer<K>[],
): Promise<void> {
  if (keys.length < 3) return table.bulkDelete([...keys]);
  const sorted = [...keys].sort(cmp);
  const range = table
    .where(':id')
    .between(sorted[0] as IndexableType, sorted[sorted.length - 1] as IndexableType, true, true);
  if ((await range.count()) === new Set(sorted.map(dictionaryKey)).size) await range.delete();
  else await table.bulkDelete(sorted);
}

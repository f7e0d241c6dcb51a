import { dictionaryKey } from '../core/key-dictionary.js';
import { type Key, type Row, sameValue } from '../core/values.js';
import type { SyncResult } from './pivot-types.js';

/** What a `sync()` writes: the pairs to add or update, and the related keys to detach. */
export interface PivotSyncPlan<Pivot> {
  readonly result: SyncResult;
  /** The pairs to write: new ones, and stored ones whose given attributes differ. */
  readonly changes: readonly (readonly [Key, Partial<Pivot> | undefined])[];
  /** The related keys stored but not wanted (detached only when the sync detaches). */
  readonly unwanted: readonly Key[];
}

/**
 * Compares the `wanted` pairs of one parent with its stored pivot `rows` (whose related key is in
 * `relatedColumn`): what to attach, to update, and what is stored but not wanted.
 */
export function planPivotSync<Pivot>(
  wanted: readonly (readonly [Key, Partial<Pivot> | undefined])[],
  rows: readonly Row[],
  relatedColumn: string,
): PivotSyncPlan<Pivot> {
  const byKey = new Map(rows.map((row) => [dictionaryKey(row[relatedColumn]), row]));
  const result: SyncResult = { attached: [], detached: [], updated: [] };
  const changes: (readonly [Key, Partial<Pivot> | undefined])[] = [];
  for (const [key, attributes] of wanted) {
    const row = byKey.get(dictionaryKey(key));
    byKey.delete(dictionaryKey(key));
    if (!row) {
      result.attached.push(key);
      changes.push([key, attributes]);
    } else if (
      attributes &&
      Object.entries(attributes).some(([name, value]) => !sameValue(row[name], value))
    ) {
      result.updated.push(key);
      changes.push([key, attributes]);
    }
  }
  const unwanted = [...byKey.values()].map((row) => row[relatedColumn] as Key);
  return { result, changes, unwanted };
}

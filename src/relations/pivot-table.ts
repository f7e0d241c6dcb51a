import type { Table } from 'dexie';
import { assertStorable } from '../core/storable.js';
import type { Key, Row } from '../core/values.js';
import { indexKeysWith, rowsWithKeys } from '../query/key-reads.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { DerivedTableRequirement } from './relation.js';

/**
 * The table between the two sides of a many-to-many relation: one row per pair, keyed by both
 * keys (so a pair cannot be stored twice), each key indexed for either direction.
 */
export class PivotTable {
  /** The primary key's fields, sorted, so that both sides of a relation derive one table. */
  readonly keyFields: readonly [string, string];

  constructor(
    readonly name: string,
    /** The column holding the parent's key. */
    readonly parentColumn: string,
    /** The column holding the related model's key. */
    readonly relatedColumn: string,
  ) {
    this.keyFields =
      parentColumn < relatedColumn ? [parentColumn, relatedColumn] : [relatedColumn, parentColumn];
  }

  /** What the schema needs for this table. */
  requirement(): DerivedTableRequirement {
    return {
      kind: 'table',
      table: this.name,
      primaryKey: this.keyFields,
      indexes: this.keyFields.map((field) => [field]),
    };
  }

  /** The table, in `runtime`'s Database. */
  table(runtime: DatabaseRuntime): Table<Row, Key> {
    return runtime.dexie.table<Row, Key>(this.name);
  }

  /** The primary key of the row pairing `parentKey` with `relatedKey`. */
  keyOf(parentKey: Key, relatedKey: Key): Key {
    const pair: unknown[] =
      this.keyFields[0] === this.parentColumn ? [parentKey, relatedKey] : [relatedKey, parentKey];
    return pair as Key;
  }

  /** The rows of any of `parentKeys`, in one read. */
  rowsOf(runtime: DatabaseRuntime, parentKeys: readonly Key[]): Promise<Row[]> {
    return rowsWithKeys(this.table(runtime), this.parentColumn, parentKeys);
  }

  /** The related keys paired with `parentKey`. */
  async relatedKeysOf(runtime: DatabaseRuntime, parentKey: Key): Promise<Key[]> {
    const rows = await this.rowsOf(runtime, [parentKey]);
    return rows.map((row) => row[this.relatedColumn] as Key);
  }

  /**
   * Stores the rows pairing `parentKey` with each related key, merged into the rows that exist
   * (pivot attributes given win); resolves to the rows stored.
   * @throws ValidationError for pivot attributes IndexedDB cannot store.
   */
  async pair(
    runtime: DatabaseRuntime,
    parentKey: Key,
    pairs: readonly (readonly [Key, object | undefined])[],
    timestamps = false,
  ): Promise<Row[]> {
    if (pairs.length === 0) return [];
    const table = this.table(runtime);
    const existing = await table.bulkGet(pairs.map(([key]) => this.keyOf(parentKey, key)));
    const now = new Date();
    const rows = pairs.map(([key, attributes], i) => {
      if (attributes)
        assertStorable(attributes, { model: `pivot "${this.name}"`, table: this.name });
      const stamps = timestamps
        ? { created_at: existing[i]?.created_at ?? now, updated_at: now }
        : undefined;
      return {
        ...existing[i],
        ...attributes,
        ...stamps,
        [this.parentColumn]: parentKey,
        [this.relatedColumn]: key,
      };
    });
    await table.bulkPut(rows);
    return rows;
  }

  /** Removes the rows pairing `parentKey` with each of `relatedKeys`. */
  unpair(runtime: DatabaseRuntime, parentKey: Key, relatedKeys: readonly Key[]): Promise<void> {
    return this.table(runtime).bulkDelete(relatedKeys.map((key) => this.keyOf(parentKey, key)));
  }

  /** The parent key of each row of any of `parentKeys`, from the index alone. */
  parentKeysOf(runtime: DatabaseRuntime, parentKeys: readonly Key[]): Promise<Key[]> {
    return indexKeysWith(this.table(runtime), this.parentColumn, parentKeys);
  }
}

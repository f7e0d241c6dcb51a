import type { Table } from 'dexie';
import type { Key, Row } from '../core/values.js';
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
    if (parentKeys.length === 0) return Promise.resolve([]);
    return this.table(runtime)
      .where(this.parentColumn)
      .anyOf(parentKeys as Key[])
      .toArray();
  }

  /** The parent key of each row of any of `parentKeys`, from the index alone. */
  parentKeysOf(runtime: DatabaseRuntime, parentKeys: readonly Key[]): Promise<Key[]> {
    if (parentKeys.length === 0) return Promise.resolve([]);
    return this.table(runtime)
      .where(this.parentColumn)
      .anyOf(parentKeys as Key[])
      .keys();
  }
}

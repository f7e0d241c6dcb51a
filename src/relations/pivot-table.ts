import type { Table } from 'dexie';
import { assertStorable } from '../core/storable.js';
import type { Key, Row } from '../core/values.js';
import { indexKeysWith, rowsWithKeys } from '../query/key-reads.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { DeleteEffect, DerivedTableRequirement, ForeignKeyColumn } from './requirements.js';

/**
 * The type column of a polymorphic pivot (`taggables.taggable_type`), the value naming the
 * morphing side's table in it, and which side of the relation that is: the parent's
 * (`Post.tags`, MorphToMany) or the related model's (`Tag.posts`, MorphedByMany).
 */
export interface PivotMorph {
  /** The type column (`taggable_type`). */
  readonly column: string;
  /** The morphing side's table, as stored in it (`'posts'`). */
  readonly value: string;
  /** The side whose key column the type qualifies. */
  readonly side: 'parent' | 'related';
}

/** One side of a pivot table: its model, and the field of it that the side's column holds. */
export interface PivotSide {
  readonly model: ModelClass;
  readonly field: string;
}

/**
 * The table between the two sides of a many-to-many relation: one row per pair, keyed by both
 * keys (so a pair cannot be stored twice), each key indexed for either direction. A polymorphic
 * pivot also keys by its type column, and indexes the morphing side as `[type+id]`.
 */
export class PivotTable {
  /** The primary key's fields, sorted, so that both sides of a relation derive one table. */
  readonly keyFields: readonly string[];

  constructor(
    readonly name: string,
    /** The column holding the parent's key. */
    readonly parentColumn: string,
    /** The column holding the related model's key. */
    readonly relatedColumn: string,
    /** For a polymorphic pivot, its type column. */
    readonly morph?: PivotMorph,
  ) {
    const fields = [parentColumn, relatedColumn, ...(morph ? [morph.column] : [])];
    this.keyFields = fields.sort();
  }

  /** What the schema needs for this table. */
  requirement(): DerivedTableRequirement {
    const morph = this.morph;
    if (!morph) {
      return {
        kind: 'table',
        table: this.name,
        primaryKey: this.keyFields,
        indexes: this.keyFields.map((field) => [field]),
      };
    }
    const [plain, morphing] =
      morph.side === 'parent'
        ? [this.relatedColumn, this.parentColumn]
        : [this.parentColumn, this.relatedColumn];
    return {
      kind: 'table',
      table: this.name,
      primaryKey: this.keyFields,
      indexes: [[plain], [morph.column, morphing]],
    };
  }

  /** The pivot's two key columns, each holding its side's `field`. */
  foreignKeys(parent: PivotSide, related: PivotSide): ForeignKeyColumn[] {
    return [
      { table: this.name, column: this.parentColumn, ...this.#references(parent, 'parent') },
      { table: this.name, column: this.relatedColumn, ...this.#references(related, 'related') },
    ];
  }

  /** Deleting a record of either side (by its primary key) removes its rows here. */
  deleteEffects(parent: PivotSide, related: PivotSide): DeleteEffect[] {
    const sides = [
      [parent, this.parentColumn, 'parent'],
      [related, this.relatedColumn, 'related'],
    ] as const;
    return sides.flatMap(([side, column, which]): DeleteEffect[] =>
      side.field === side.model.primaryKey
        ? [
            {
              table: side.model.table,
              dependentTable: this.name,
              column,
              action: 'delete',
              ...this.#morphTypeOf(which),
            },
          ]
        : [],
    );
  }

  #references(side: PivotSide, which: 'parent' | 'related') {
    return { references: side.model, referencedField: side.field, ...this.#morphTypeOf(which) };
  }

  /** The type column and value, for the key column of `side` when it is the morphing one. */
  #morphTypeOf(side: 'parent' | 'related'): { morphType?: { column: string; value: string } } {
    const morph = this.morph;
    return morph?.side === side ? { morphType: { column: morph.column, value: morph.value } } : {};
  }

  /** The table, in `runtime`'s Database. */
  table(runtime: DatabaseRuntime): Table<Row, Key> {
    return runtime.dexie.table<Row, Key>(this.name);
  }

  /** The primary key of the row pairing `parentKey` with `relatedKey`. */
  keyOf(parentKey: Key, relatedKey: Key): Key {
    const row = this.#pairRow(parentKey, relatedKey);
    return this.keyFields.map((field) => row[field]) as Key;
  }

  /** The key columns (and type) of the row pairing `parentKey` with `relatedKey`. */
  #pairRow(parentKey: Key, relatedKey: Key): Row {
    const row: Row = { [this.parentColumn]: parentKey, [this.relatedColumn]: relatedKey };
    if (this.morph) row[this.morph.column] = this.morph.value;
    return row;
  }

  /** The rows of any of `parentKeys`, in one read (of this pivot's type alone, if polymorphic). */
  async rowsOf(runtime: DatabaseRuntime, parentKeys: readonly Key[]): Promise<Row[]> {
    const morph = this.morph;
    const table = this.table(runtime);
    if (!morph) return rowsWithKeys(table, this.parentColumn, parentKeys);
    if (morph.side === 'parent') {
      const pairs = parentKeys.map((key) => [morph.value, key] as Key);
      return rowsWithKeys(table, `[${morph.column}+${this.parentColumn}]`, pairs);
    }
    const rows = await rowsWithKeys(table, this.parentColumn, parentKeys);
    return rows.filter((row) => row[morph.column] === morph.value);
  }

  /**
   * Where the pairs of a parent are found, as a query clause reads them: the index, the value
   * for `parentKey` in it, and a condition on the rows read, if any.
   */
  lookupOf(parentKey: Key): {
    where: string;
    equals: Key;
    type?: { column: string; value: string };
  } {
    const morph = this.morph;
    if (!morph) return { where: this.parentColumn, equals: parentKey };
    if (morph.side === 'parent') {
      return {
        where: `[${morph.column}+${this.parentColumn}]`,
        equals: [morph.value, parentKey] as Key,
      };
    }
    return {
      where: this.parentColumn,
      equals: parentKey,
      type: { column: morph.column, value: morph.value },
    };
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
      return { ...existing[i], ...attributes, ...stamps, ...this.#pairRow(parentKey, key) };
    });
    await table.bulkPut(rows);
    return rows;
  }

  /** Removes the rows pairing `parentKey` with each of `relatedKeys`. */
  unpair(runtime: DatabaseRuntime, parentKey: Key, relatedKeys: readonly Key[]): Promise<void> {
    return this.table(runtime).bulkDelete(relatedKeys.map((key) => this.keyOf(parentKey, key)));
  }

  /** The parent key of each row of any of `parentKeys`, from the index alone. */
  async parentKeysOf(runtime: DatabaseRuntime, parentKeys: readonly Key[]): Promise<Key[]> {
    if (!this.morph) return indexKeysWith(this.table(runtime), this.parentColumn, parentKeys);
    const rows = await this.rowsOf(runtime, parentKeys);
    return rows.map((row) => row[this.parentColumn] as Key);
  }
}

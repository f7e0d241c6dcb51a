import { UnsavedModelError } from '../core/errors.js';
import { buildGroups, dictionaryKey, distinctKeys, shareKeyOf } from '../core/key-dictionary.js';
import { defaultForeignKey, singular } from '../core/naming.js';
import { assertAttributeSet } from '../core/storable.js';
import { type Key, type Row, sameValue } from '../core/values.js';
import type { AttributeKey, AttributesOf, ModelBase } from '../model/model.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import {
  hydrate,
  keyAttribute,
  newModel,
  originalOf,
  readAttribute,
  setLoaded,
} from '../state/model-state.js';
import { countMatches, matchMany } from './dictionary.js';
import { PivotTable } from './pivot-table.js';
import { RelatedKeys } from './related-keys.js';
import {
  constrainToParent,
  type DeleteEffect,
  type ForeignKeyColumn,
  plainIndex,
  Relation,
  type TableRequirement,
} from './relation.js';

/** Options of {@link BelongsToMany}; each defaults as API.md §11 says. */
export interface BelongsToManyOptions {
  /** Default: the two tables' singulars in alphabetical order, joined by `_` (`post_tag`). */
  readonly pivotTable?: string;
  /** The pivot column holding the parent's key. Default `<singular parent table>_<parentKey>`. */
  readonly foreignPivotKey?: string;
  /** The pivot column holding the related key. Default `<singular related table>_<relatedKey>`. */
  readonly relatedPivotKey?: string;
  /** The parent's attribute the pivot holds. Default its primary key. */
  readonly parentKey?: string;
  /** The related model's attribute the pivot holds. Default its primary key. */
  readonly relatedKey?: string;
}

/** A related model as a many-to-many relation returns it: with its pivot row. */
export type WithPivot<R, Pivot> = R & {
  /** The pivot row that pairs the related model with the parent (never saved with the model). */
  pivot: Pivot;
};

/** What `sync` changed, by related key. */
export interface SyncResult {
  /** The related keys newly paired. */
  readonly attached: Key[];
  /** The related keys unpaired. */
  readonly detached: Key[];
  /** The related keys whose pivot attributes changed. */
  readonly updated: Key[];
}

/** Related keys or models, one or several. */
export type RelatedKeysOrModels<R> = Key | R | readonly (Key | R)[];

/**
 * Many related models per parent and many parents per related model, paired through rows of a
 * pivot table that the Database derives (`post_tag`: `{ post_id, tag_id, ...pivot attributes }`,
 * one row per pair). Each related model it returns carries its pivot row as `pivot`.
 * @example
 * tagsRelation(): BelongsToMany<Post, Tag, PostTagAttributes> { return this.belongsToMany(Tag); }
 */
export class BelongsToMany<
  P extends ModelBase,
  R extends ModelBase,
  Pivot extends object = Record<string, Key>,
> extends Relation<P, R, WithPivot<R, Pivot>[]> {
  /** The pivot table and its two key columns. */
  readonly pivot: PivotTable;
  /** The parent's attribute the pivot holds. */
  readonly parentKey: string;
  /** The related model's attribute the pivot holds. */
  readonly relatedKey: string;
  readonly #keys: RelatedKeys;

  constructor(parent: P, related: ModelClass<R>, options: BelongsToManyOptions = {}) {
    super(parent, related);
    const parentModel = parent.constructor as ModelClass;
    this.parentKey = options.parentKey ?? parentModel.primaryKey;
    this.relatedKey = options.relatedKey ?? related.primaryKey;
    const name =
      options.pivotTable ?? [singular(parentModel.table), singular(related.table)].sort().join('_');
    this.pivot = new PivotTable(
      name,
      options.foreignPivotKey ?? defaultForeignKey(parentModel.table, this.parentKey),
      options.relatedPivotKey ?? defaultForeignKey(related.table, this.relatedKey),
    );
    this.#keys = new RelatedKeys(related, this.relatedKey, this.#describe());
  }

  /** The parent's key value, or undefined while the parent has none. */
  parentKeyValue(): Key | undefined {
    return keyAttribute(this.parent, this.parentKey);
  }

  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const { name, parentColumn, relatedColumn } = this.pivot;
    const via = { table: name, where: parentColumn, select: relatedColumn };
    return constrainToParent(query, this.relatedKey, this.parentKeyValue(), via);
  }

  /** The related models with their pivot rows, in related primary-key order. */
  async getResults(): Promise<WithPivot<R, Pivot>[]> {
    if (this.parentKeyValue() === undefined) return [];
    return (await this.eagerRead([this.parent], this.runtime())) as WithPivot<R, Pivot>[];
  }

  /** Two reads for any number of parents: their pivot rows, then the related models. */
  async eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[]> {
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, this.parentKey));
    const rows = await this.pivot.rowsOf(runtime, keys as Key[]);
    if (rows.length === 0) return [];
    const { relatedColumn } = this.pivot;
    const related = await this.relatedQuery(runtime, constraint)
      .whereIn(
        this.relatedKey as AttributeKey<R>,
        distinctKeys(rows, (row) => row[relatedColumn]) as never[],
      )
      .get();
    const rowsByRelated = buildGroups(rows, (row) => row[relatedColumn]);
    const context = runtime.contextOf(this.related);
    const results: R[] = [];
    for (const model of related) {
      const pairs = rowsByRelated.get(dictionaryKey(readAttribute(model, this.relatedKey))) ?? [];
      pairs.forEach((row, i) => {
        // One instance per pair: a model attached to two parents carries two pivot rows.
        const instance = i === 0 ? model : hydrate(context, originalOf(model)!);
        setLoaded(instance, 'pivot', { ...row }, 'extra');
        results.push(instance);
      });
    }
    return results;
  }

  match(parents: readonly P[], results: readonly R[], name: string): void {
    const { parentColumn } = this.pivot;
    matchMany(parents, this.parentKey, results, (result) => pivotOf(result)[parentColumn], name);
  }

  async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, this.parentKey));
    return countMatches(
      parents,
      this.parentKey,
      await this.pivot.parentKeysOf(runtime, keys as Key[]),
    );
  }

  requirements(): TableRequirement[] {
    return [
      { ...this.pivot.requirement(), joins: [this.parent.constructor as ModelClass, this.related] },
      plainIndex(this.parent.constructor as ModelClass, this.parentKey),
      plainIndex(this.related, this.relatedKey),
    ];
  }

  override foreignKeys(): ForeignKeyColumn[] {
    const { name, parentColumn, relatedColumn } = this.pivot;
    const parentModel = this.parent.constructor as ModelClass;
    return [
      {
        table: name,
        column: parentColumn,
        references: parentModel,
        referencedField: this.parentKey,
      },
      {
        table: name,
        column: relatedColumn,
        references: this.related,
        referencedField: this.relatedKey,
      },
    ];
  }

  /** Deleting a record of either side removes its pivot rows. */
  override deleteEffects(): DeleteEffect[] {
    const parentModel = this.parent.constructor as ModelClass;
    const effects: DeleteEffect[] = [];
    const { name, parentColumn, relatedColumn } = this.pivot;
    if (this.parentKey === parentModel.primaryKey) {
      effects.push({
        table: parentModel.table,
        dependentTable: name,
        column: parentColumn,
        action: 'delete',
      });
    }
    if (this.relatedKey === this.related.primaryKey) {
      effects.push({
        table: this.related.table,
        dependentTable: name,
        column: relatedColumn,
        action: 'delete',
      });
    }
    return effects;
  }

  /**
   * Pairs the parent with these related keys or models; a pair that exists keeps its one row,
   * its pivot attributes updated when given. One transaction.
   * @throws ModelNotFoundError for a key with no related record (nothing is written);
   * UnsavedModelError for an unsaved parent or model.
   */
  async attach(keys: RelatedKeysOrModels<R>, pivotAttributes?: Partial<Pivot>): Promise<void> {
    const parentKey = this.#requireParentKey('attach');
    const related = this.#keys.of(keys);
    await this.#write(async (runtime) => {
      await this.#keys.assertStored(runtime, related);
      await this.pivot.pair(
        runtime,
        parentKey,
        related.map((key) => [key, pivotAttributes] as const),
      );
    });
  }

  /**
   * Removes these pairs (all of the parent's when omitted); resolves to the number removed.
   * @throws UnsavedModelError for a parent without its key, as every write of the relation.
   */
  async detach(keys?: RelatedKeysOrModels<R>): Promise<number> {
    const parentKey = this.#requireParentKey('detach');
    const related = keys === undefined ? undefined : this.#keys.of(keys);
    return this.#write(async (runtime) => {
      const current = await this.pivot.relatedKeysOf(runtime, parentKey);
      const removing =
        related === undefined
          ? current
          : current.filter((key) => related.some((k) => sameValue(k, key)));
      await this.pivot.unpair(runtime, parentKey, removing);
      return removing.length;
    });
  }

  /**
   * Makes the parent's set exactly `keys` (an array, or a record of key → pivot attributes).
   * @throws ModelNotFoundError for a key with no related record; nothing is written then.
   */
  sync(keys: readonly (Key | R)[] | Readonly<Record<string, Partial<Pivot>>>): Promise<SyncResult> {
    return this.#sync(keys, true);
  }

  /** `sync` that removes nothing. */
  syncWithoutDetaching(
    keys: readonly (Key | R)[] | Readonly<Record<string, Partial<Pivot>>>,
  ): Promise<SyncResult> {
    return this.#sync(keys, false);
  }

  /** Attaches the keys that are absent and detaches those that are present; one transaction. */
  async toggle(keys: RelatedKeysOrModels<R>): Promise<Omit<SyncResult, 'updated'>> {
    const parentKey = this.#requireParentKey('toggle');
    const related = this.#keys.of(keys);
    return this.#write(async (runtime) => {
      const current = await this.pivot.relatedKeysOf(runtime, parentKey);
      const detached = related.filter((key) => current.some((k) => sameValue(k, key)));
      const attached = related.filter((key) => !detached.includes(key));
      await this.#keys.assertStored(runtime, attached);
      await this.pivot.unpair(runtime, parentKey, detached);
      await this.pivot.pair(
        runtime,
        parentKey,
        attached.map((key) => [key, undefined] as const),
      );
      return { attached, detached };
    });
  }

  /** Updates one pair's pivot attributes; resolves to 1, or 0 when the pair does not exist. */
  async updateExistingPivot(key: Key | R, attributes: Partial<Pivot>): Promise<number> {
    const parentKey = this.#requireParentKey('updateExistingPivot');
    const [related] = this.#keys.of(key);
    return this.#write(async (runtime) => {
      const row = await this.pivot.table(runtime).get(this.pivot.keyOf(parentKey, related!));
      if (!row) return 0;
      await this.pivot.pair(runtime, parentKey, [[related!, attributes]]);
      return 1;
    });
  }

  /** Inserts a related model and attaches it, in one transaction. */
  async create(
    attributes: Partial<AttributesOf<R>>,
    pivotAttributes?: Partial<Pivot>,
  ): Promise<WithPivot<R, Pivot>> {
    const owner = { model: this.related.name, table: this.related.table };
    assertAttributeSet(attributes, owner, `${this.describe()}: create()`);
    if (pivotAttributes !== undefined) {
      assertAttributeSet(pivotAttributes, owner, `${this.describe()}: create() pivot attributes`);
    }
    const parentKey = this.#requireParentKey('create');
    return this.#write(async (runtime) => {
      const model = await newModel(this.related, attributes, runtime).save();
      const key = this.#keys.of(model)[0]!;
      const [row] = await this.pivot.pair(runtime, parentKey, [[key, pivotAttributes]]);
      setLoaded(model, 'pivot', { ...row }, 'extra');
      return model as WithPivot<R, Pivot>;
    });
  }

  protected emptyResult(): WithPivot<R, Pivot>[] {
    return [];
  }

  protected canLookUp(): boolean {
    return this.parentKeyValue() !== undefined;
  }

  protected shareKey(): string {
    const { name, parentColumn } = this.pivot;
    return `${name}\u0000${parentColumn}\u0000${this.related.table}\u0000${this.relatedKey}\u0000${shareKeyOf(this.parentKeyValue())}`;
  }

  async #sync(
    keys: readonly (Key | R)[] | Readonly<Record<string, Partial<Pivot>>>,
    detaching: boolean,
  ): Promise<SyncResult> {
    const parentKey = this.#requireParentKey(detaching ? 'sync' : 'syncWithoutDetaching');
    const listed = Array.isArray(keys);
    const given: (readonly [Key, Partial<Pivot> | undefined])[] = listed
      ? this.#keys.of(keys as readonly (Key | R)[]).map((key) => [key, undefined] as const)
      : Object.entries(keys as Record<string, Partial<Pivot>>).map(
          ([key, value]) => [key, value] as const,
        );
    return this.#write(async (runtime) => {
      const wanted = listed
        ? given
        : await this.#keys.withStoredTypes(
            runtime,
            given as [string, Partial<Pivot> | undefined][],
          );
      await this.#keys.assertStored(
        runtime,
        wanted.map(([key]) => key),
      );
      const rows = await this.pivot.rowsOf(runtime, [parentKey]);
      const byKey = new Map(rows.map((row) => [dictionaryKey(row[this.pivot.relatedColumn]), row]));
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
      await this.pivot.pair(runtime, parentKey, changes);
      if (detaching) {
        const removed = [...byKey.values()].map((row) => row[this.pivot.relatedColumn] as Key);
        await this.pivot.unpair(runtime, parentKey, removed);
        result.detached.push(...removed);
      }
      return result;
    });
  }

  #requireParentKey(action: string): Key {
    const key = this.parentKeyValue();
    if (key !== undefined) return key;
    const parentModel = this.parent.constructor as ModelClass;
    throw new UnsavedModelError(
      `${this.#describe()}: cannot ${action} through a ${parentModel.name} that has no ` +
        `"${this.parentKey}" yet; save the ${parentModel.name} first`,
      { model: parentModel.name, table: parentModel.table, field: this.parentKey },
    );
  }

  /** Runs `fn` in one readwrite transaction over the pivot and related tables. */
  #write<T>(fn: (runtime: DatabaseRuntime) => Promise<T>): Promise<T> {
    const runtime = this.runtime();
    const context = runtime.contextOf(this.related);
    return runtime.write([this.pivot.name, context.tableName], () => fn(runtime), context, true);
  }

  #describe(): string {
    return `${this.describe()} (pivot "${this.pivot.name}")`;
  }
}

function pivotOf(model: ModelBase): Row {
  return readAttribute(model, 'pivot') as Row;
}

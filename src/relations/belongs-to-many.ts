import { UnsavedModelError, ValidationError } from '../core/errors.js';
import { buildGroups, dictionaryKey, distinctKeys, shareKeyOf } from '../core/key-dictionary.js';
import { defaultForeignKey, singular } from '../core/naming.js';
import { assertAttributeSet, assertList } from '../core/storable.js';
import { describe, type Key, type Row, sameValue } from '../core/values.js';
import type { AttributeKey, AttributesOf, ModelBase } from '../model/model.js';
import type { WhereOperator } from '../query/clause.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import {
  hydrate,
  isModel,
  keyAttribute,
  newModel,
  originalOf,
  readAttribute,
  setLoaded,
} from '../state/model-state.js';
import { insertModels } from '../state/model-writes.js';
import { countMatches, matchMany } from './dictionary.js';
import { PivotFilters } from './pivot-filters.js';
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

/** Keys with their pivot attributes as given; `record` when keys came as a record's strings. */
interface GivenPairs<Pivot> {
  readonly keys: readonly (readonly [Key, Partial<Pivot> | undefined])[];
  readonly record: boolean;
}

/** The record form of `attach`/`toggle`/`sync`: related key → pivot attributes. */
export type PivotRecord<Pivot> = Readonly<Record<string, Partial<Pivot>>>;

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
  readonly #pivotFilters: PivotFilters;
  #timestamps = false;

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
    this.#pivotFilters = new PivotFilters(this.#describe());
  }

  /**
   * Keeps only the pairs whose pivot row has `field` equal to `value` (or compared by
   * `operator`), in every read of the relation; declare it in the relation method to keep it.
   * @example approvedTagsRelation() { return this.belongsToMany(Tag).wherePivot('approved', true); }
   */
  wherePivot<F extends Extract<keyof Pivot, string>>(
    field: F,
    ...condition: [value: Pivot[F] | null] | [operator: WhereOperator, value: unknown]
  ): this {
    this.#pivotFilters.add(field, condition);
    return this;
  }

  /** Keeps only the pairs whose pivot `field` is one of `values`. */
  wherePivotIn<F extends Extract<keyof Pivot, string>>(
    field: F,
    values: readonly Pivot[F][],
  ): this {
    this.#pivotFilters.add(field, ['in', values]);
    return this;
  }

  /** Keeps only the pairs whose pivot `field` is missing or null. */
  wherePivotNull<F extends Extract<keyof Pivot, string>>(field: F): this {
    this.#pivotFilters.add(field, ['=', null]);
    return this;
  }

  /** Stamps pivot rows with `created_at` (when paired) and `updated_at` (on each write). */
  withTimestamps(): this {
    this.#timestamps = true;
    return this;
  }

  /** The parent's key value, or undefined while the parent has none. */
  parentKeyValue(): Key | undefined {
    return keyAttribute(this.parent, this.parentKey);
  }

  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const { name, parentColumn, relatedColumn } = this.pivot;
    const filters = this.#pivotFilters;
    const via = {
      table: name,
      where: parentColumn,
      select: relatedColumn,
      ...(filters.isEmpty ? {} : { rowsMatching: filters.clauses }),
    };
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
    const rows = (await this.pivot.rowsOf(runtime, keys as Key[])).filter((row) =>
      this.#pivotFilters.keeps(row),
    );
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
    const { parentColumn } = this.pivot;
    const found = this.#pivotFilters.isEmpty
      ? await this.pivot.parentKeysOf(runtime, keys as Key[])
      : (await this.pivot.rowsOf(runtime, keys as Key[]))
          .filter((row) => this.#pivotFilters.keeps(row))
          .map((row) => row[parentColumn] as Key);
    return countMatches(parents, this.parentKey, found);
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
  async attach(
    keys: RelatedKeysOrModels<R> | PivotRecord<Pivot>,
    pivotAttributes?: Partial<Pivot>,
  ): Promise<void> {
    const parentKey = this.#requireParentKey('attach');
    const given = this.#given(keys, pivotAttributes);
    await this.#write(async (runtime) => {
      const pairs = await this.#typed(runtime, given);
      await this.#keys.assertStored(
        runtime,
        pairs.map(([key]) => key),
      );
      await this.pivot.pair(runtime, parentKey, pairs, this.#timestamps);
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
  async toggle(
    keys: RelatedKeysOrModels<R> | PivotRecord<Pivot>,
  ): Promise<Omit<SyncResult, 'updated'>> {
    const parentKey = this.#requireParentKey('toggle');
    const given = this.#given(keys, undefined);
    return this.#write(async (runtime) => {
      const pairs = await this.#typed(runtime, given);
      const current = await this.pivot.relatedKeysOf(runtime, parentKey);
      const present = (key: Key) => current.some((k) => sameValue(k, key));
      const detached = pairs.filter(([key]) => present(key)).map(([key]) => key);
      const attaching = pairs.filter(([key]) => !present(key));
      await this.#keys.assertStored(
        runtime,
        attaching.map(([key]) => key),
      );
      await this.pivot.unpair(runtime, parentKey, detached);
      await this.pivot.pair(runtime, parentKey, attaching, this.#timestamps);
      return { attached: attaching.map(([key]) => key), detached };
    });
  }

  /**
   * Saves `model` (inserting it when new) and pairs it with the parent, with `pivotAttributes`;
   * one transaction. @throws UnsavedModelError for an unsaved parent.
   */
  async save(model: R, pivotAttributes?: Partial<Pivot>): Promise<WithPivot<R, Pivot>> {
    const [saved] = await this.saveMany([model], pivotAttributes);
    return saved!;
  }

  /** {@link save} for each of `models`, all in one transaction. */
  async saveMany(
    models: readonly R[],
    pivotAttributes?: Partial<Pivot>,
  ): Promise<WithPivot<R, Pivot>[]> {
    const parentKey = this.#requireParentKey('saveMany');
    for (const model of models) this.#assertRelated(model, 'saveMany()');
    return this.#write(async (runtime) => {
      for (const model of models) await model.save();
      return this.#pairWith(runtime, parentKey, models, pivotAttributes);
    });
  }

  /** Inserts a related model from each of `list` and pairs them all; one transaction. */
  async createMany(
    list: readonly Partial<AttributesOf<R>>[],
    pivotAttributes?: Partial<Pivot>,
  ): Promise<WithPivot<R, Pivot>[]> {
    const parentKey = this.#requireParentKey('createMany');
    const owner = { model: this.related.name, table: this.related.table };
    assertList(list, owner, `${this.describe()}: createMany()`);
    for (const attributes of list) {
      assertAttributeSet(attributes, owner, `${this.describe()}: createMany()`);
    }
    return this.#write(async (runtime) => {
      const context = runtime.contextOf(this.related);
      const models = list.map((attributes) => newModel(this.related, attributes, runtime));
      await insertModels(context, models);
      return this.#pairWith(runtime, parentKey, models, pivotAttributes);
    });
  }

  /**
   * The related model matching `attributes` among the parent's; else one in the related table,
   * which is paired; else one created and paired. One transaction.
   */
  async firstOrCreate(
    attributes: Partial<AttributesOf<R>>,
    pivotAttributes?: Partial<Pivot>,
  ): Promise<WithPivot<R, Pivot>> {
    const parentKey = this.#requireParentKey('firstOrCreate');
    return this.#write(async (runtime) => {
      const own = await this.#firstOwn(attributes);
      if (own) return own;
      const stored = await this.#firstStored(runtime, attributes);
      if (stored) return (await this.#pairWith(runtime, parentKey, [stored], pivotAttributes))[0]!;
      return this.create(attributes, pivotAttributes);
    });
  }

  /**
   * As {@link firstOrCreate} with `attributes`, then fills the model with `values` and saves it;
   * a new one is created from both. One transaction.
   */
  async updateOrCreate(
    attributes: Partial<AttributesOf<R>>,
    values: Partial<AttributesOf<R>>,
    pivotAttributes?: Partial<Pivot>,
  ): Promise<WithPivot<R, Pivot>> {
    const parentKey = this.#requireParentKey('updateOrCreate');
    return this.#write(async (runtime) => {
      let model = await this.#firstOwn(attributes);
      if (!model) {
        const stored = await this.#firstStored(runtime, attributes);
        if (!stored) return this.create({ ...attributes, ...values }, pivotAttributes);
        model = (await this.#pairWith(runtime, parentKey, [stored], pivotAttributes))[0]!;
      }
      model.fill(values as never);
      await model.save();
      return model;
    });
  }

  /** The parent's related model matching `attributes`, with its pivot row, or null. */
  async #firstOwn(attributes: Partial<AttributesOf<R>>): Promise<WithPivot<R, Pivot> | null> {
    const found = await this.query().where(attributes).first();
    if (!found) return null;
    const [withPivot] = await this.eagerRead([this.parent], this.runtime(), {
      ...this.query().state,
      clauses: [{ field: this.relatedKey, operator: '=', value: found.getKey() }],
    });
    return (withPivot as WithPivot<R, Pivot> | undefined) ?? null;
  }

  /** A model of the related table matching `attributes`, or null. */
  #firstStored(runtime: DatabaseRuntime, attributes: Partial<AttributesOf<R>>): Promise<R | null> {
    return new QueryBuilder(this.related, runtime).where(attributes).first();
  }

  /** Pairs stored `models` with the parent; each then carries its pivot row. */
  async #pairWith(
    runtime: DatabaseRuntime,
    parentKey: Key,
    models: readonly R[],
    pivotAttributes: Partial<Pivot> | undefined,
  ): Promise<WithPivot<R, Pivot>[]> {
    const keys = models.map((model) => this.#keys.of(model)[0]!);
    const rows = await this.pivot.pair(
      runtime,
      parentKey,
      keys.map((key) => [key, pivotAttributes] as const),
      this.#timestamps,
    );
    models.forEach((model, i) => {
      setLoaded(model, 'pivot', { ...rows[i] }, 'extra');
    });
    return models as WithPivot<R, Pivot>[];
  }

  /** Keys with their pivot attributes, from keys, models or the record form; each key once. */
  #given(
    keys: RelatedKeysOrModels<R> | PivotRecord<Pivot>,
    pivotAttributes: Partial<Pivot> | undefined,
  ): GivenPairs<Pivot> {
    if (typeof keys === 'object' && keys !== null && !Array.isArray(keys) && !isModel(keys)) {
      const entries = Object.entries(keys as PivotRecord<Pivot>);
      return { keys: entries.map(([key, value]) => [key, value] as const), record: true };
    }
    const list = this.#keys.of(keys as RelatedKeysOrModels<R>);
    return { keys: list.map((key) => [key, pivotAttributes] as const), record: false };
  }

  /** {@link #given}'s pairs with the record form's string keys as the stored keys' type. */
  async #typed(
    runtime: DatabaseRuntime,
    given: GivenPairs<Pivot>,
  ): Promise<(readonly [Key, Partial<Pivot> | undefined])[]> {
    if (!given.record) return [...given.keys];
    return this.#keys.withStoredTypes(
      runtime,
      given.keys as [string, Partial<Pivot> | undefined][],
    );
  }

  #assertRelated(model: unknown, call: string): asserts model is R {
    if (model instanceof this.related) return;
    throw new ValidationError(
      `${this.#describe()}: ${call} takes ${this.related.name} models, not ${describe(model)}`,
      { model: this.related.name, table: this.related.table },
    );
  }

  /** Updates one pair's pivot attributes; resolves to 1, or 0 when the pair does not exist. */
  async updateExistingPivot(key: Key | R, attributes: Partial<Pivot>): Promise<number> {
    const parentKey = this.#requireParentKey('updateExistingPivot');
    const [related] = this.#keys.of(key);
    return this.#write(async (runtime) => {
      const row = await this.pivot.table(runtime).get(this.pivot.keyOf(parentKey, related!));
      if (!row) return 0;
      await this.pivot.pair(runtime, parentKey, [[related!, attributes]], this.#timestamps);
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
      const [row] = await this.pivot.pair(
        runtime,
        parentKey,
        [[key, pivotAttributes]],
        this.#timestamps,
      );
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
      await this.pivot.pair(runtime, parentKey, changes, this.#timestamps);
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

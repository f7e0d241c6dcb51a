import type { AttributesOf } from '../core/attribute-types.js';
import { ValidationError } from '../core/errors.js';
import { assertAttributeSet, assertList } from '../core/storable.js';
import { describe, type Key, sameValue } from '../core/values.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { newModel, setLoaded } from '../state/model-state.js';
import { insertModels } from '../state/model-writes.js';
import { PivotRelation } from './pivot-relation.js';
import { planPivotSync } from './pivot-sync.js';
import type { PivotRecord, RelatedKeysOrModels, SyncResult, WithPivot } from './pivot-types.js';

/**
 * Many related models per parent and many parents per related model, paired through rows of a
 * pivot table that the Database derives (`post_tag`: `{ post_id, tag_id, ...pivot attributes }`,
 * one row per pair). Each related model it returns carries its pivot row as `pivot`.
 * @example
 * tagsRelation(): BelongsToMany<Post, Tag, PostTagAttributes> { return this.belongsToMany(Tag); }
 */ export class BelongsToMany<
  P extends ModelInstance,
  R extends ModelInstance,
  Pivot extends object = Record<string, Key>,
> extends PivotRelation<P, R, Pivot> {
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
    const parentKey = this.requireParentKey('attach');
    const given = this.relatedKeys.pairs<Partial<Pivot>>(keys, pivotAttributes);
    await this.writePivot(async (runtime) => {
      const pairs = await this.relatedKeys.typedPairs(runtime, given);
      await this.relatedKeys.assertStored(
        runtime,
        pairs.map(([key]) => key),
      );
      await this.pivot.pair(runtime, parentKey, pairs, this.stampsPivot);
    });
  }

  /**
   * Removes these pairs (all of the parent's when omitted); resolves to the number removed.
   * @throws UnsavedModelError for a parent without its key, as every write of the relation.
   */
  async detach(keys?: RelatedKeysOrModels<R>): Promise<number> {
    const parentKey = this.requireParentKey('detach');
    const related = keys === undefined ? undefined : this.relatedKeys.of(keys);
    return this.writePivot(async (runtime) => {
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
    const parentKey = this.requireParentKey('toggle');
    const given = this.relatedKeys.pairs<Partial<Pivot>>(keys, undefined);
    return this.writePivot(async (runtime) => {
      const pairs = await this.relatedKeys.typedPairs(runtime, given);
      const current = await this.pivot.relatedKeysOf(runtime, parentKey);
      const present = (key: Key) => current.some((k) => sameValue(k, key));
      const detached = pairs.filter(([key]) => present(key)).map(([key]) => key);
      const attaching = pairs.filter(([key]) => !present(key));
      await this.relatedKeys.assertStored(
        runtime,
        attaching.map(([key]) => key),
      );
      await this.pivot.unpair(runtime, parentKey, detached);
      await this.pivot.pair(runtime, parentKey, attaching, this.stampsPivot);
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
    const parentKey = this.requireParentKey('saveMany');
    for (const model of models) this.#assertRelated(model, 'saveMany()');
    return this.writePivot(async (runtime) => {
      for (const model of models) await model.save();
      return this.#pairWith(runtime, parentKey, models, pivotAttributes);
    });
  }

  /** Inserts a related model from each of `list` and pairs them all; one transaction. */
  async createMany(
    list: readonly Partial<AttributesOf<R>>[],
    pivotAttributes?: Partial<Pivot>,
  ): Promise<WithPivot<R, Pivot>[]> {
    const parentKey = this.requireParentKey('createMany');
    const owner = { model: this.related.name, table: this.related.table };
    assertList(list, owner, `${this.describe()}: createMany()`);
    for (const attributes of list) {
      assertAttributeSet(attributes, owner, `${this.describe()}: createMany()`);
    }
    return this.writePivot(async (runtime) => {
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
    const parentKey = this.requireParentKey('firstOrCreate');
    return this.writePivot(async (runtime) => {
      const own = await this.#firstOwn(attributes);
      if (own) return own;
      const stored = await new QueryBuilder(this.related, runtime).where(attributes).first();
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
    const parentKey = this.requireParentKey('updateOrCreate');
    return this.writePivot(async (runtime) => {
      let model = await this.#firstOwn(attributes);
      if (!model) {
        const stored = await new QueryBuilder(this.related, runtime).where(attributes).first();
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
    const [own] = await this.eagerRead([this.parent], this.runtime(), {
      ...this.query().state,
      clauses: [{ field: this.relatedKey, operator: '=', value: found.getKey() }],
    });
    return (own?.[0] as WithPivot<R, Pivot> | undefined) ?? null;
  }

  /** Pairs stored `models` with the parent; each then carries its pivot row. */
  async #pairWith(
    runtime: DatabaseRuntime,
    parentKey: Key,
    models: readonly R[],
    pivotAttributes: Partial<Pivot> | undefined,
  ): Promise<WithPivot<R, Pivot>[]> {
    const keys = models.map((model) => this.relatedKeys.of(model)[0]!);
    const rows = await this.pivot.pair(
      runtime,
      parentKey,
      keys.map((key) => [key, pivotAttributes] as const),
      this.stampsPivot,
    );
    models.forEach((model, i) => {
      setLoaded(model, 'pivot', { ...rows[i] }, 'extra');
    });
    return models as WithPivot<R, Pivot>[];
  }

  #assertRelated(model: unknown, call: string): asserts model is R {
    if (model instanceof this.related) return;
    throw new ValidationError(
      `${this.describePivot()}: ${call} takes ${this.related.name} models, not ${describe(model)}`,
      { model: this.related.name, table: this.related.table },
    );
  }

  /** Updates one pair's pivot attributes; resolves to 1, or 0 when the pair does not exist. */
  async updateExistingPivot(key: Key | R, attributes: Partial<Pivot>): Promise<number> {
    const parentKey = this.requireParentKey('updateExistingPivot');
    const [related] = this.relatedKeys.of(key);
    return this.writePivot(async (runtime) => {
      const row = await this.pivot.table(runtime).get(this.pivot.keyOf(parentKey, related!));
      if (!row) return 0;
      await this.pivot.pair(runtime, parentKey, [[related!, attributes]], this.stampsPivot);
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
    const parentKey = this.requireParentKey('create');
    return this.writePivot(async (runtime) => {
      const model = newModel(this.related, attributes, runtime);
      await model.save();
      const key = this.relatedKeys.of(model)[0]!;
      const [row] = await this.pivot.pair(
        runtime,
        parentKey,
        [[key, pivotAttributes]],
        this.stampsPivot,
      );
      setLoaded(model, 'pivot', { ...row }, 'extra');
      return model as WithPivot<R, Pivot>;
    });
  }

  async #sync(
    keys: readonly (Key | R)[] | Readonly<Record<string, Partial<Pivot>>>,
    detaching: boolean,
  ): Promise<SyncResult> {
    const parentKey = this.requireParentKey(detaching ? 'sync' : 'syncWithoutDetaching');
    const given = this.relatedKeys.pairs<Partial<Pivot>>(keys, undefined);
    return this.writePivot(async (runtime) => {
      const wanted = await this.relatedKeys.typedPairs(runtime, given);
      await this.relatedKeys.assertStored(
        runtime,
        wanted.map(([key]) => key),
      );
      const rows = await this.pivot.rowsOf(runtime, [parentKey]);
      const { result, changes, unwanted } = planPivotSync(wanted, rows, this.pivot.relatedColumn);
      await this.pivot.pair(runtime, parentKey, changes, this.stampsPivot);
      if (detaching) {
        await this.pivot.unpair(runtime, parentKey, unwanted);
        result.detached.push(...unwanted);
      }
      return result;
    });
  }
}

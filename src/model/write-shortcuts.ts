import type { AttributeKey, AttributesOf } from '../core/attribute-types.js';
import { SchemaError } from '../core/errors.js';
import { dictionaryKey } from '../core/key-dictionary.js';
import { assertAttributeSet, assertList } from '../core/storable.js';
import { isValidKey, type Row, valueAt } from '../core/values.js';
import { QueryBuilder } from '../query/query-builder.js';
import { contextOf, type ModelContext, ownerOf } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { newModel, writeAttribute } from '../state/model-state.js';
import { insertModels, saveModel } from '../state/model-writes.js';
import { updateRowsEach } from '../state/query-writes.js';
import { KeyStatics } from './key-statics.js';

/**
 * The statics that find a model or write it in one step, each in one transaction over the
 * model's table, so that two tabs doing it at once make one record: `firstOrCreate`,
 * `firstOrNew`, `updateOrCreate`, `upsert`.
 */
export abstract class WriteShortcuts extends KeyStatics {
  /**
   * The first model matching `match`, or one created from `match` and `values`, in one
   * transaction.
   * @example await Tag.firstOrCreate({ name: 'urgent' }, { colour: 'red' })
   */
  static firstOrCreate<M extends ModelInstance>(
    this: ModelClass<M>,
    match: Partial<AttributesOf<M>>,
    values: Partial<AttributesOf<M>> = {},
  ): Promise<M> {
    const context = contextOf(this);
    assertAttributeSet(match, ownerOf(context), 'firstOrCreate()');
    assertAttributeSet(values, ownerOf(context), 'firstOrCreate()');
    return inTransaction(context, async () => {
      const found = await matching(context, match).first();
      if (found) return found;
      const model = newModel(this, { ...match, ...values }, context.runtime);
      await saveModel(model);
      return model;
    });
  }

  /** The first model matching `match`, or a new unsaved one filled with `match` and `values`. */
  static async firstOrNew<M extends ModelInstance>(
    this: ModelClass<M>,
    match: Partial<AttributesOf<M>>,
    values: Partial<AttributesOf<M>> = {},
  ): Promise<M> {
    const context = contextOf(this);
    assertAttributeSet(match, ownerOf(context), 'firstOrNew()');
    assertAttributeSet(values, ownerOf(context), 'firstOrNew()');
    return (await matching(context, match).first()) ?? newModel(this, { ...match, ...values });
  }

  /**
   * Fills the first model matching `match` with `values` and saves it, or creates one from both,
   * in one transaction.
   */
  static updateOrCreate<M extends ModelInstance>(
    this: ModelClass<M>,
    match: Partial<AttributesOf<M>>,
    values: Partial<AttributesOf<M>>,
  ): Promise<M> {
    const context = contextOf(this);
    assertAttributeSet(match, ownerOf(context), 'updateOrCreate()');
    assertAttributeSet(values, ownerOf(context), 'updateOrCreate()');
    return inTransaction(context, async () => {
      const found = await matching(context, match).first();
      const model = found ?? newModel(this, { ...match }, context.runtime);
      for (const [name, value] of Object.entries(values)) writeAttribute(model, name, value);
      await saveModel(model);
      return model;
    });
  }

  /**
   * Inserts each of `list`, or, where a stored model has the same `uniqueBy` value(s), writes the
   * given attributes into it: one read of the stored matches and one bulk write each way, in one
   * transaction. Resolves to the models, in the order given.
   * @throws SchemaError for a `uniqueBy` field given twice in `list`, or missing from a record.
   * @example await Product.upsert([{ sku: 'a1', price: 3 }], 'sku')
   */
  static upsert<M extends ModelInstance>(
    this: ModelClass<M>,
    list: readonly Partial<AttributesOf<M>>[],
    uniqueBy: AttributeKey<M> | readonly AttributeKey<M>[],
  ): Promise<M[]> {
    const context = contextOf(this);
    const owner = ownerOf(context);
    assertList(list, owner, 'upsert()');
    for (const attributes of list) assertAttributeSet(attributes, owner, 'upsert()');
    const fields: readonly string[] = typeof uniqueBy === 'string' ? [uniqueBy] : uniqueBy;
    const identity = (row: Row) => dictionaryKey(fields.map((field) => valueAt(row, field)));
    const given = new Set<unknown>();
    for (const attributes of list as readonly Row[]) {
      const values = fields.map((field) => valueAt(attributes, field));
      const id = identity(attributes);
      if (values.some((value) => !isValidKey(value)) || given.has(id)) {
        throw new SchemaError(
          `${context.modelName} (table "${context.tableName}"): upsert() needs each record to ` +
            `have its own ${fields.join(' + ')}, a key value`,
          { ...owner, field: fields.join('+') },
        );
      }
      given.add(id);
    }
    return inTransaction(context, async () => {
      const first = fields[0]!;
      const candidates = await new QueryBuilder(context.model, context.runtime)
        .withoutGlobalScopes()
        .whereIn(first as never, (list as readonly Row[]).map((row) => row[first]) as never)
        .get();
      const stored = new Map(candidates.map((model) => [identity(model as unknown as Row), model]));
      const fresh: M[] = [];
      const updates: { model: M; changes: Row }[] = [];
      const models = (list as readonly Row[]).map((attributes) => {
        const existing = stored.get(identity(attributes));
        if (existing) {
          updates.push({ model: existing, changes: attributes });
          return existing;
        }
        const model = newModel(this, attributes, context.runtime);
        fresh.push(model);
        return model;
      });
      await updateRowsEach(context, updates);
      await insertModels(context, fresh);
      return models;
    });
  }
}

/** A query of the models matching every field of `match`, trashed ones left out. */
function matching<M extends ModelInstance>(
  context: ModelContext<M>,
  match: Partial<AttributesOf<M>>,
): QueryBuilder<M> {
  const query = new QueryBuilder(context.model, context.runtime);
  return Object.keys(match).length === 0 ? query : query.where(match);
}

/** Runs `fn` in one readwrite transaction over the model's table, which nested writes join. */
function inTransaction<T>(context: ModelContext, fn: () => Promise<T>): Promise<T> {
  return context.runtime.write([context.tableName], fn, context, true);
}

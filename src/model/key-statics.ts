import { dictionaryKey } from '../core/key-dictionary.js';
import { assertAttributeSet, assertList } from '../core/storable.js';
import { assertValidKey, type Key } from '../core/values.js';
import { QueryBuilder } from '../query/query-builder.js';
import { contextOf, type ModelContext } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { newModel } from '../state/model-state.js';
import { insertModels } from '../state/model-writes.js';
import { findByKey, findByKeys, notFound } from '../state/persistence.js';
import type { CreationAttributes, KeyOf } from './attribute-types.js';
import type { ModelBase } from './model.js';
import { QueryShortcuts } from './query-shortcuts.js';

/** The statics every model class has that find models by key or create them. */
export abstract class KeyStatics extends QueryShortcuts {
  /**
   * The model with this primary key, or null (also for one that is trashed or outside a global
   * scope). @throws ValidationError for an invalid key.
   */
  static find<M extends ModelBase>(this: ModelClass<M>, key: KeyOf<M>): Promise<M | null> {
    return findByKey(this, key, findConstrained);
  }

  /** The model with this primary key. @throws ModelNotFoundError when there is none. */
  static async findOrFail<M extends ModelBase>(this: ModelClass<M>, key: KeyOf<M>): Promise<M> {
    const found = await findByKey(this, key, findConstrained);
    if (found) return found;
    throw notFound(contextOf(this), key);
  }

  /** The models with these keys, in the order given; missing keys are skipped. */
  static async findMany<M extends ModelBase>(
    this: ModelClass<M>,
    keys: readonly KeyOf<M>[],
  ): Promise<M[]> {
    assertList(keys, ownerOfClass(this), 'findMany()');
    const context = contextOf(this);
    if (!context.lifecycle.scoped) return findByKeys(context, keys);
    for (const key of keys) assertValidKey(key, ownerOfClass(this), context.primaryKey);
    const found = await new QueryBuilder(this)
      .whereIn(context.primaryKey as never, keys as never)
      .get();
    const byKey = new Map(found.map((model) => [dictionaryKey(model.getKey()), model]));
    return keys.flatMap((key) => byKey.get(dictionaryKey(key)) ?? []);
  }

  /** Inserts a model built from `attributes` and returns it with its key. */
  static async create<M extends ModelBase>(
    this: ModelClass<M>,
    attributes: CreationAttributes<M>,
  ): Promise<M> {
    assertAttributeSet(attributes, ownerOfClass(this), 'create()');
    return newModel(this, attributes).save();
  }

  /** Inserts all models in one bulk write and one transaction: all are stored, or none. */
  static async createMany<M extends ModelBase>(
    this: ModelClass<M>,
    attributesList: readonly CreationAttributes<M>[],
  ): Promise<M[]> {
    const context = contextOf(this);
    const owner = ownerOfClass(this);
    assertList(attributesList, owner, 'createMany()');
    for (const attributes of attributesList) assertAttributeSet(attributes, owner, 'createMany()');
    const models = attributesList.map((attributes) => newModel(this, attributes));
    await insertModels(context, models);
    return models;
  }
}

/** The model with primary key `key` of a model whose reads are constrained, through its query. */
function findConstrained<M extends ModelBase>(
  context: ModelContext<M>,
  key: Key,
): Promise<M | null> {
  return new QueryBuilder(context.model, context.runtime)
    .where(context.primaryKey as never, key as never)
    .first();
}

/** The model and table a class names in error messages. */
export function ownerOfClass(model: ModelClass): { model: string; table: string } {
  return { model: model.name, table: String(model.table) };
}

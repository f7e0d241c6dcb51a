import type { CreationAttributes, KeyOf } from '../core/attribute-types.js';
import { assertAttributeSet, assertList } from '../core/storable.js';
import { findByKey, findByKeys } from '../query/find.js';
import { contextOf } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { newModel } from '../state/model-state.js';
import { insertModels } from '../state/model-writes.js';
import { notFound } from '../state/persistence.js';
import { QueryShortcuts } from './query-shortcuts.js';

/** The statics every model class has that find models by key or create them. */
export abstract class KeyStatics extends QueryShortcuts {
  /**
   * The model with this primary key, or null (also for one that is trashed or outside a global
   * scope). @throws ValidationError for an invalid key.
   */
  static find<M extends ModelInstance>(this: ModelClass<M>, key: KeyOf<M>): Promise<M | null> {
    return findByKey(this, key);
  }

  /** The model with this primary key. @throws ModelNotFoundError when there is none. */
  static async findOrFail<M extends ModelInstance>(this: ModelClass<M>, key: KeyOf<M>): Promise<M> {
    const found = await findByKey(this, key);
    if (found) return found;
    throw notFound(contextOf(this), key);
  }

  /** The models with these keys, in the order given; missing keys are skipped. */
  static async findMany<M extends ModelInstance>(
    this: ModelClass<M>,
    keys: readonly KeyOf<M>[],
  ): Promise<M[]> {
    assertList(keys, ownerOfClass(this), 'findMany()');
    return findByKeys(this, keys);
  }

  /** Inserts a model built from `attributes` and returns it with its key. */
  static async create<M extends ModelInstance>(
    this: ModelClass<M>,
    attributes: CreationAttributes<M>,
  ): Promise<M> {
    assertAttributeSet(attributes, ownerOfClass(this), 'create()');
    const model = newModel(this, attributes as object);
    await model.save();
    return model;
  }

  /** Inserts all models in one bulk write and one transaction: all are stored, or none. */
  static async createMany<M extends ModelInstance>(
    this: ModelClass<M>,
    attributesList: readonly CreationAttributes<M>[],
  ): Promise<M[]> {
    const context = contextOf(this);
    const owner = ownerOfClass(this);
    assertList(attributesList, owner, 'createMany()');
    for (const attributes of attributesList) assertAttributeSet(attributes, owner, 'createMany()');
    const models = attributesList.map((attributes) => newModel(this, attributes as object));
    await insertModels(context, models);
    return models;
  }
}

/** The model and table a class names in error messages. */
export function ownerOfClass(model: ModelClass): { model: string; table: string } {
  return { model: model.name, table: String(model.table) };
}

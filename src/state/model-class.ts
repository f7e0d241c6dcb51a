import type { LifecycleStatics } from './lifecycle.js';
import type { ModelInstance } from './model-instance.js';

/** How a model's primary key is produced: auto-increment, a random UUID on insert, or by the caller. */
export type KeyType = 'auto' | 'uuid' | 'manual';

/**
 * What `static keyType` accepts. A static initializer such as `static keyType = 'uuid'` is typed
 * `string`, so any string is accepted here (the literals still autocomplete) and the Database
 * rejects anything but a {@link KeyType} with a SchemaError.
 */
export type KeyTypeSetting = KeyType | (string & {});

/** The static side of a model class, as the Database and the relations see it. */
export interface ModelClass<M extends ModelInstance = ModelInstance> extends LifecycleStatics {
  new (attributes?: never): M;
  /** The class name (or `static modelName`), as messages use it. */
  readonly name: string;
  /** The prototype of its instances. */
  readonly prototype: object;
  /** The IndexedDB table (object store) name. Required. */
  readonly table: string;
  /** The primary key attribute. Default `'id'`. */
  readonly primaryKey: string;
  /** How the primary key is produced. Default `'auto'`. */
  readonly keyType: KeyTypeSetting;
  /** Extra Dexie index specs (`'name'`, `'&email'`, `'[a+b]'`, `'*tags'`). */
  readonly indexes: readonly string[];
  /** The name messages use for the model, kept by minifiers (default: the class name). */
  readonly modelName?: string;
  /** Attribute values a new model starts with, unless given others. */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

/**
 * The `typeof` every value of `model`'s `field` has when it is the primary key that the model's
 * key type generates: numbers for `'auto'`, strings for `'uuid'`; undefined for any other field,
 * or for `'manual'` keys, which may be of any key type.
 */
export function generatedKeyType(
  model: Pick<ModelClass, 'primaryKey' | 'keyType'>,
  field: string,
): 'number' | 'string' | undefined {
  if (field !== model.primaryKey) return undefined;
  return model.keyType === 'auto' ? 'number' : model.keyType === 'uuid' ? 'string' : undefined;
}

/** `models` by their class, each list in the models' order (a MorphTo holds several classes). */
export function byClass<M extends ModelInstance>(models: Iterable<M>): Map<ModelClass, M[]> {
  const groups = new Map<ModelClass, M[]>();
  for (const model of models) {
    const of = model.constructor as ModelClass;
    const group = groups.get(of);
    if (group) group.push(model);
    else groups.set(of, [model]);
  }
  return groups;
}

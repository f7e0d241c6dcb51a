import type { Key } from '../core/values.js';

/**
 * What the layers below the model classes (state, queries, relations, the Database) know of a
 * model instance; every model (`ModelBase`) is one.
 */
export interface ModelInstance {
  /** True once the model is stored. */
  readonly exists: boolean;
  /** The primary key value, or undefined before the first save of an auto/uuid model. */
  getKey(): Key | undefined;
  /** Assigns attributes (checked by the model). */
  fill(attributes: never): unknown;
  /** Inserts the model, or writes its changed attributes. */
  save(): Promise<unknown>;
}

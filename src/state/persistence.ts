import { ModelNotFoundError, UnsavedModelError } from '../core/errors.js';
import { describe, type Key } from '../core/values.js';
import { type ModelContext, ownerOf } from './context.js';
import type { ModelInstance } from './model-instance.js';
import { readAttribute } from './model-state.js';

/** The error for a key that names no record. */
export function notFound(context: ModelContext, key: Key): ModelNotFoundError {
  return new ModelNotFoundError(
    `${context.modelName} (table "${context.tableName}"): no record with ` +
      `${context.primaryKey} = ${describe(key)}`,
    { ...ownerOf(context), field: context.primaryKey, key },
  );
}

/** The model's key. @throws UnsavedModelError when it has none. */
export function requireKey(context: ModelContext, model: ModelInstance, action: string): Key {
  const key = readAttribute(model, context.primaryKey);
  if (key != null) return key as Key;
  throw new UnsavedModelError(
    `${context.modelName} (table "${context.tableName}"): cannot ${action} a model that has no ` +
      `"${context.primaryKey}" yet; save it first`,
    { ...ownerOf(context), field: context.primaryKey },
  );
}

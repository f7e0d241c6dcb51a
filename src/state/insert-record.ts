import { ValidationError } from '../core/errors.js';
import { snapshot } from '../core/records.js';
import { assertStorable } from '../core/storable.js';
import { randomUuid } from '../core/uuid.js';
import { assertValidKey, defineValue, type Key, type Row } from '../core/values.js';
import { type ModelContext, ownerOf } from './context.js';
import type { ModelInstance } from './model-instance.js';
import { recordOf, setOriginal, setRuntime } from './model-state.js';

/** Validates and completes the record to insert: key checks, a UUID where one is due. */
export function insertRecord(context: ModelContext, model: ModelInstance): Row {
  const record = recordOf(model);
  assertStorable(record, ownerOf(context));
  const { primaryKey, keyType } = context;
  const key = record[primaryKey];
  if (key == null) {
    if (keyType === 'uuid') record[primaryKey] = randomUuid();
    else if (keyType === 'manual') {
      throw new ValidationError(
        `${context.modelName} (table "${context.tableName}"): keyType is 'manual' but ` +
          `"${primaryKey}" is not set`,
        { ...ownerOf(context), field: primaryKey },
      );
    } else delete record[primaryKey];
  } else {
    assertValidKey(key, ownerOf(context), primaryKey);
  }
  return record;
}

/** Gives the inserted model its key, and records what is stored as its original. */
export function inserted(context: ModelContext, model: ModelInstance, record: Row, key: Key): void {
  record[context.primaryKey] = key;
  defineValue(model, context.primaryKey, key);
  setOriginal(model, snapshot(record));
  setRuntime(model, context.runtime);
}

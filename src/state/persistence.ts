import { ModelNotFoundError, UnsavedModelError, ValidationError } from '../core/errors.js';
import { snapshot, withChanges } from '../core/records.js';
import { assertStorable } from '../core/storable.js';
import { randomUuid } from '../core/uuid.js';
import {
  assertValidKey,
  defineValue,
  describe,
  isValidKey,
  type Key,
  type Row,
} from '../core/values.js';
import type { ModelBase } from '../model/model.js';
import { contextFor, contextOf, type ModelContext, ownerOf } from './context.js';
import type { ModelClass } from './model-class.js';
import {
  dirtyOf,
  hydrate,
  loadedNames,
  originalOf,
  readAttribute,
  recordOf,
  refreshAttributes,
  setOriginal,
  setRuntime,
} from './model-state.js';
import { describeConflict } from './unique-conflict.js';

/** The model with primary key `key`, or null. @throws ValidationError for an invalid key. */
export async function findByKey<M extends ModelBase>(
  model: ModelClass<M>,
  key: Key,
): Promise<M | null> {
  // One async function around one read: each promise hop shows on a read that costs 20 µs.
  const context = contextOf(model);
  // The error's details are built only for an invalid key.
  if (!isValidKey(key)) assertValidKey(key, ownerOf(context), context.primaryKey);
  let row: Row | undefined;
  try {
    row = await context.table.get(key);
  } catch (error) {
    throw await context.runtime.readFailed(error, context);
  }
  return row ? hydrate(context, row) : null;
}

/** The models with these keys, in the order given; missing keys are skipped. */
export async function findByKeys<M extends ModelBase>(
  context: ModelContext<M>,
  keys: readonly Key[],
): Promise<M[]> {
  for (const key of keys) assertValidKey(key, ownerOf(context), context.primaryKey);
  if (keys.length === 0) return [];
  let rows: (Row | undefined)[];
  try {
    rows = await context.table.bulkGet(keys as Key[]);
  } catch (error) {
    throw await context.runtime.readFailed(error, context);
  }
  const models: M[] = [];
  for (const row of rows) if (row) models.push(hydrate(context, row));
  return models;
}

/** The error for a key that names no record. */
export function notFound(context: ModelContext, key: Key): ModelNotFoundError {
  return new ModelNotFoundError(
    `${context.modelName} (table "${context.tableName}"): no record with ` +
      `${context.primaryKey} = ${describe(key)}`,
    { ...ownerOf(context), field: context.primaryKey, key },
  );
}

/** Inserts `models` in one bulk write and one transaction, and reads their keys back. */
export async function insertModels<M extends ModelBase>(
  context: ModelContext<M>,
  models: readonly M[],
): Promise<void> {
  const records = models.map((model) => insertRecord(context, model));
  if (records.length === 0) return;
  const keys = await context.runtime.write(
    [context.tableName],
    () => context.table.bulkAdd(records, { allKeys: true }) as Promise<Key[]>,
    context,
  );
  models.forEach((model, i) => {
    inserted(context, model, records[i]!, keys[i]!);
  });
}

/**
 * Inserts the model, or writes its changed attributes (merged into the stored row, so that
 * fields another tab changed meanwhile are kept).
 */
export async function saveModel(model: ModelBase): Promise<void> {
  const context = contextFor(model);
  const original = originalOf(model);
  if (original === undefined) {
    const record = insertRecord(context, model);
    const key = await context.runtime
      .write([context.tableName], () => context.table.add(record), context)
      .catch((error: unknown) => describeConflict(error, context, record));
    inserted(context, model, record, key);
    return;
  }
  const dirty = dirtyOf(model);
  if (Object.keys(dirty).length === 0) return;
  assertStorable(dirty, ownerOf(context));
  const key = requireKey(context, model, 'save');
  if (Object.hasOwn(dirty, context.primaryKey)) {
    throw new ValidationError(
      `${context.modelName} (table "${context.tableName}"): the primary key "${context.primaryKey}" ` +
        `of a stored model cannot change (it was ${describe(original[context.primaryKey])})`,
      { ...ownerOf(context), field: context.primaryKey, key },
    );
  }
  const record = recordOf(model);
  await context.runtime
    .write(
      [context.tableName],
      async () => {
        const stored = await context.table.get(key);
        await context.table.put(stored ? withChanges(stored, dirty) : record);
      },
      context,
    )
    .catch((error: unknown) => describeConflict(error, context, record));
  setOriginal(model, snapshot(record));
  setRuntime(model, context.runtime);
}

/** Deletes the model's stored record. @throws UnsavedModelError when it has no key. */
export async function deleteModel(model: ModelBase): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, 'delete');
  await context.runtime.write([context.tableName], () => context.table.delete(key), context);
  setOriginal(model, undefined);
}

/**
 * Re-reads the model's attributes, and reloads its loaded relations.
 * @throws ModelNotFoundError when the record is gone; UnsavedModelError without a key.
 */
export async function refreshModel(model: ModelBase): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, 'refresh');
  const row = await readRow(context, key);
  if (!row) throw notFound(context, key);
  refreshAttributes(model, row);
  const relations = loadedNames(model, 'relation');
  if (relations.length === 0) return;
  const loads = relations.map((path) => ({ path, constraint: undefined }));
  await context.runtime.eagerLoad([model], loads);
}

function readRow(context: ModelContext, key: Key): Promise<Row | undefined> {
  return context.table.get(key).catch(async (error: unknown) => {
    throw await context.runtime.readFailed(error, context);
  });
}

/** The model's key. @throws UnsavedModelError when it has none. */
export function requireKey(context: ModelContext, model: ModelBase, action: string): Key {
  const key = readAttribute(model, context.primaryKey);
  if (key != null) return key as Key;
  throw new UnsavedModelError(
    `${context.modelName} (table "${context.tableName}"): cannot ${action} a model that has no ` +
      `"${context.primaryKey}" yet; save it first`,
    { ...ownerOf(context), field: context.primaryKey },
  );
}

/** Validates and completes the record to insert: key checks, a UUID where one is due. */
function insertRecord(context: ModelContext, model: ModelBase): Row {
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

function inserted(context: ModelContext, model: ModelBase, record: Row, key: Key): void {
  record[context.primaryKey] = key;
  defineValue(model, context.primaryKey, key);
  setOriginal(model, snapshot(record));
  setRuntime(model, context.runtime);
}

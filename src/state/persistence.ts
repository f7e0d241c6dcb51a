import { ModelNotFoundError, UnsavedModelError } from '../core/errors.js';
import { assertValidKey, describe, isValidKey, type Key, type Row } from '../core/values.js';
import type { ModelBase } from '../model/model.js';
import { contextFor, contextOf, type ModelContext, ownerOf } from './context.js';
import type { ModelClass } from './model-class.js';
import { hydrate, loadedNames, readAttribute, refreshAttributes } from './model-state.js';

/**
 * The model with primary key `key`, or null; a model whose reads are constrained (soft deletes,
 * global scopes) is read by `constrained`, through its query. @throws ValidationError for an
 * invalid key.
 */
export async function findByKey<M extends ModelBase>(
  model: ModelClass<M>,
  key: Key,
  constrained: (context: ModelContext<M>, key: Key) => Promise<M | null>,
): Promise<M | null> {
  // One async function around one read: each promise hop shows on a read that costs 20 µs.
  const context = contextOf(model);
  // The error's details are built only for an invalid key.
  if (!isValidKey(key)) assertValidKey(key, ownerOf(context), context.primaryKey);
  if (context.lifecycle.scoped) return constrained(context, key);
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

import { dictionaryKey } from '../core/key-dictionary.js';
import { assertValidKey, isValidKey, type Key, type Row } from '../core/values.js';
import { contextOf, failedReadOf, type ModelContext, ownerOf } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { contextFor } from '../state/model-runtime.js';
import { hydrate, loadedNames, refreshAttributes } from '../state/model-state.js';
import { notFound, requireKey } from '../state/persistence.js';
import { readOnce } from './direct-reads.js';
import { QueryBuilder } from './query-builder.js';

/**
 * The model of `model` with primary key `key`, or null: one get, or, for a model whose reads
 * are constrained (soft deletes, global scopes), its query. @throws ValidationError for an
 * invalid key.
 */
export async function findByKey<M extends ModelInstance>(
  model: ModelClass<M>,
  key: Key,
): Promise<M | null> {
  const context = contextOf(model);
  // The error's details are built only for an invalid key.
  if (!isValidKey(key)) assertValidKey(key, ownerOf(context), context.primaryKey);
  if (context.lifecycle.scoped) {
    return new QueryBuilder(model, context.runtime)
      .where(context.primaryKey as never, key as never)
      .first();
  }
  return readByKey(context, key);
}

/**
 * The models of `model` with these keys, in the order given; missing keys are skipped. One
 * bulk get, or, for a constrained model, one query.
 */
export async function findByKeys<M extends ModelInstance>(
  model: ModelClass<M>,
  keys: readonly Key[],
): Promise<M[]> {
  const context = contextOf(model);
  for (const key of keys) assertValidKey(key, ownerOf(context), context.primaryKey);
  if (keys.length === 0) return [];
  if (context.lifecycle.scoped) {
    const found = await new QueryBuilder(model, context.runtime)
      .whereIn(context.primaryKey as never, keys as never)
      .get();
    const byKey = new Map(found.map((found) => [dictionaryKey(found.getKey()), found]));
    return keys.flatMap((key) => byKey.get(dictionaryKey(key)) ?? []);
  }
  const rows = await context.table.bulkGet(keys as Key[]).catch(failedReadOf(context));
  const models: M[] = [];
  for (const row of rows) if (row) models.push(hydrate(context, row));
  return models;
}

/** The model of `context` stored under `key`, or null; read errors translated. */
export function readByKey<M extends ModelInstance>(
  context: ModelContext<M>,
  key: Key,
): Promise<M | null> {
  const read = { kind: 'field', field: context.primaryKey, key, first: true } as const;
  return readOnce(context, read) as Promise<M | null>;
}

/** The record of `context` stored under `key`; read errors translated. */
function readRow(context: ModelContext, key: Key): Promise<Row | undefined> {
  return context.table.get(key).catch(failedReadOf(context));
}

/**
 * Re-reads the model's attributes, and reloads its loaded relations.
 * @throws ModelNotFoundError when the record is gone; UnsavedModelError without a key.
 */
export async function refreshModel(model: ModelInstance): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, 'refresh');
  const row = await readRow(context, key);
  if (!row) throw notFound(context, key);
  refreshAttributes(model, row);
  const relations = loadedNames(model, 'relation');
  if (relations.length === 0) return;
  const loads = relations.map((path) => ({ path, constraint: undefined }));
  await context.queries.loadOnto({ with: loads }, [model]);
}

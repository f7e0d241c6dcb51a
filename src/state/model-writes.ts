import { Dexie } from 'dexie';
import { ValidationError } from '../core/errors.js';
import { snapshot, withChanges } from '../core/records.js';
import { assertStorable } from '../core/storable.js';
import { describe, type Key, type Row } from '../core/values.js';
import { type ModelContext, ownerOf } from './context.js';
import { inserted, insertRecord } from './insert-record.js';
import { PLAIN_LIFECYCLE } from './lifecycle.js';
import type { ModelInstance } from './model-instance.js';
import { contextFor } from './model-runtime.js';
import {
  dirtyOf,
  originalOf,
  recordOf,
  setOriginal,
  setRuntime,
  writeAttribute,
} from './model-state.js';
import { requireKey } from './persistence.js';
import { undoneOnFailure } from './undo-on-failure.js';
import { describeConflict } from './unique-conflict.js';
import {
  eachInTurn,
  lifecycleWrite,
  runHooks,
  stampInsert,
  stampUpdate,
  updateStamp,
  validateModel,
} from './write-lifecycle.js';

/**
 * Inserts `models` in one bulk write and one transaction, and reads their keys back; with a
 * lifecycle, their `saving`/`creating` hooks, timestamps and validation first and their
 * `created`/`saved` hooks and touches after, all in that transaction.
 */
export async function insertModels<M extends ModelInstance>(
  context: ModelContext<M>,
  models: readonly M[],
): Promise<void> {
  if (models.length === 0) return;
  if (context.lifecycle === PLAIN_LIFECYCLE) {
    const records = models.map((model) => insertRecord(context, model));
    const keys = await context.runtime.write(
      [context.tableName],
      () => context.table.bulkAdd(records, { allKeys: true }) as Promise<Key[]>,
      context,
    );
    models.forEach((model, i) => {
      inserted(context, model, records[i]!, keys[i]!);
    });
    return;
  }
  const { lifecycle } = context;
  await undoneOnFailure(models, async () => {
    const now = new Date();
    // Without hooks, timestamps and validation touch no table: done before the transaction.
    // An await here with nothing pending would lose the transaction of a caller's hook.
    const prepared = lifecycle.hasHooks ? undefined : prepareInserts(context, models, now);
    if (prepared) await prepared;
    await lifecycleWrite(context, async () => {
      if (lifecycle.hasHooks) await prepareInserts(context, models, now);
      const records = models.map((model) => insertRecord(context, model));
      const keys = (await context.table
        .bulkAdd(records, { allKeys: true })
        .catch((error: unknown) =>
          records.length === 1
            ? describeConflict(error, context, records[0]!)
            : Promise.reject(error),
        )) as Key[];
      models.forEach((model, i) => {
        inserted(context, model, records[i]!, keys[i]!);
      });
      await afterSave(context, models, 'created', now);
    });
  });
}

/** The `saving` and `creating` hooks of each model, its timestamps, then its validation. */
function prepareInserts(
  context: ModelContext,
  models: readonly ModelInstance[],
  now: Date,
): PromiseLike<void> | undefined {
  if (!context.lifecycle.hasHooks) {
    const pending: Promise<void>[] = [];
    for (const model of models) {
      stampInsert(context, model, now);
      const validated = validateModel(context, model);
      if (validated) pending.push(validated);
    }
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
  }
  return eachInTurn(models, (model) =>
    Dexie.Promise.resolve(runHooks(context, 'saving', [model]))
      .then(() => runHooks(context, 'creating', [model]))
      .then(() => {
        stampInsert(context, model, now);
        return validateModel(context, model);
      }),
  );
}

/**
 * Inserts the model, or writes its changed attributes (merged into the stored row, so that
 * fields another tab changed meanwhile are kept).
 */
export async function saveModel(model: ModelInstance): Promise<void> {
  const context = contextFor(model);
  if (originalOf(model) === undefined) {
    if (context.lifecycle !== PLAIN_LIFECYCLE) return insertModels(context, [model]);
    const record = insertRecord(context, model);
    const key = await context.runtime
      .write([context.tableName], () => context.table.add(record), context)
      .catch((error: unknown) => describeConflict(error, context, record));
    inserted(context, model, record, key);
    return;
  }
  if (context.lifecycle === PLAIN_LIFECYCLE) {
    if (Object.keys(dirtyOf(model)).length === 0) return;
    const record = recordOf(model);
    await context.runtime
      .write([context.tableName], () => updateStored(context, model), context)
      .catch((error: unknown) => describeConflict(error, context, record));
    return;
  }
  await undoneOnFailure([model], () =>
    lifecycleWrite(context, async () => {
      const now = new Date();
      await runHooks(context, 'saving', [model]);
      if (Object.keys(dirtyOf(model)).length > 0) {
        await runHooks(context, 'updating', [model]);
        stampUpdate(context, model, now);
        await validateModel(context, model);
        const record = recordOf(model);
        await updateStored(context, model).catch((error: unknown) =>
          describeConflict(error, context, record),
        );
        await afterSave(context, [model], 'updated', now);
      } else {
        await runHooks(context, 'saved', [model]);
      }
    }),
  );
}

/**
 * Deletes the model: a soft-deleting model is stamped trashed (with what its cascades reach),
 * any other removed. @throws UnsavedModelError when it has no key.
 */
export async function deleteModel(model: ModelInstance, force = false): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, force ? 'force-delete' : 'delete');
  const { lifecycle, runtime } = context;
  const column = force ? undefined : lifecycle.softDelete;
  if (column === undefined && !lifecycle.hasHooks && lifecycle.touches.length === 0) {
    await runtime.write([context.tableName], () => context.table.delete(key), context);
    setOriginal(model, undefined);
    return;
  }
  await undoneOnFailure([model], () =>
    writeWithCascades(context, async () => {
      const now = new Date();
      await runHooks(context, 'deleting', [model]);
      if (column === undefined) {
        await context.table.delete(key);
        setOriginal(model, undefined);
      } else {
        const row = await context.table.get(key);
        if (row) {
          const trashed = await context.effects.trash([row], now);
          refreshFrom(model, trashed[0]!);
        }
      }
      await runHooks(context, 'deleted', [model]);
      await context.effects.touchOwners([model], now);
    }),
  );
}

/**
 * Restores a trashed model, and what the cascade of its soft delete trashed with it.
 * @throws UnsavedModelError without a key; SchemaError for a model without soft deletes.
 */
export async function restoreModel(model: ModelInstance): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, 'restore');
  await undoneOnFailure([model], () =>
    writeWithCascades(context, async () => {
      const now = new Date();
      await runHooks(context, 'restoring', [model]);
      const row = await context.table.get(key);
      if (row) {
        const restored = await context.effects.restore([row], now);
        refreshFrom(model, restored[0]!);
      }
      await runHooks(context, 'restored', [model]);
      await context.effects.touchOwners([model], now);
    }),
  );
}

/** Sets `updated_at` alone (and touches the owners named by `touches`), running no hook. */
export async function touchModel(model: ModelInstance): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, 'touch');
  const columns = context.lifecycle.timestamps;
  if (!columns) {
    throw new ValidationError(
      `${context.modelName} (table "${context.tableName}"): touch() needs static timestamps`,
      { ...ownerOf(context), key },
    );
  }
  await undoneOnFailure([model], () =>
    lifecycleWrite(context, async () => {
      const now = new Date();
      const stored = await context.table.get(key);
      if (!stored) return;
      const row = withChanges(stored, updateStamp(context, now));
      await context.table.put(row);
      writeAttribute(model, columns.updatedAt, now);
      setOriginal(model, snapshot({ ...originalOf(model), [columns.updatedAt]: now }));
      await context.effects.touchOwners([model], now);
    }),
  );
}

/** The `-ed` and `saved` hooks of `models` just written, then the owners they touch. */
async function afterSave(
  context: ModelContext,
  models: readonly ModelInstance[],
  done: 'created' | 'updated',
  now: Date,
): Promise<void> {
  if (context.lifecycle.hasHooks) {
    await eachInTurn(models, (model) =>
      Dexie.Promise.resolve(runHooks(context, done, [model])).then(() =>
        runHooks(context, 'saved', [model]),
      ),
    );
  }
  if (context.lifecycle.touches.length > 0) await context.effects.touchOwners(models, now);
}

/** A delete or restore: one transaction over every table, as its hooks and cascades may reach. */
function writeWithCascades<T>(context: ModelContext, fn: () => Promise<T>): Promise<T> {
  const { runtime } = context;
  return runtime.write(runtime.tableNames, fn, context, true);
}

/** Writes the model's changed attributes into its stored row; records what is stored. */
async function updateStored(context: ModelContext, model: ModelInstance): Promise<void> {
  const dirty = dirtyOf(model);
  assertStorable(dirty, ownerOf(context));
  const key = requireKey(context, model, 'save');
  const original = originalOf(model)!;
  if (Object.hasOwn(dirty, context.primaryKey)) {
    throw new ValidationError(
      `${context.modelName} (table "${context.tableName}"): the primary key "${context.primaryKey}" ` +
        `of a stored model cannot change (it was ${describe(original[context.primaryKey])})`,
      { ...ownerOf(context), field: context.primaryKey, key },
    );
  }
  const record = recordOf(model);
  const stored = await context.table.get(key);
  await context.table.put(stored ? withChanges(stored, dirty) : record);
  setOriginal(model, snapshot(record));
  setRuntime(model, context.runtime);
}

/** Makes the model's attributes and stored state those of `row`, just written. */
function refreshFrom(model: ModelInstance, row: Row): void {
  for (const name of Object.keys(row)) writeAttribute(model, name, row[name]);
  setOriginal(model, snapshot(row));
}

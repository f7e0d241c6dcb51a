import { Dexie } from 'dexie';
import { snapshot, withChanges } from '../core/records.js';
import { type Key, type Row, sameValue } from '../core/values.js';
import type { ModelContext } from './context.js';
import type { ModelInstance } from './model-instance.js';
import {
  dirtyOf,
  hydrate,
  originalOf,
  setOriginal,
  setRuntime,
  writeAttribute,
} from './model-state.js';
import {
  eachInTurn,
  runHooks,
  stampUpdate,
  updateStamp,
  validateModel,
} from './write-lifecycle.js';

// The writes of a query (`update()`, `delete()`, `forceDelete()`) and of `updateOrCreate`: many
// stored rows at once, read by the caller in the running transaction.

/**
 * Writes `changes` into `rows` (of `context`'s table, as the caller read them in the running
 * transaction): with hooks or a schema model by model, as `save()` writes; otherwise in one bulk
 * put of the rows that change, `updated_at` stamped on those.
 */
export async function updateRows(
  context: ModelContext,
  rows: readonly Row[],
  changes: Row,
): Promise<void> {
  const { lifecycle } = context;
  const now = new Date();
  if (!lifecycle.hasHooks && !lifecycle.schema) {
    const columns = lifecycle.timestamps;
    const stamp =
      columns && Object.hasOwn(changes, columns.updatedAt) ? {} : updateStamp(context, now);
    const changed = rows
      .map((row) => withChanges(row, changes))
      .filter((next, i) => !sameValue(next, rows[i]))
      .map((next) => withChanges(next, stamp));
    await context.table.bulkPut(changed);
    if (lifecycle.touches.length > 0) {
      const models = changed.map((row) => hydrate(context, row));
      await context.effects.touchOwners(models, now);
    }
    return;
  }
  const models = rows.map((row) => hydrate(context, row));
  await updateRowsEach(
    context,
    models.map((model) => ({ model, changes })),
  );
}

/**
 * Writes into each stored model its own `changes`, as `save()` would (hooks, timestamps,
 * validation), in one bulk put of those that change; in the running transaction.
 */
export async function updateRowsEach(
  context: ModelContext,
  updates: readonly { readonly model: ModelInstance; readonly changes: Row }[],
): Promise<void> {
  if (updates.length === 0) return;
  const { lifecycle } = context;
  const now = new Date();
  const written: ModelInstance[] = [];
  const prepare = (model: ModelInstance): PromiseLike<unknown> | undefined => {
    if (Object.keys(dirtyOf(model)).length === 0) return undefined;
    const updating = runHooks(context, 'updating', [model]);
    const rest = () => {
      stampUpdate(context, model, now);
      written.push(model);
      return validateModel(context, model);
    };
    return updating ? updating.then(rest) : rest();
  };
  for (const { model, changes } of updates) {
    for (const name of Object.keys(changes)) writeAttribute(model, name, changes[name]);
  }
  if (lifecycle.hasHooks) {
    await eachInTurn(updates, ({ model }) =>
      Dexie.Promise.resolve(runHooks(context, 'saving', [model])).then(() => prepare(model)),
    );
  } else {
    const pending = updates.map(({ model }) => prepare(model)).filter((step) => step !== undefined);
    if (pending.length > 0) await Promise.all(pending);
  }
  const records = written.map((model) => withChanges(originalOf(model)!, dirtyOf(model)));
  await context.table.bulkPut(records);
  written.forEach((model, i) => {
    setOriginal(model, snapshot(records[i]!));
    setRuntime(model, context.runtime);
  });
  if (lifecycle.hasHooks) {
    const updated = new Set(written);
    await eachInTurn(updates, ({ model }) =>
      Dexie.Promise.resolve(
        updated.has(model) ? runHooks(context, 'updated', [model]) : undefined,
      ).then(() => runHooks(context, 'saved', [model])),
    );
  }
  if (lifecycle.touches.length > 0) await context.effects.touchOwners(written, now);
}

/**
 * Deletes `rows` (of `context`'s table, read in the running transaction), with their hooks: a
 * soft-deleting model's are trashed unless `force`, any other's removed.
 */
export async function deleteRows(
  context: ModelContext,
  rows: readonly Row[],
  force: boolean,
): Promise<void> {
  const { lifecycle } = context;
  const now = new Date();
  const models =
    lifecycle.hasHooks || lifecycle.touches.length > 0
      ? rows.map((row) => hydrate(context, row))
      : [];
  await runHooks(context, 'deleting', models);
  if (lifecycle.softDelete !== undefined && !force) await context.effects.trash(rows, now);
  else await context.table.bulkDelete(rows.map((row) => row[context.primaryKey]) as Key[]);
  await runHooks(context, 'deleted', models);
  await context.effects.touchOwners(models, now);
}

import { ValidationError } from '../core/errors.js';
import { snapshot, withChanges } from '../core/records.js';
import { describe, type Row } from '../core/values.js';
import { type ModelContext, ownerOf } from './context.js';
import type { ModelInstance } from './model-instance.js';
import { contextFor } from './model-runtime.js';
import { originalOf, setOriginal, writeAttribute } from './model-state.js';
import { notFound, requireKey } from './persistence.js';
import { updateStamp } from './write-lifecycle.js';

/**
 * Adds `by` to `field` of the stored record of `model`, read and written in one transaction, so
 * that two tabs incrementing at once both count; `updated_at` is stamped with timestamps. The
 * model takes the stored value; its other attributes are left as they are. Runs no hook.
 * @throws ModelNotFoundError when the record is gone; ValidationError for a stored value that
 * is not a number, or a `by` that is not a finite number.
 */
export async function incrementModel(
  model: ModelInstance,
  field: string,
  by: number,
): Promise<void> {
  const context = contextFor(model);
  const key = requireKey(context, model, 'increment');
  assertAmount(context, field, by);
  const row = await context.runtime.write(
    [context.tableName],
    async () => {
      const stored = await context.table.get(key);
      if (!stored) throw notFound(context, key);
      const [next] = incremented(context, [stored], field, by, new Date());
      await context.table.put(next!);
      return next!;
    },
    context,
    true,
  );
  writeAttribute(model, field, row[field]);
  const columns = context.lifecycle.timestamps;
  if (columns) writeAttribute(model, columns.updatedAt, row[columns.updatedAt]);
  const original = originalOf(model) ?? {};
  const changed: Row = { [field]: row[field] };
  if (columns) changed[columns.updatedAt] = row[columns.updatedAt];
  setOriginal(model, snapshot(withChanges(original, changed)));
}

/** Adds `by` to `field` of each of `rows`, read in the running transaction, in one bulk put. */
export async function incrementRows(
  context: ModelContext,
  rows: readonly Row[],
  field: string,
  by: number,
): Promise<void> {
  assertAmount(context, field, by);
  await context.table.bulkPut(incremented(context, rows, field, by, new Date()));
}

function incremented(
  context: ModelContext,
  rows: readonly Row[],
  field: string,
  by: number,
  now: Date,
): Row[] {
  return rows.map((row) => {
    const current = row[field] ?? 0;
    if (typeof current !== 'number') {
      throw new ValidationError(
        `${context.modelName} (table "${context.tableName}"): cannot increment "${field}", ` +
          `which holds ${describe(current)}, not a number; nothing was written`,
        { ...ownerOf(context), field, key: row[context.primaryKey] },
      );
    }
    return withChanges(row, { [field]: current + by, ...updateStamp(context, now) });
  });
}

function assertAmount(context: ModelContext, field: string, by: number): void {
  if (typeof by === 'number' && Number.isFinite(by)) return;
  throw new ValidationError(
    `${context.modelName} (table "${context.tableName}"): increment("${field}") takes a finite ` +
      `number, not ${describe(by)}`,
    { ...ownerOf(context), field },
  );
}

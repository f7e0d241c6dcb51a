import { Dexie } from 'dexie';
import { UniqueConstraintError } from '../core/errors.js';
import type { Row } from '../core/values.js';
import { describe, isValidKey, sameValue } from '../core/values.js';
import { type ModelContext, ownerOf } from './context.js';

/** Which unique index a record collides with, and the key of the record already holding it. */
export interface UniqueConflict {
  readonly field: string;
  readonly value: unknown;
  readonly holder: unknown;
}

/**
 * Finds the stored record that `record` collides with on the primary key or a unique index.
 * IndexedDB's ConstraintError does not say which index failed; this runs only on that error path.
 */
export async function findConflict(
  context: ModelContext,
  record: Row,
): Promise<UniqueConflict | undefined> {
  const { table, primaryKey } = context;
  const ownKey = record[primaryKey];
  for (const index of context.indexes.values()) {
    if (!index.unique || index.primary) continue;
    const value =
      index.fields.length === 1 ? record[index.fields[0]!] : index.fields.map((f) => record[f]);
    if (!isValidKey(value)) continue;
    const holder = await table.where(index.name).equals(value).first();
    if (holder && !sameValue(holder[primaryKey], ownKey)) {
      return { field: index.fields.join('+'), value, holder: holder[primaryKey] };
    }
  }
  // Only an insert can collide on the primary key; an update finds its conflict above.
  if (isValidKey(ownKey) && (await table.get(ownKey))) {
    return { field: primaryKey, value: ownKey, holder: ownKey };
  }
  return undefined;
}

/** Rethrows a unique-index failure with the field and value that conflict named. */
export async function describeConflict(
  error: unknown,
  context: ModelContext,
  record: Row,
): Promise<never> {
  if (!(error instanceof UniqueConstraintError)) throw error;
  // Inside a caller's transaction that is still open, look there (it also sees that
  // transaction's own writes, and keeps it busy rather than letting it commit); otherwise outside.
  const lookup = () => findConflict(context, record);
  const conflict = await (Dexie.currentTransaction?.active
    ? lookup()
    : Dexie.ignoreTransaction(lookup)
  ).catch(() => undefined);
  if (!conflict) throw error;
  throw new UniqueConstraintError(
    `${context.modelName} (table "${context.tableName}"): ${conflict.field} = ` +
      `${describe(conflict.value)} is already used by the record with ${context.primaryKey} = ` +
      `${describe(conflict.holder)}`,
    {
      ...ownerOf(context),
      field: conflict.field,
      key: conflict.value,
      cause: error.cause ?? error,
    },
  );
}

import { Dexie } from 'dexie';
import { UniqueConstraintError } from '../core/errors.js';
import { describe, type Row, valueAt } from '../core/values.js';

/** The factory and key range a Database opens with, to open the same database again. */
export interface IndexedDbDependencies {
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

/** True when `error` is Dexie's failure to open (or upgrade) caused by a broken unique index. */
export function isUniqueUpgradeFailure(error: unknown): boolean {
  // open() rejects with the open failure; a query that opened the database gets a
  // DatabaseClosedError around the aborted upgrade instead.
  const name = (error as { name?: string })?.name;
  return (
    (name === 'OpenFailedError' || name === 'DatabaseClosedError') && hasConstraintCause(error)
  );
}

/** True when `error`, or an error it wraps, is a ConstraintError. */
export function hasConstraintCause(error: unknown): boolean {
  let current = error as { name?: string; inner?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (current.name === 'ConstraintError') return true;
    current = current.inner as typeof current;
  }
  return false;
}

/**
 * Explains why an upgrade to `stores` was refused: reads the database as it is stored (at its
 * old version, which the refused upgrade left untouched) and finds a unique index of `stores`
 * that two stored records share a key of. Resolves to the error to report.
 */
export async function explainUniqueUpgradeFailure(
  name: string,
  stores: Readonly<Record<string, string>>,
  dependencies: IndexedDbDependencies,
  cause: unknown,
): Promise<UniqueConstraintError> {
  const stored = new Dexie(name, dependencies);
  try {
    await stored.open();
    for (const [table, spec] of Object.entries(stores)) {
      if (!stored.tables.some((existing) => existing.name === table)) continue;
      for (const index of uniqueIndexes(spec)) {
        const duplicate = await firstDuplicate(stored.table<Row>(table), index);
        if (duplicate === undefined) continue;
        return new UniqueConstraintError(
          `the database "${name}": the upgrade to the new schema was refused and the stored data ` +
            `kept as it was: table "${table}" gets a unique index "${index}", but several stored ` +
            `records have ${index} = ${describe(duplicate)}. Fix those records with the previous ` +
            'schema (or db.dexie), then open again.',
          { table, field: index, key: duplicate, cause },
        );
      }
    }
  } catch {
    // The database cannot be read to explain more: report what is known.
  } finally {
    stored.close();
  }
  return new UniqueConstraintError(
    `the database "${name}": the upgrade to the new schema was refused and the stored data kept ` +
      'as it was: stored records break a unique index the new schema adds',
    { cause },
  );
}

/** The key paths of the unique indexes in a Dexie store spec (`'++id, &user_id'`). */
function uniqueIndexes(spec: string): string[] {
  return spec
    .split(',')
    .slice(1)
    .map((part) => part.trim())
    .filter((part) => part.startsWith('&'))
    .map((part) => part.slice(1));
}

/** The first key of `index` that two records of `table` share, if any. */
async function firstDuplicate(table: Dexie.Table<Row>, index: string): Promise<unknown> {
  const seen = new Set<string>();
  let duplicate: unknown;
  await table.each((row) => {
    if (duplicate !== undefined) return;
    const value = index.startsWith('[')
      ? index
          .slice(1, -1)
          .split('+')
          .map((part) => valueAt(row, part))
      : valueAt(row, index);
    if (value == null || (Array.isArray(value) && value.some((part) => part == null))) return;
    const id = JSON.stringify(value);
    if (seen.has(id)) duplicate = value;
    seen.add(id);
  });
  return duplicate;
}

import { Dexie } from 'dexie';
import {
  DatabaseClosedError,
  DexormError,
  StorageError,
  UniqueConstraintError,
  ValidationError,
} from '../core/errors.js';
import { isUniqueUpgradeFailure } from './upgrade-check.js';

/** The model and table an operation was about, for messages. */
export interface ErrorSubject {
  readonly modelName?: string;
  readonly tableName?: string;
}

/**
 * Turns a Dexie or IndexedDB failure into the matching DexormError, keeping it as `cause`.
 * Anything else (a DexormError, or what the caller's own code threw) passes through unchanged.
 */
export function translateError(error: unknown, subject: ErrorSubject = {}): unknown {
  if (error instanceof DexormError || !isStorageFailure(error)) return error;
  if (isUniqueUpgradeFailure(error)) {
    return new UniqueConstraintError(
      'the database: the upgrade to the new schema was refused and the stored data kept as it ' +
        'was: stored records break a unique index it adds (await db.open() names the table, ' +
        'the index and the duplicate key)',
      { cause: error },
    );
  }
  const failure = error as Error & { inner?: unknown; failures?: unknown };
  const where = subject.tableName
    ? `${subject.modelName ?? 'a model'} (table "${subject.tableName}")`
    : 'the database';
  const details = { model: subject.modelName, table: subject.tableName, cause: error };
  switch (failure.name) {
    case 'ConstraintError':
      return new UniqueConstraintError(`${where}: the write breaks a unique index`, details);
    case 'BulkError': {
      const failures = Object.values((failure.failures as Record<string, unknown>) ?? {});
      const first = failures[0];
      const translated = first === undefined ? undefined : translateError(first, subject);
      if (translated instanceof DexormError) {
        return new (translated.constructor as typeof DexormError)(
          `${translated.message} (${failures.length} of the records failed; none was stored)`,
          { ...details, field: translated.field, key: translated.key },
        );
      }
      return new StorageError(`${where}: a bulk write failed; none was stored`, details);
    }
    case 'AbortError':
      if (failure.inner && failure.inner !== error) return translateError(failure.inner, subject);
      return new StorageError(
        `${where}: the transaction was aborted; nothing was written`,
        details,
      );
    case 'DatabaseClosedError':
      return new DatabaseClosedError(
        `${where}: the database is closed (${failure.message})`,
        details,
      );
    case 'DataCloneError':
      return new ValidationError(`${where}: a value cannot be stored by IndexedDB`, details);
    case 'QuotaExceededError':
      return new StorageError(
        `${where}: the storage quota is exceeded; nothing was written`,
        details,
      );
    default:
      return new StorageError(`${where}: ${failure.name}: ${failure.message}`, details);
  }
}

function isStorageFailure(error: unknown): boolean {
  return (
    error instanceof Dexie.DexieError ||
    (typeof DOMException !== 'undefined' && error instanceof DOMException)
  );
}

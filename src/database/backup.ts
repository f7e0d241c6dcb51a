import type { Dexie } from 'dexie';
import { Dexie as DexieClass } from 'dexie';
import { SchemaError, ValidationError } from '../core/errors.js';
import type { Row } from '../core/values.js';
import type { ModelContext } from '../state/context.js';
import { schemaRefusal } from '../state/write-lifecycle.js';

/** How far an export or an import is: records done, of all. */
export interface BackupProgress {
  /** Records exported or imported so far. */
  readonly done: number;
  /** Records in all (as the file or the database says). */
  readonly total: number;
}

/** Options of `db.export()`. */
export interface ExportOptions {
  /** Hears the progress, table chunk by table chunk. */
  readonly onProgress?: (progress: BackupProgress) => void;
}

/** Options of `db.import()`. */
export interface ImportOptions {
  /** Empties every table first (in the same transaction as the import). Default false. */
  readonly clear?: boolean;
  /** Hears the progress, chunk by chunk. */
  readonly onProgress?: (progress: BackupProgress) => void;
}

type ExportImport = typeof import('dexie-export-import');

/** dexie-export-import, loaded when a backup is first made; a clear error when it is missing. */
async function library(): Promise<ExportImport> {
  try {
    return await import('dexie-export-import');
  } catch (error) {
    const missing = /Cannot find|Failed to (fetch|resolve)|not found/i.test(String(error));
    if (!missing) throw error;
    throw new SchemaError(
      'export() and import() are built on dexie-export-import: install it (npm install ' +
        'dexie-export-import) next to dexie',
      { cause: error },
    );
  }
}

/** The database's records as a JSON Blob in dexie-export-import's format (models and pivots). */
export async function exportDatabase(
  dexie: Dexie,
  tables: readonly string[],
  options: ExportOptions = {},
): Promise<Blob> {
  const { exportDB } = await library();
  const skipTables = dexie.tables
    .map((table) => table.name)
    .filter((name) => !tables.includes(name));
  return exportDB(dexie, {
    skipTables,
    progressCallback: (progress) => {
      options.onProgress?.({ done: progress.completedRows, total: progress.totalRows ?? 0 });
      return true;
    },
  });
}

/**
 * Writes the records of `blob` (an export of this database, at its version or an older one) in
 * one transaction over every table, through the write path (foreign-key types, unique indexes),
 * each record of a model with a schema validated first: a file that breaks any of them writes
 * nothing. @throws ValidationError for another database's file, a newer version's, or a record
 * a schema refuses; UniqueConstraintError for a duplicate of a unique value.
 */
export async function importDatabase(
  dexie: Dexie,
  tables: readonly string[],
  contexts: ReadonlyMap<string, ModelContext>,
  blob: Blob,
  options: ImportOptions = {},
): Promise<void> {
  const { importDB, peakImportFile } = await library();
  let meta: Awaited<ReturnType<ExportImport['peakImportFile']>>;
  try {
    meta = await peakImportFile(blob);
  } catch (error) {
    throw new ValidationError(`Database "${dexie.name}": the file is no dexorm export`, {
      cause: error,
    });
  }
  const { databaseName, databaseVersion } = meta.data;
  if (databaseName !== dexie.name) {
    throw new ValidationError(
      `Database "${dexie.name}": the file is an export of "${databaseName}"; nothing was imported`,
    );
  }
  if (!dexie.isOpen()) await dexie.open();
  if (databaseVersion > dexie.verno) {
    throw new ValidationError(
      `Database "${dexie.name}": the file comes from version ${databaseVersion}, newer than this ` +
        `database's ${dexie.verno}; nothing was imported`,
    );
  }
  // The file is read into a scratch database first (dexie-export-import revives Dates, Blobs and
  // typed arrays there), so that the import itself is one transaction with no other await in it.
  const scratchName = `${dexie.name}\u0000import\u0000${Date.now()}\u0000${Math.random()}`;
  let scratch: Dexie | undefined;
  try {
    scratch = await importDB(blob, {
      name: scratchName,
      progressCallback: (progress) => {
        options.onProgress?.({ done: 0, total: progress.totalRows ?? 0 });
        return true;
      },
    });
    const kept = scratch.tables.filter((table) => tables.includes(table.name));
    const rows = await Promise.all(kept.map((table) => table.toArray()));
    const expected = new Map(meta.data.tables.map((table) => [table.name, table.rowCount]));
    kept.forEach((table, i) => {
      if (rows[i]!.length === (expected.get(table.name) ?? 0)) return;
      throw new ValidationError(
        `Database "${dexie.name}": the file is cut short (table "${table.name}" holds ` +
          `${rows[i]!.length} of its ${expected.get(table.name)} records); nothing was imported`,
      );
    });
    const total = rows.reduce((sum, list) => sum + list.length, 0);
    kept.forEach((table, i) => {
      for (const value of rows[i]!) validate(contexts.get(table.name), value as Row);
    });
    await dexie.transaction('rw', [...tables], async () => {
      if (options.clear) await Promise.all(tables.map((name) => dexie.table(name).clear()));
      let done = 0;
      for (const [i, table] of kept.entries()) {
        await dexie.table(table.name).bulkPut(rows[i]!);
        done += rows[i]!.length;
        options.onProgress?.({ done, total });
      }
    });
  } finally {
    scratch?.close();
    await DexieClass.delete(scratchName).catch(() => undefined);
  }
}

/** Validates `value` with its model's schema, where the model has one. */
function validate(context: ModelContext | undefined, value: Row): void {
  const schema = context?.lifecycle.schema;
  if (!schema) return;
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    throw new ValidationError(
      `${context.modelName} (table "${context.tableName}"): import() needs a synchronous schema`,
    );
  }
  if (result.issues) throw schemaRefusal(context, result.issues, 'an imported record');
}

import type { Dexie } from 'dexie';
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
  const { importInto, peakImportFile } = await library();
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
  // dexie-export-import reads and revives the file (Dates, Blobs, typed arrays) and hands each
  // record to `filter`, which keeps it here and writes nothing: the import itself is then one
  // transaction with no other await in it, after every check has passed.
  const kept = new Map<string, { values: Row[]; keys: unknown[] }>();
  const listed = meta.data.tables.map((table) => table.name);
  await importInto(dexie, blob, {
    skipTables: listed.filter((name) => !tables.includes(name)),
    acceptVersionDiff: true,
    acceptChangedPrimaryKey: true,
    acceptMissingTables: true,
    noTransaction: true,
    filter: (table, value, key) => {
      const rows = kept.get(table) ?? { values: [], keys: [] };
      kept.set(table, rows);
      rows.values.push(value as Row);
      rows.keys.push(key);
      return false;
    },
    progressCallback: (progress) => {
      options.onProgress?.({ done: 0, total: progress.totalRows ?? 0 });
      return true;
    },
  });
  for (const { name, rowCount } of meta.data.tables) {
    if (!tables.includes(name)) continue;
    const found = kept.get(name)?.values.length ?? 0;
    if (found === rowCount) continue;
    throw new ValidationError(
      `Database "${dexie.name}": the file is cut short (table "${name}" holds ${found} of its ` +
        `${rowCount} records); nothing was imported`,
    );
  }
  const total = [...kept.values()].reduce((sum, rows) => sum + rows.values.length, 0);
  for (const [table, rows] of kept) {
    for (const value of rows.values) validate(contexts.get(table), value);
  }
  await dexie.transaction('rw', [...tables], async () => {
    if (options.clear) await Promise.all(tables.map((name) => dexie.table(name).clear()));
    let done = 0;
    for (const [table, rows] of kept) {
      const outbound = dexie.table(table).schema.primKey.keyPath === undefined;
      // A chunk at a time, each awaited, all in this one transaction: progress as it goes, and
      // never more than a chunk of requests queued at once.
      for (let start = 0; start < rows.values.length; start += IMPORT_CHUNK) {
        const end = start + IMPORT_CHUNK;
        const keys = outbound ? (rows.keys.slice(start, end) as never) : undefined;
        await dexie.table(table).bulkPut(rows.values.slice(start, end), keys);
        done += Math.min(end, rows.values.length) - start;
        options.onProgress?.({ done, total });
      }
    }
  });
}

/** Records written per request of an import. */
const IMPORT_CHUNK = 2_000;

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

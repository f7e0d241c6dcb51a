import { Dexie } from 'dexie';
import { type MigrationError, SchemaError, type UniqueConstraintError } from '../core/errors.js';
import type { ModelClass } from '../state/model-class.js';
import {
  type ExportOptions,
  exportDatabase,
  type ImportOptions,
  importDatabase,
} from './backup.js';
import { extensionsFor } from './extensions.js';
import { type Migration, type MigrationProgress, Migrations } from './migrations.js';
import { OptionalStoresDexie } from './optional-stores.js';
import { RelationRegistry } from './registry.js';
import { Runtime } from './runtime.js';
import { assertModels, deriveSchema } from './schema.js';
import { translateError } from './translate-error.js';
import {
  explainUniqueUpgradeFailure,
  hasConstraintCause,
  type IndexedDbDependencies,
  isUniqueUpgradeFailure,
} from './upgrade-check.js';
import { giveWayToBarriers } from './version-barrier.js';

/** True for the error an open (or a read or write waiting on it) fails with. */
function isFailedOpen(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'OpenFailedError' || name === 'DatabaseClosedError' || name === 'UpgradeError';
}

/** Options of {@link Database.open}. */
export interface OpenOptions {
  /** Hears the progress that migrations report, while they run. */
  readonly onProgress?: (progress: MigrationProgress) => void;
}

/** Options of {@link Database}. */
export interface DatabaseOptions {
  /** The model classes stored in this database; relations may only point at these. */
  readonly models: readonly ModelClass[];
  /**
   * The schema version. Default 1: a schema that gained tables or indexes is still upgraded in
   * place (Dexie notes it in the console); raise it when models change to number versions.
   */
  readonly version?: number;
  /**
   * Data migrations by the version they migrate to (`{ 2: (tx) => ..., 3: ... }`): each runs once
   * per device, in version order, inside the upgrade transaction with the new schema.
   */
  readonly migrations?: Readonly<Record<number, Migration>>;
  /** The IndexedDB factory to use (default the global `indexedDB`), e.g. one per test replica. */
  readonly indexedDB?: IDBFactory;
  /** The `IDBKeyRange` that goes with `indexedDB` (default the global one). */
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

/**
 * An IndexedDB database holding a set of models. Derives the Dexie schema from the models
 * (foreign-key indexes included), binds the models to itself, and opens lazily on first use.
 * @example
 * const db = new Database('my-app', { models: [User, Profile] });
 * await db.open();
 */
export class Database {
  /** The IndexedDB database name. */
  readonly name: string;
  /** The underlying Dexie instance: an escape hatch for what dexorm does not cover. */
  readonly dexie: Dexie;
  /** The derived Dexie stores map, e.g. `{ users: '++id, &email', profiles: '++id, &user_id' }`. */
  readonly schema: Readonly<Record<string, string>>;
  /** The registered model classes. */
  readonly models: readonly ModelClass[];
  readonly #runtime: Runtime;
  readonly #dependencies: IndexedDbDependencies;
  readonly #migrations: Migrations;
  #openFailure: Promise<UniqueConstraintError> | undefined;

  /** @throws SchemaError when the models do not form a valid schema. */
  constructor(name: string, options: DatabaseOptions) {
    if (typeof name !== 'string' || name === '') {
      throw new SchemaError('a Database needs a non-empty name');
    }
    const version = options?.version ?? 1;
    if (!Number.isFinite(version) || version <= 0) {
      throw new SchemaError(
        `Database "${name}": version must be a positive number, not ${version}`,
      );
    }
    this.#migrations = new Migrations(name);
    const models = assertModels(options?.models ?? []);
    const registry = new RelationRegistry(models);
    const { tables, stores } = deriveSchema(models, registry);
    this.name = name;
    this.models = models;
    this.schema = Object.freeze({ ...stores });
    this.#dependencies = {
      ...(options?.indexedDB ? { indexedDB: options.indexedDB } : {}),
      ...(options?.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    };
    const dexie = new OptionalStoresDexie(name, this.#dependencies);
    this.dexie = dexie;
    giveWayToBarriers(dexie);
    if (options?.indexedDB && !Dexie.dependencies.indexedDB) {
      // Dexie runs a live query only where it has an indexedDB of its own (a global one): in a
      // runtime without (Node), the observers of a Database given its factory never emitted.
      Dexie.dependencies.indexedDB = options.indexedDB;
      if (options.IDBKeyRange && !Dexie.dependencies.IDBKeyRange) {
        Dexie.dependencies.IDBKeyRange = options.IDBKeyRange;
      }
    }
    const requirements = [...registry.all()].flatMap(
      (entry) => registry.requirementsOf(entry).tables,
    );
    const extensions = extensionsFor({
      dexie: this.dexie,
      models,
      requirements,
      dependencies: this.#dependencies,
    });
    this.#migrations.declare(dexie, version, stores, options?.migrations ?? {});
    // An extension's tables exist only once it creates them (replication's first replicate()).
    const optional = Object.assign({}, ...extensions.map((extension) => extension.stores));
    dexie.declareWhenStored(optional, (specs) => this.#migrations.addStores(specs));
    this.#runtime = new Runtime(
      this.dexie,
      tables,
      Object.keys(stores),
      registry,
      extensions,
      (error) => this.#explainOpenFailure(error),
    );
  }

  /**
   * Opens (and creates or upgrades) the database. Queries also open it on first use.
   * @throws UniqueConstraintError naming the table, index and duplicate key when stored records
   * break a unique index that the upgrade adds (a new HasOne): the upgrade is refused, and the
   * database stays as it was, at its old version.
   */
  async open(options: OpenOptions = {}): Promise<this> {
    this.#openFailure = undefined;
    this.#migrations.listen(options.onProgress);
    try {
      await this.dexie.open();
    } catch (error) {
      const failed = this.#migrations.failure;
      if (failed) throw failed;
      // Failing while opening, a broken unique constraint can only come from the upgrade.
      if (isUniqueUpgradeFailure(error) || hasConstraintCause(error)) {
        throw await this.#explainUnique(error);
      }
      throw translateError(error);
    }
    return this;
  }

  /**
   * The explanation of a refused upgrade, worked out once (queries may all ask at once): the
   * failed migration's MigrationError, or the unique index the stored records break.
   */
  #explainOpenFailure(error: unknown): Promise<UniqueConstraintError | MigrationError> | undefined {
    const failed = this.#migrations.failure;
    if (failed && isFailedOpen(error)) return Promise.resolve(failed);
    return isUniqueUpgradeFailure(error) ? this.#explainUnique(error) : undefined;
  }

  /** The unique index whose stored records refused the upgrade, worked out once. */
  #explainUnique(error: unknown): Promise<UniqueConstraintError> {
    this.#openFailure ??= explainUniqueUpgradeFailure(
      this.name,
      this.schema,
      this.#dependencies,
      error,
    );
    return this.#openFailure;
  }

  /** True while the database is open. */
  isOpen(): boolean {
    return this.dexie.isOpen();
  }

  /** Closes the connection; live observers error with DatabaseClosedError. `open()` reopens. */
  close(): void {
    this.dexie.close();
  }

  /** Deletes the whole database; live observers error with DatabaseClosedError. */
  async delete(): Promise<void> {
    try {
      await this.dexie.delete();
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * The records of every model and pivot table as a JSON Blob (dexie-export-import's format,
   * Dates and Blobs kept), for a backup or a move to another device.
   * @throws SchemaError when dexie-export-import is not installed.
   */
  async export(options?: ExportOptions): Promise<Blob> {
    try {
      return await exportDatabase(this.dexie, this.#runtime.tableNames, options);
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * Imports an export of this database (of its version or an older one) in one transaction:
   * records are added, or replace those with the same key; with `clear`, every table is emptied
   * first. A file of another database or a newer version, or a record that breaks a schema, a
   * unique index or a foreign key's type, imports nothing.
   * @throws ValidationError, UniqueConstraintError; SchemaError without dexie-export-import.
   */
  async import(blob: Blob, options?: ImportOptions): Promise<void> {
    const tables = this.#runtime.tableNames;
    try {
      await importDatabase(this.dexie, tables, this.#runtime.contextsByTable(), blob, options);
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * Runs `fn` with every model read and write inside one readwrite transaction over all the
   * models' tables. If `fn` throws or rejects, nothing it wrote persists and the promise rejects
   * with that error; otherwise it resolves to `fn`'s value.
   */
  transaction<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.#runtime.write(this.#runtime.tableNames, async () => fn(), undefined, true);
  }
}

import type { Dexie, Table, Transaction, Version } from 'dexie';
import { MigrationError, SchemaError } from '../core/errors.js';
import type { Key, Row } from '../core/values.js';

/** What a migration gets: the upgrade transaction's tables, and a way to report progress. */
export interface MigrationTransaction {
  /** The version being migrated to. */
  readonly version: number;
  /**
   * Dexie's table `name` inside the upgrade transaction, already with the new schema: plain
   * records, read and written without models (`modify`, `bulkPut`, `toCollection().each`).
   */
  table(name: string): Table<Row, Key>;
  /** Reports progress (`db.open({ onProgress })` hears it as `{ version, done, total }`). */
  progress(done: number, total: number): void;
}

/**
 * A data migration: turns the records of the previous version into those of its own, inside the
 * upgrade transaction; it may return a promise (its value is not used). Await only database
 * calls in it: another await lets the upgrade commit.
 */
export type Migration = (tx: MigrationTransaction) => unknown;

/** What `open({ onProgress })` reports while migrations run. */
export interface MigrationProgress {
  /** The version being migrated to. */
  readonly version: number;
  /** The units of work done, as the migration reported them. */
  readonly done: number;
  /** The units of work in all, as the migration reported them. */
  readonly total: number;
}

/** Declares the schema versions of a Database and runs its migrations on upgrade. */
export class Migrations {
  readonly #name: string;
  /** The failure of the last upgrade, if a migration threw: `open()` reports it. */
  #failure: MigrationError | undefined;
  #onProgress: ((progress: MigrationProgress) => void) | undefined;
  /** The first version declared: tables added to it are in every later one too. */
  #first: Version | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  /**
   * Declares `version` with `stores`, and before it each version of `migrations` with the same
   * stores and its upgrade function, in version order.
   * @throws SchemaError for a migration version that is not a whole number from 2 to `version`,
   * or a migration that is not a function.
   */
  declare(
    dexie: Dexie,
    version: number,
    stores: Readonly<Record<string, string>>,
    migrations: Readonly<Record<number, Migration>>,
  ): void {
    const steps = Object.entries(migrations).map(([key, migration]) => {
      const step = Number(key);
      if (!Number.isInteger(step) || step < 2 || step > version) {
        throw new SchemaError(
          `Database "${this.#name}": a migration is keyed by the version it migrates to, a whole ` +
            `number from 2 to the Database's version (${version}), not "${key}"`,
        );
      }
      if (typeof migration !== 'function') {
        throw new SchemaError(
          `Database "${this.#name}": the migration to version ${step} must be a function`,
        );
      }
      return [step, migration] as const;
    });
    steps.sort(([a], [b]) => a - b);
    for (const [step, migration] of steps) {
      dexie
        .version(step)
        .stores(stores)
        .upgrade((transaction) => this.#run(step, migration, transaction));
    }
    if (!steps.some(([step]) => step === version)) dexie.version(version).stores(stores);
    this.#first = dexie.version(steps[0]?.[0] ?? version);
  }

  /**
   * Adds `stores` to every declared version, so that no upgrade deletes them (Dexie deletes the
   * stored tables a version leaves out); a null spec takes a table out. Also while an upgrade
   * is about to run: what it creates and deletes follows the schema declared then.
   */
  addStores(stores: Readonly<Record<string, string | null>>): void {
    this.#first?.stores(stores);
  }

  /** Listens to the progress of the migrations of the next open. */
  listen(onProgress: ((progress: MigrationProgress) => void) | undefined): void {
    this.#onProgress = onProgress;
    this.#failure = undefined;
  }

  /** The MigrationError of the last upgrade, if a migration failed in it. */
  get failure(): MigrationError | undefined {
    return this.#failure;
  }

  async #run(version: number, migration: Migration, transaction: Transaction): Promise<void> {
    const tx: MigrationTransaction = {
      version,
      table: (name) => transaction.table<Row, Key>(name),
      progress: (done, total) => this.#onProgress?.({ version, done, total }),
    };
    try {
      await migration(tx);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#failure = new MigrationError(
        `Database "${this.#name}": the migration to version ${version} failed (${reason}); the ` +
          'upgrade was rolled back, and the database keeps its previous version and data',
        version,
        { cause: error },
      );
      throw error;
    }
  }
}

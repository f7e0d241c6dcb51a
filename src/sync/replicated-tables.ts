import { type DBCoreTransaction, Dexie } from 'dexie';
import { SchemaError } from '../core/errors.js';
import { createStores } from '../database/optional-stores.js';
import type { IndexedDbDependencies } from '../database/upgrade-check.js';
import { raiseVersion, reopen } from '../database/version-barrier.js';
import type { WriteAccess } from '../database/write-path.js';
import { REPLICA_ROW, type ReplicaRow, SYNC_STORES, SYNC_TABLES } from './sync-tables.js';

/**
 * Which tables of a Database replicate, as one connection knows them: the {@link ReplicaRow},
 * read at each open, and learned again on writes where another tab may have added to it.
 */
export class ReplicatedTables {
  readonly #dexie: Dexie;
  readonly #dependencies: IndexedDbDependencies;
  /** The tables known to be replicated (a replicated table stays so). */
  readonly #known = new Set<string>();
  /** The replica row's tables, read once per write transaction that needs them. */
  readonly #readIn = new WeakMap<DBCoreTransaction, PromiseLike<ReadonlySet<string>>>();

  constructor(dexie: Dexie, dependencies: IndexedDbDependencies) {
    this.#dexie = dexie;
    this.#dependencies = dependencies;
    dexie.on('ready', () => this.#readRow(), true);
    dexie.on('close', () => this.#known.clear());
  }

  /** True when `table` is known to replicate: its writes are recorded without a read. */
  has(table: string): boolean {
    return this.#known.has(table);
  }

  /** The replicated tables as stored, read in write transaction `trans` (once per transaction). */
  readIn(trans: DBCoreTransaction, access: WriteAccess): PromiseLike<ReadonlySet<string>> {
    let tables = this.#readIn.get(trans);
    if (!tables) {
      tables = access
        .table(SYNC_TABLES.meta)
        .get({ trans, key: REPLICA_ROW })
        .then((row: ReplicaRow | undefined) => {
          // Committed by another transaction, so known for good.
          for (const table of row?.tables ?? []) this.#known.add(table);
          return new Set(row?.tables ?? []);
        });
      this.#readIn.set(trans, tables);
    }
    return tables;
  }

  /**
   * Makes the database one that replicates: creates the sync tables the first time, in the
   * upgrade transaction of a version barrier, so that every connection (this tab's and other
   * tabs') has reopened and looks for replicated tables on its writes before any table is
   * marked. Until then, writes read nothing.
   */
  async replicating(): Promise<void> {
    const dexie = this.#dexie;
    await dexie.open();
    if (isDeclared(dexie)) return;
    // Another tab creating the tables at the same moment may win the race: this one then only
    // reopens, and its open finds them.
    if (!dexie.backendDB().objectStoreNames.contains(SYNC_TABLES.meta)) {
      await raiseVersion(dexie, this.#dependencies, (tx) => createStores(tx, SYNC_STORES));
    }
    if (!isDeclared(dexie)) await reopen(dexie);
    if (!isDeclared(dexie)) {
      throw new SchemaError(`the sync tables of the database "${dexie.name}" could not be opened`);
    }
  }

  /**
   * Marks `tables` replicated, in the running transaction (replication's own); resolves to those
   * that were not yet.
   */
  mark(tables: readonly string[]): PromiseLike<readonly string[]> {
    const meta = this.#dexie.table<ReplicaRow, string>(SYNC_TABLES.meta);
    return meta.get(REPLICA_ROW).then((row) => {
      const before = row?.tables ?? [];
      const added = tables.filter((table) => !before.includes(table));
      if (added.length === 0) return added;
      // Known here once committed; other connections read the row on their next write.
      Dexie.currentTransaction.on('complete', () => {
        for (const table of added) this.#known.add(table);
      });
      return meta.put({ id: REPLICA_ROW, tables: [...before, ...added] }).then(() => added);
    });
  }

  /** Learns, at each open, whether and what the database replicates. */
  #readRow(): PromiseLike<void> | undefined {
    const dexie = this.#dexie;
    this.#known.clear();
    // Not declared: the open found no sync tables, so no table replicates yet. Another tab's
    // first replicate() creates them behind a barrier, which reopens this connection.
    if (!isDeclared(dexie)) return undefined;
    return dexie
      .table<ReplicaRow, string>(SYNC_TABLES.meta)
      .get(REPLICA_ROW)
      .then((row) => {
        for (const table of row?.tables ?? []) this.#known.add(table);
      });
  }
}

/** True when `dexie` knows the sync tables: they are stored, and were found at its open. */
export function isDeclared(dexie: Dexie): boolean {
  return dexie.tables.some((table) => table.name === SYNC_TABLES.meta);
}

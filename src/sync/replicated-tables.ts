import { type DBCoreTransaction, Dexie } from 'dexie';
import type { IndexedDbDependencies } from '../database/upgrade-check.js';
import { raiseVersion } from '../database/version-barrier.js';
import type { WriteAccess } from '../database/write-path.js';
import { REPLICA_ROW, type ReplicaRow, SYNC_TABLES } from './sync-tables.js';

/**
 * Which tables of a Database replicate, as one connection knows them: the {@link ReplicaRow},
 * read at each open, and learned again on writes where another tab may have added to it.
 */
export class ReplicatedTables {
  readonly #dexie: Dexie;
  readonly #dependencies: IndexedDbDependencies;
  /**
   * Whether the replica row existed when this connection opened. Without it no table replicates,
   * and none can start to unless {@link replicating} creates the row behind a version barrier,
   * which reopens this connection first. Unknown (undefined) while the connection is closed or
   * opening, when a migration may write before the ready handlers run.
   */
  #rowExists: boolean | undefined;
  /** The tables known to be replicated (a replicated table stays so). */
  readonly #known = new Set<string>();
  /** The replica row's tables, read once per write transaction that needs them. */
  readonly #readIn = new WeakMap<DBCoreTransaction, PromiseLike<ReadonlySet<string>>>();

  constructor(dexie: Dexie, dependencies: IndexedDbDependencies) {
    this.#dexie = dexie;
    this.#dependencies = dependencies;
    dexie.on('ready', () => this.#readRow(), true);
    dexie.on('close', () => {
      this.#rowExists = undefined;
      this.#known.clear();
    });
  }

  /** True when `table` is known to replicate: its writes are recorded without a read. */
  has(table: string): boolean {
    return this.#known.has(table);
  }

  /** False when no table can have started to replicate since this connection opened. */
  get mayGrow(): boolean {
    return this.#rowExists !== false;
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
   * Makes the database one that replicates: creates the replica row the first time, in the
   * upgrade transaction of a version barrier, so that every connection (this tab's and other
   * tabs') has reopened and looks for replicated tables on its writes before any table is
   * marked. Until then, writes never read the row.
   */
  async replicating(): Promise<void> {
    await this.#dexie.open();
    // Each pass raises the version; another tab raising at the same moment may win the race.
    while (!this.#rowExists) {
      await raiseVersion(this.#dexie, this.#dependencies, (transaction) => {
        const meta = transaction.objectStore(SYNC_TABLES.meta);
        const found = meta.get(REPLICA_ROW);
        found.onsuccess = () => {
          if (found.result === undefined) meta.put({ id: REPLICA_ROW, tables: [] });
        };
      });
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
  #readRow(): PromiseLike<void> {
    return this.#dexie
      .table<ReplicaRow, string>(SYNC_TABLES.meta)
      .get(REPLICA_ROW)
      .then((row) => {
        this.#rowExists = row !== undefined;
        this.#known.clear();
        for (const table of row?.tables ?? []) this.#known.add(table);
      });
  }
}

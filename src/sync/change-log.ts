import { type DBCore, type DBCoreTransaction, Dexie, type Middleware } from 'dexie';
import { HybridClock } from '../core/hlc.js';
import { dictionaryKey } from '../core/key-dictionary.js';
import { randomUuid } from '../core/uuid.js';
import type { Key, Row } from '../core/values.js';
import { allOf, dexieSteps } from '../database/dexie-steps.js';
import type { DatabaseExtension, ExtensionSetup } from '../database/extensions.js';
import { nextVersion, type RecordVersion } from '../database/record-version.js';
import type { IndexedDbDependencies } from '../database/upgrade-check.js';
import { raiseVersion } from '../database/version-barrier.js';
import type { PendingWrite, WriteAccess, WriteRule } from '../database/write-path.js';

/** The tables where a replicated Database keeps what replication needs, beside the models'. */
export const SYNC_TABLES = {
  /** One row `'replica'` (the replicated tables), and one checkpoint per server. */
  meta: '_dexorm_sync',
  /** One {@link RecordVersion} per replicated record, deleted ones included. */
  versions: '_dexorm_versions',
  /** One {@link OutboxEntry} per record changed here and not yet acknowledged by the server. */
  outbox: '_dexorm_outbox',
  /** One {@link StoredConflict} per version set aside by a unique-index collision. */
  conflicts: '_dexorm_conflicts',
} as const;

/** Dexie's specs of {@link SYNC_TABLES}. */
export const SYNC_STORES: Readonly<Record<string, string>> = {
  [SYNC_TABLES.meta]: 'id',
  [SYNC_TABLES.versions]: '[table+key]',
  [SYNC_TABLES.outbox]: '[table+key], seq',
  [SYNC_TABLES.conflicts]: 'id',
};

/** A local change not yet acknowledged by the server; `seq` is the stamp of the latest one. */
export interface OutboxEntry {
  readonly table: string;
  readonly key: Key;
  readonly seq: string;
}

/** A record's version set aside when a merge broke a unique index (see `conflicts()`). */
export interface StoredConflict {
  readonly id: string;
  readonly table: string;
  readonly key: Key;
  readonly field: string;
  readonly version: Row;
}

/** The row of {@link SYNC_TABLES.meta} that lists the replicated tables. */
export interface ReplicaRow {
  readonly id: 'replica';
  readonly tables: readonly string[];
}

/** A table's primary key: one field, or the fields of a compound key (a pivot table's). */
export type KeyPath = string | readonly string[];

const REPLICA_ROW = 'replica';
const changeLogs = new WeakMap<Dexie, ChangeLog>();

/** The change log of the Database whose Dexie instance is `dexie`, if it has replicable models. */
export function changeLogOf(dexie: Dexie): ChangeLog | undefined {
  return changeLogs.get(dexie);
}

/**
 * Records every local write to a replicated table in the write's own transaction: the record's
 * {@link RecordVersion} (which fields changed, and when) and an {@link OutboxEntry}. Writes that
 * replication itself applies are not recorded, so they are not sent back.
 */
export class ChangeLog implements DatabaseExtension {
  readonly clock: HybridClock;
  /**
   * The primary key of each table that may replicate: those of models with 'uuid' or 'manual'
   * keys, and the pivot tables between two of them.
   */
  readonly #keyPaths: ReadonlyMap<string, KeyPath>;
  /** The two model tables each replicable pivot table pairs. */
  readonly #joins: ReadonlyMap<string, readonly [string, string]>;
  readonly #applying = new WeakSet<object>();
  readonly #dexie: Dexie;
  readonly #dependencies: IndexedDbDependencies;
  /**
   * Whether the replica row existed when this connection opened. Without it no table replicates,
   * and none can start to unless `replicating()` creates the row behind a version barrier, which
   * reopens this connection first: writes need not look for it. Unknown (undefined) while the
   * connection is closed or opening, when a migration may write before the ready handlers run.
   */
  #replicating: boolean | undefined;
  /** The tables this connection knows to be replicated (a replicated table stays so). */
  readonly #replicated = new Set<string>();
  /** The replica row's tables, read once per write transaction that needs them. */
  readonly #replicatedIn = new WeakMap<object, PromiseLike<ReadonlySet<string>>>();

  constructor(
    dexie: Dexie,
    dependencies: IndexedDbDependencies,
    keyPaths: ReadonlyMap<string, KeyPath>,
    joins: ReadonlyMap<string, readonly [string, string]>,
  ) {
    // One node per Database instance: two tabs on one database never make the same stamp.
    this.clock = new HybridClock(randomUuid().slice(0, 8));
    this.#dexie = dexie;
    this.#dependencies = dependencies;
    this.#keyPaths = keyPaths;
    this.#joins = joins;
    changeLogs.set(dexie, this);
    dexie.on('ready', () => this.#readReplicaRow(), true);
    dexie.on('close', () => {
      this.#replicating = undefined;
      this.#replicated.clear();
    });
    // Stamps must stay later than those recorded before a reload, even if the device's clock
    // went back meanwhile: the latest one still waiting to be pushed tells where the clock was.
    dexie.on('ready', () =>
      dexie
        .table<OutboxEntry>(SYNC_TABLES.outbox)
        .orderBy('seq')
        .last()
        .then((latest) => {
          if (latest) this.clock.receive(latest.seq);
        }),
    );
  }

  /** Learns, at each open, whether and what the database replicates. */
  #readReplicaRow(): PromiseLike<void> {
    return this.#dexie
      .table<ReplicaRow, string>(SYNC_TABLES.meta)
      .get(REPLICA_ROW)
      .then((row) => {
        this.#replicating = row !== undefined;
        this.#replicated.clear();
        for (const table of row?.tables ?? []) this.#replicated.add(table);
      });
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
    while (!this.#replicating) {
      await raiseVersion(this.#dexie, this.#dependencies, (transaction) => {
        const meta = transaction.objectStore(SYNC_TABLES.meta);
        const found = meta.get(REPLICA_ROW);
        found.onsuccess = () => {
          if (found.result === undefined) meta.put({ id: REPLICA_ROW, tables: [] });
        };
      });
    }
  }

  readonly stores = SYNC_STORES;

  /** The tables that may replicate. */
  get tables(): readonly string[] {
    return [...this.#keyPaths.keys()];
  }

  /** The pivot tables between two of `tables`, which replicate with them. */
  pivotsOf(tables: readonly string[]): string[] {
    return [...this.#joins]
      .filter(([, [left, right]]) => tables.includes(left) && tables.includes(right))
      .map(([pivot]) => pivot);
  }

  /** The primary key of `record`, a row of replicable table `table`. */
  keyOf(table: string, record: Row): Key {
    const path = this.#keyPaths.get(table) as KeyPath;
    return (typeof path === 'string' ? record[path] : path.map((field) => record[field])) as Key;
  }

  /** `values` with the fields of primary key `key` of table `table` set. */
  withKey(table: string, values: Readonly<Row>, key: Key): Row {
    const path = this.#keyPaths.get(table) as KeyPath;
    if (typeof path === 'string') return { ...values, [path]: key };
    const parts = key as readonly unknown[];
    return { ...values, ...Object.fromEntries(path.map((field, i) => [field, parts[i]])) };
  }

  /**
   * Runs `fn` in a readwrite transaction over `tables` and the sync tables whose writes to model
   * tables are replication's own: they are neither recorded nor checked by delete rules.
   */
  applying<T>(dexie: Dexie, tables: readonly string[], fn: () => PromiseLike<T>): Promise<T> {
    const scope = [...new Set([...tables, ...Object.values(SYNC_TABLES)])];
    // An async function: Dexie then keeps the transaction across fn's native awaits.
    return dexie.transaction('rw', scope, async (transaction) => {
      this.#applying.add(transaction.idbtrans);
      return await fn();
    });
  }

  /** True for the transactions of {@link applying}: their writes meet no write rule. */
  exempts(trans: DBCoreTransaction): boolean {
    return this.#applying.has(trans);
  }

  /**
   * The DBCore middleware that widens every readwrite transaction over a replicable table to the
   * sync tables, so that the change can be recorded in the same transaction.
   */
  get middleware(): Middleware<DBCore> {
    const extra = Object.values(SYNC_TABLES);
    return {
      stack: 'dbcore',
      name: 'dexorm-change-scope',
      create: (down: DBCore): Partial<DBCore> => ({
        ...down,
        transaction: (stores, mode, options) => {
          const widen = mode === 'readwrite' && stores.some((name) => this.#keyPaths.has(name));
          const scope = widen ? [...new Set([...stores, ...extra])] : stores;
          return down.transaction(scope, mode, options);
        },
      }),
    };
  }

  /** The write rule that records changes to replicated tables. */
  get writeRule(): WriteRule {
    return (write, access) => {
      const { table, trans } = write;
      if (!this.#keyPaths.has(table) || this.#applying.has(trans)) return;
      if (this.#replicated.has(table)) return this.#record(write, access);
      if (this.#replicating === false) return;
      // Another tab may have marked the table since this connection opened.
      return this.#replicatedTables(trans, access).then((tables) =>
        tables.has(table) ? this.#record(write, access) : undefined,
      );
    };
  }

  #replicatedTables(
    trans: DBCoreTransaction,
    access: WriteAccess,
  ): PromiseLike<ReadonlySet<string>> {
    let tables = this.#replicatedIn.get(trans);
    if (!tables) {
      tables = access
        .table(SYNC_TABLES.meta)
        .get({ trans, key: REPLICA_ROW })
        .then((row: ReplicaRow | undefined) => {
          // Committed by another transaction, so known for good.
          for (const table of row?.tables ?? []) this.#replicated.add(table);
          return new Set(row?.tables ?? []);
        });
      this.#replicatedIn.set(trans, tables);
    }
    return tables;
  }

  #record(write: PendingWrite, access: WriteAccess): PromiseLike<void> {
    const { table, trans } = write;
    const clock = this.clock;
    const keyOf = (value: unknown) => this.keyOf(table, value as Row);
    return dexieSteps(function* () {
      const keys = (write.keys ?? (write.values ?? []).map(keyOf)) as Key[];
      if (keys.length === 0) return;
      const [before, versions] = (yield allOf([
        access.table(table).getMany({ trans, keys }),
        access.table(SYNC_TABLES.versions).getMany({
          trans,
          keys: keys.map((key) => [table, key]),
        }),
      ])) as [(Row | undefined)[], (RecordVersion | undefined)[]];
      const stamp = clock.tick();
      const changed: RecordVersion[] = [];
      // The latest state of each key, should one write name a key twice.
      const current = new Map<unknown, { record: Row | undefined; version?: RecordVersion }>();
      keys.forEach((key, i) => {
        const seen = current.get(dictionaryKey(key)) ?? { record: before[i], version: versions[i] };
        const after = write.type === 'delete' ? undefined : (write.values?.[i] as Row);
        const version = nextVersion(table, key, seen.record, seen.version, after, stamp);
        current.set(dictionaryKey(key), { record: after, version: version ?? seen.version });
        if (version) changed.push(version);
      });
      if (changed.length === 0) return;
      const latest = [
        ...new Map(changed.map((version) => [dictionaryKey(version.key), version])).values(),
      ];
      yield allOf([
        access.mutate(SYNC_TABLES.versions, { type: 'put', trans, values: latest }),
        access.mutate(SYNC_TABLES.outbox, {
          type: 'put',
          trans,
          values: latest.map(({ key }): OutboxEntry => ({ table, key, seq: stamp })),
        }),
      ]);
    });
  }

  /** Marks `tables` replicated, in the transaction of {@link applying}. */
  markReplicated(dexie: Dexie, tables: readonly string[]): PromiseLike<readonly string[]> {
    const meta = dexie.table<ReplicaRow, string>(SYNC_TABLES.meta);
    return meta.get(REPLICA_ROW).then((row) => {
      const before = row?.tables ?? [];
      const added = tables.filter((table) => !before.includes(table));
      if (added.length === 0) return added;
      // Known here once committed; other connections read the row on their next write.
      Dexie.currentTransaction.on('complete', () => {
        for (const table of added) this.#replicated.add(table);
      });
      return meta.put({ id: REPLICA_ROW, tables: [...before, ...added] }).then(() => added);
    });
  }
}

/**
 * The change log of a Database whose models include some that may replicate (keys unique across
 * devices), with their tables and the pivot tables between two of them; none for a Database
 * whose models all have auto-increment keys: it gets no sync tables and records nothing.
 */
export function changeLogExtension({
  dexie,
  models,
  requirements,
  dependencies,
}: ExtensionSetup): ChangeLog | undefined {
  const replicable = models.filter((model) => model.keyType !== 'auto');
  if (replicable.length === 0) return undefined;
  const keyPaths = new Map<string, KeyPath>(replicable.map((m) => [m.table, m.primaryKey]));
  const joins = new Map<string, readonly [string, string]>();
  for (const need of requirements) {
    if (need.kind !== 'table' || !need.joins) continue;
    const [left, right] = need.joins;
    if (!replicable.includes(left) || !replicable.includes(right)) continue;
    keyPaths.set(need.table, need.primaryKey);
    joins.set(need.table, [left.table, right.table]);
  }
  return new ChangeLog(dexie, dependencies, keyPaths, joins);
}

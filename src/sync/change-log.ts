import type { DBCore, DBCoreTransaction, Dexie, Middleware } from 'dexie';
import { HybridClock } from '../core/hlc.js';
import { dictionaryKey } from '../core/key-dictionary.js';
import { randomUuid } from '../core/uuid.js';
import type { Key, Row } from '../core/values.js';
import { allOf, dexieSteps } from '../database/dexie-steps.js';
import type { DatabaseExtension, ExtensionSetup } from '../database/extensions.js';
import { nextVersion, type RecordVersion } from '../database/record-version.js';
import type { IndexedDbDependencies } from '../database/upgrade-check.js';
import type { PendingWrite, WriteAccess, WriteRule } from '../database/write-path.js';
import { isDeclared, ReplicatedTables } from './replicated-tables.js';
import { type KeyPath, type OutboxEntry, SYNC_STORES, SYNC_TABLES } from './sync-tables.js';

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
  /** Which tables replicate, as this connection knows. */
  readonly replicated: ReplicatedTables;

  constructor(
    dexie: Dexie,
    dependencies: IndexedDbDependencies,
    keyPaths: ReadonlyMap<string, KeyPath>,
    joins: ReadonlyMap<string, readonly [string, string]>,
  ) {
    // One node per Database instance: two tabs on one database never make the same stamp.
    this.clock = new HybridClock(randomUuid().slice(0, 8));
    this.replicated = new ReplicatedTables(dexie, dependencies);
    this.#keyPaths = keyPaths;
    this.#joins = joins;
    changeLogs.set(dexie, this);
    // Stamps must stay later than those recorded before a reload, even if the device's clock
    // went back meanwhile: the latest one still waiting to be pushed tells where the clock was.
    // (An outbox that is not declared yet was only just created: it holds nothing.)
    dexie.on('ready', () =>
      isDeclared(dexie)
        ? dexie
            .table<OutboxEntry>(SYNC_TABLES.outbox)
            .orderBy('seq')
            .last()
            .then((latest) => {
              if (latest) this.clock.receive(latest.seq);
            })
        : undefined,
    );
  }

  /** The sync tables: created by the first `replicate()` on the database, not before. */
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
   * sync tables, where they are stored, so that the change can be recorded in the same
   * transaction.
   */
  get middleware(): Middleware<DBCore> {
    const extra = Object.values(SYNC_TABLES);
    return {
      stack: 'dbcore',
      name: 'dexorm-change-scope',
      // Made again at each open, from the tables stored then.
      create: (down: DBCore): Partial<DBCore> => {
        if (!down.schema.tables.some((table) => table.name === SYNC_TABLES.meta)) return down;
        return {
          ...down,
          transaction: (stores, mode, options) => {
            const widen = mode === 'readwrite' && stores.some((name) => this.#keyPaths.has(name));
            const scope = widen ? [...new Set([...stores, ...extra])] : stores;
            return down.transaction(scope, mode, options);
          },
        };
      },
    };
  }

  /**
   * The write rule that records changes to replicated tables: it concerns the tables that may
   * replicate, on a connection that stores the sync tables (none before the first `replicate()`).
   */
  get writeRule(): WriteRule {
    return {
      concerns: (table, access) => this.#keyPaths.has(table) && access.has(SYNC_TABLES.meta),
      // Replication's own transactions never reach here: the write path exempts them.
      enforce: (write, access) => {
        const replicated = this.replicated;
        if (replicated.has(write.table)) return this.#record(write, access);
        // Another tab may have marked the table since this connection opened.
        return replicated
          .readIn(write.trans, access)
          .then((tables) => (tables.has(write.table) ? this.#record(write, access) : undefined));
      },
    };
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

import { Dexie, type PromiseExtended, type Table } from 'dexie';
import { indexedDbReady } from './indexeddb-ready.js';
import type { IndexedDbDependencies } from './upgrade-check.js';
import { type OpenWatcher, watchOpens } from './watched-opens.js';

/** Tables a Database declares to Dexie only once they are stored, and who declares them. */
interface OptionalStores {
  /** Dexie's specs of the tables, by name. */
  readonly stores: Readonly<Record<string, string>>;
  /**
   * Adds `specs` to the declared schema, a null spec taking a table out (also while an open is
   * under way, before Dexie reads the schema).
   */
  readonly declare: (specs: Readonly<Record<string, string | null>>) => void;
}

/** One open() of an {@link OptionalStoresDexie}. */
interface Attempt {
  /** True once a close() has cancelled it. */
  cancelled: boolean;
  /** Its promise, while it waits for the factory to answer before Dexie starts it. */
  waiting?: PromiseExtended<Dexie>;
  /** The options of a close() made while it waited. */
  closing?: { disableAutoOpen: boolean } | undefined;
}

/**
 * A Dexie instance with tables that exist only once something creates them (replication's, at
 * the first `replicate()`): a database that never needs them never has them. Dexie creates every
 * declared table and, on a schema upgrade, deletes every stored one that is not declared, so the
 * optional tables are declared as soon as an open finds them stored: when IndexedDB reports the
 * upgrade, before Dexie runs it, or when the open succeeds, before Dexie reads the schema. No
 * open costs more than Dexie's own. It also follows each open() so that the connection of one a
 * close() cancelled is dropped (see {@link watchOpens}).
 */
export class OptionalStoresDexie extends Dexie {
  #optional: OptionalStores | undefined;
  /** Table objects made before a change of the declared schema, which Dexie no longer updates. */
  readonly #handedOut = new Set<Table>();

  /** The open under way, until it settles (also after a close() cancelled it). */
  #attempt: Attempt | undefined;
  /** The factory the watched one opens with. */
  readonly #factory: IDBFactory | undefined;

  constructor(name: string, options: IndexedDbDependencies = {}) {
    const factory = options.indexedDB ?? Dexie.dependencies.indexedDB;
    // Dexie takes the factory before `this` exists; the watcher reaches it once it does.
    const watcher: OpenWatcher = { attempt: () => undefined, seen: () => undefined };
    super(name, factory ? { ...options, indexedDB: watchOpens(factory, name, watcher) } : options);
    this.#factory = factory;
    watcher.attempt = () => this.#attempt;
    watcher.seen = (database) => this.#found(database);
  }

  override open(): PromiseExtended<Dexie> {
    // Another open() (a query's, on first use) while one waits joins it.
    if (this.#attempt?.waiting) return this.#attempt.waiting;
    // An open() while a cancelled one is still settling joins it in Dexie, and fails with it.
    if (this.#attempt || this.isOpen()) return super.open();
    const attempt: Attempt = { cancelled: false };
    this.#attempt = attempt;
    const ready = this.#factory && indexedDbReady(this.#factory);
    let opening: PromiseExtended<Dexie>;
    if (ready) {
      opening = Dexie.Promise.resolve(ready).then(() => {
        attempt.waiting = undefined;
        const started = super.open();
        // A close() while it waited is made now, so that Dexie fails this open and whatever
        // waits on it (a query's first use) as it fails one that a close() cancels.
        if (attempt.cancelled) super.close(attempt.closing);
        return started;
      });
      attempt.waiting = opening;
    } else {
      opening = super.open();
    }
    const settled = () => {
      if (this.#attempt === attempt) this.#attempt = undefined;
    };
    opening.then(settled, settled);
    return opening;
  }

  override close(options?: { disableAutoOpen: boolean }): void {
    const attempt = this.#attempt;
    // Dexie starts the IndexedDB open of a cancelled open() all the same: it stays the attempt
    // under way, cancelled, so that what its request brings is stopped.
    if (attempt) attempt.cancelled = true;
    // Dexie has not heard of an open that still waits for the factory: the close is made when
    // it does (closing Dexie now would leave what waits on the open waiting for ever).
    if (attempt?.waiting) attempt.closing = options;
    else super.close(options);
  }

  /**
   * Makes `stores` optional: declared through `declare` at the first open that finds them stored.
   * Called once, before the first open.
   */
  declareWhenStored(
    stores: Readonly<Record<string, string>>,
    declare: (specs: Readonly<Record<string, string | null>>) => void,
  ): void {
    if (Object.keys(stores).length === 0) return;
    this.#optional = { stores, declare };
    // Each open points the older Table objects at its middleware stack, as Dexie does its own.
    this.on(
      'ready',
      () => {
        const stored = new Set(this.tables.map((table) => table.name));
        for (const table of this.#handedOut) {
          if (stored.has(table.name)) table.core = this.core.table(table.name);
        }
      },
      true,
    );
  }

  /**
   * Deletes the database; a Database that declared the optional tables takes them out again,
   * so that the database its next open creates has none until they are created anew.
   */
  override delete(options?: { disableAutoOpen: boolean }): PromiseExtended<void> {
    // Dexie refuses an explicit undefined: it counts the arguments.
    const deleting = options ? super.delete(options) : super.delete();
    return deleting.then(() => {
      const optional = this.#optional;
      if (!optional || !this.#declares(optional)) return;
      const none = Object.fromEntries(Object.keys(optional.stores).map((name) => [name, null]));
      this.#respecify(() => optional.declare(none));
    });
  }

  /** True while the optional tables are part of the declared schema. */
  #declares(optional: OptionalStores): boolean {
    const declared = new Set(this.tables.map((table) => table.name));
    return Object.keys(optional.stores).every((name) => declared.has(name));
  }

  /**
   * Changes the declared schema with `change`. Dexie then makes new Table objects for every
   * table: those handed out before (the models' own, one a user keeps) keep their hooks, and are
   * pointed at the middleware stack of each open, so that writes through them still meet its
   * rules.
   */
  #respecify(change: () => void): void {
    const before = this.tables;
    change();
    const declared = new Set(this.tables.map((table) => table.name));
    for (const table of before) {
      if (!declared.has(table.name)) continue;
      this.table(table.name).hook = table.hook;
      this.#handedOut.add(table);
    }
  }

  /** Declares the optional tables when an open finds them all in `database`. */
  #found(database: IDBDatabase): void {
    const optional = this.#optional;
    if (!optional || this.#declares(optional)) return;
    const stored = database.objectStoreNames;
    if (!Object.keys(optional.stores).every((name) => stored.contains(name))) return;
    try {
      this.#respecify(() => optional.declare(optional.stores));
    } catch {
      // Dexie's open then goes on as declared before, as it would without this.
    }
  }
}

/**
 * Creates the tables of `stores` (Dexie's specs) missing from the database that `transaction`
 * upgrades, as Dexie would: the first spec part is the primary key, the others indexes.
 */
export function createStores(
  transaction: IDBTransaction,
  stores: Readonly<Record<string, string>>,
): void {
  const database = transaction.db;
  for (const [name, spec] of Object.entries(stores)) {
    if (database.objectStoreNames.contains(name)) continue;
    const [primary = '', ...indexes] = spec.split(',').map((part) => part.trim());
    const key = parseSpecPart(primary);
    const store = database.createObjectStore(name, {
      keyPath: key.keyPath,
      autoIncrement: key.autoIncrement,
    });
    for (const part of indexes) {
      const index = parseSpecPart(part);
      store.createIndex(index.name, index.keyPath as string | string[], {
        unique: index.unique,
        multiEntry: index.multiEntry,
      });
    }
  }
}

/** One part of a Dexie store spec: `++id`, `&email`, `*tags`, `[table+key]`, or a plain name. */
function parseSpecPart(part: string): {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  unique: boolean;
  multiEntry: boolean;
} {
  const autoIncrement = part.startsWith('++');
  const unique = part.startsWith('&');
  const multiEntry = part.startsWith('*');
  const name = part.replace(/^(\+\+|&|\*)/, '');
  const keyPath = name.startsWith('[') ? name.slice(1, -1).split('+') : name || null;
  return { name, keyPath, autoIncrement, unique, multiEntry };
}

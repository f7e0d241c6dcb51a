import { Dexie, type PromiseExtended, type Table } from 'dexie';
import type { IndexedDbDependencies } from './upgrade-check.js';

/** Tables a Database declares to Dexie only once they are stored, and who declares them. */
interface OptionalStores {
  /** Dexie's specs of the tables, by name. */
  readonly stores: Readonly<Record<string, string>>;
  /**
   * Adds `specs` to the declared schema, a null spec taking a table out (the connection is
   * closed when it is called).
   */
  readonly declare: (specs: Readonly<Record<string, string | null>>) => void;
  readonly factory: IDBFactory;
}

/**
 * A Dexie instance with tables that exist only once something creates them (replication's, at
 * the first `replicate()`): a database that never needs them never has them. Dexie creates every
 * declared table and, on a schema upgrade, deletes every stored one that is not declared, so each
 * open first looks at the stored tables (an IndexedDB open with no version, closed at once) and
 * declares the optional ones found, until they are.
 */
export class OptionalStoresDexie extends Dexie {
  #optional: OptionalStores | undefined;
  #declared = false;
  /** The open under way: the look at the stored tables, then Dexie's open. */
  #opening: PromiseExtended<Dexie> | undefined;
  /** True while looking: Dexie's own open has not started, so a close must wait for it. */
  #looking = false;
  #closeRequested: { disableAutoOpen: boolean } | undefined;
  /** Table objects made before a change of the declared schema, which Dexie no longer updates. */
  readonly #handedOut = new Set<Table>();

  /**
   * Makes `stores` optional: declared through `declare` at the first open that finds them stored.
   * Called once, before the first open.
   */
  declareWhenStored(
    stores: Readonly<Record<string, string>>,
    declare: (specs: Readonly<Record<string, string | null>>) => void,
    dependencies: IndexedDbDependencies,
  ): void {
    if (Object.keys(stores).length === 0) return;
    const factory = dependencies.indexedDB ?? Dexie.dependencies.indexedDB;
    this.#optional = { stores, declare, factory };
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

  override open(): PromiseExtended<Dexie> {
    const optional = this.#optional;
    if (!optional || this.#declared || this.isOpen()) return super.open();
    this.#opening ??= Dexie.Promise.resolve(this.#look(optional))
      .then(() => {
        const close = this.#closeRequested;
        this.#closeRequested = undefined;
        const opened = super.open();
        // Dexie's own open is under way now: a close cancels it, and what waits on it fails.
        if (close) super.close(close);
        return opened;
      })
      .finally(() => {
        this.#opening = undefined;
      });
    return this.#opening;
  }

  override close(options?: { disableAutoOpen: boolean }): void {
    // Before Dexie's open starts, a close would orphan the queries already waiting on it.
    if (this.#looking) this.#closeRequested = options ?? { disableAutoOpen: true };
    else super.close(options);
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
      if (!optional || !this.#declared) return;
      const none = Object.fromEntries(Object.keys(optional.stores).map((name) => [name, null]));
      this.#respecify(() => optional.declare(none));
      this.#declared = false;
    });
  }

  #declare(optional: OptionalStores): void {
    this.#respecify(() => optional.declare(optional.stores));
    this.#declared = true;
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

  async #look(optional: OptionalStores): Promise<void> {
    this.#looking = true;
    try {
      const stored = await storedTableNames(optional.factory, this.name);
      if (Object.keys(optional.stores).every((name) => stored.includes(name))) {
        this.#declare(optional);
      }
    } catch {
      // Dexie's open meets the same failure and reports it.
    } finally {
      this.#looking = false;
    }
  }
}

/** The names of the tables stored in database `name`: none, creating nothing, if there is none. */
function storedTableNames(factory: IDBFactory, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name);
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const names = [...request.result.objectStoreNames];
      request.result.close();
      resolve(names);
    };
    request.onerror = (event) => {
      event.preventDefault();
      if (request.error?.name === 'AbortError') resolve([]);
      else reject(request.error);
    };
  });
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

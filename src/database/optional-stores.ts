import { Dexie, type PromiseExtended, type Table } from 'dexie';
import type { IndexedDbDependencies } from './upgrade-check.js';

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

/**
 * A Dexie instance with tables that exist only once something creates them (replication's, at
 * the first `replicate()`): a database that never needs them never has them. Dexie creates every
 * declared table and, on a schema upgrade, deletes every stored one that is not declared, so the
 * optional tables are declared as soon as an open finds them stored: when IndexedDB reports the
 * upgrade, before Dexie runs it, or when the open succeeds, before Dexie reads the schema. No
 * open costs more than Dexie's own.
 */
export class OptionalStoresDexie extends Dexie {
  #optional: OptionalStores | undefined;
  #declared = false;
  /** Table objects made before a change of the declared schema, which Dexie no longer updates. */
  readonly #handedOut = new Set<Table>();

  constructor(name: string, options: IndexedDbDependencies = {}) {
    const factory = options.indexedDB ?? Dexie.dependencies.indexedDB;
    const opens: { seen?: (database: IDBDatabase) => void } = {};
    super(name, factory ? { ...options, indexedDB: watchOpens(factory, name, opens) } : options);
    opens.seen = (database) => this.#found(database);
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

  /** Declares the optional tables when an open finds them all in `database`. */
  #found(database: IDBDatabase): void {
    const optional = this.#optional;
    if (!optional || this.#declared) return;
    const stored = database.objectStoreNames;
    if (!Object.keys(optional.stores).every((name) => stored.contains(name))) return;
    try {
      this.#declare(optional);
    } catch {
      // Dexie's open then goes on as declared before, as it would without this.
    }
  }
}

/**
 * `factory`, telling `opens.seen` of each open of database `name` that upgrades it or succeeds,
 * before whoever opened it hears of it (listeners run in the order they were added).
 */
function watchOpens(
  factory: IDBFactory,
  name: string,
  opens: { readonly seen?: (database: IDBDatabase) => void },
): IDBFactory {
  const watched: Pick<IDBFactory, 'open' | 'deleteDatabase' | 'cmp'> &
    Partial<Pick<IDBFactory, 'databases'>> = {
    open(opened, version) {
      // IndexedDB tells an open with no version from one with an undefined version.
      const request = version === undefined ? factory.open(opened) : factory.open(opened, version);
      if (opened === name) {
        const seen = () => opens.seen?.(request.result);
        request.addEventListener('upgradeneeded', seen);
        request.addEventListener('success', seen);
      }
      return request;
    },
    deleteDatabase: (deleted) => factory.deleteDatabase(deleted),
    cmp: (first, second) => factory.cmp(first, second),
  };
  // Dexie keeps its own list of database names where the factory cannot list them.
  if (typeof factory.databases === 'function') watched.databases = () => factory.databases();
  return watched as IDBFactory;
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

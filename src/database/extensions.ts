import type { DBCore, DBCoreTransaction, Dexie, Middleware } from 'dexie';
import type { TableRequirement } from '../relations/requirements.js';
import type { ModelClass } from '../state/model-class.js';
import type { IndexedDbDependencies } from './upgrade-check.js';
import type { WriteRule } from './write-path.js';

/** What a Database tells each extension of itself when it is built. */
export interface ExtensionSetup {
  /** The Database's Dexie instance. */
  readonly dexie: Dexie;
  /** Its model classes. */
  readonly models: readonly ModelClass[];
  /** What its relations need of the schema, pivot tables included. */
  readonly requirements: readonly TableRequirement[];
  /** The IndexedDB factory and key range it opens with, where not the global ones. */
  readonly dependencies: IndexedDbDependencies;
}

/**
 * What an extension adds to a Database (replication's change log is one): its own tables, a
 * rule that every write meets in its transaction, and a DBCore middleware.
 */
export interface DatabaseExtension {
  /**
   * Dexie's specs of the tables it adds, by name. They exist only once the extension creates them
   * (with `createStores`, in a version barrier); each open declares them when it finds them.
   */
  readonly stores: Readonly<Record<string, string>>;
  /** A rule every write meets, inside the write's transaction. */
  readonly writeRule: WriteRule;
  /** A DBCore middleware installed on the Database's Dexie instance. */
  readonly middleware: Middleware<DBCore>;
  /** True for a transaction whose writes are the extension's own: they meet no write rule. */
  exempts(trans: DBCoreTransaction): boolean;
}

/**
 * Makes the extension a Database needs, or undefined when it needs none (no model could use it):
 * such a Database gets none of its tables and does none of its work on writes.
 */
export type ExtensionFactory = (setup: ExtensionSetup) => DatabaseExtension | undefined;

const factories: ExtensionFactory[] = [];

/** Adds `factory` to those every Database built from now on asks; adding it again changes nothing. */
export function installExtension(factory: ExtensionFactory): void {
  if (!factories.includes(factory)) factories.push(factory);
}

/** The extensions a Database set up as `setup` gets. */
export function extensionsFor(setup: ExtensionSetup): DatabaseExtension[] {
  return factories.flatMap((factory) => factory(setup) ?? []);
}

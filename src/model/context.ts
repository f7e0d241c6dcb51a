import type { Table } from 'dexie';
import { Dexie } from 'dexie';
import type { Observable } from 'rxjs';
import { SchemaError } from '../errors.js';
import type { LiveComparison } from '../live/live-observable.js';
import type { KeyType, ModelClass } from './model-class.js';
import type { Key } from './values.js';

/** A stored record as IndexedDB returns it. */
export type Row = Record<string, unknown>;

/** Everything a model class needs at run time, provided by the Database that registered it. */
export interface ModelContext {
  readonly modelName: string;
  readonly tableName: string;
  readonly primaryKey: string;
  readonly keyType: KeyType;
  /** Dexie index names usable in `where()`, with whether they hold arrays (multi-entry). */
  readonly indexes: ReadonlyMap<string, IndexInfo>;
  readonly table: Table<Row, Key>;
  readonly runtime: DatabaseRuntime;
}

/** What the query planner needs to know of one Dexie index. */
export interface IndexInfo {
  /** Dexie's name for it: `'email'`, `'[a+b]'`. */
  readonly name: string;
  /** The attribute names it covers, in order (one for a simple index). */
  readonly fields: readonly string[];
  readonly unique: boolean;
  readonly multiEntry: boolean;
  readonly primary: boolean;
}

/** The services of a Database that models, queries and relations use. */
export interface DatabaseRuntime {
  readonly dexie: Dexie;
  /** The context of a model registered with this Database; SchemaError for any other. */
  contextOf(model: ModelClass): ModelContext;
  /**
   * Runs `fn` in one readwrite transaction over `tables`, translating failures to DexormErrors.
   * Within the transaction of a `scope` write it joins that transaction instead of nesting one;
   * `scope` is for functions that make further writes (relation writes, `db.transaction`).
   */
  write<T>(
    tables: readonly string[],
    fn: () => Promise<T>,
    about: ModelContext,
    scope?: boolean,
  ): Promise<T>;
  /** Translates a failed read to a DexormError (other errors pass through). */
  readFailed(error: unknown, about: ModelContext): unknown;
  /**
   * A live, shared observable of `query`'s result; repeats (by `comparison`) are suppressed and
   * subscribers with the same `shareKey` share one underlying live query.
   */
  live<T>(
    shareKey: string | null,
    query: () => Promise<T>,
    comparison: LiveComparison<NoInfer<T>>,
  ): Observable<T>;
}

const runtimes = new WeakMap<ModelClass, DatabaseRuntime>();
const runtimesByDexie = new WeakMap<Dexie, DatabaseRuntime>();

/** Binds `models` to `runtime`: the most recently constructed Database wins outside transactions. */
export function bindModels(runtime: DatabaseRuntime, models: readonly ModelClass[]): void {
  runtimesByDexie.set(runtime.dexie, runtime);
  for (const model of models) runtimes.set(model, runtime);
}

/** The model and table of `context`, as error details and value-check owners take them. */
export function ownerOf(context: ModelContext): { model: string; table: string } {
  return { model: context.modelName, table: context.tableName };
}

/** True when outside transactions every model of `runtime` resolves to `runtime`. */
export function servesItsModels(runtime: DatabaseRuntime, models: readonly ModelClass[]): boolean {
  for (const model of models) if (runtimes.get(model) !== runtime) return false;
  return true;
}

/**
 * The context of `model`: inside a `db.transaction()` that of the transaction's Database,
 * otherwise that of the Database that most recently registered the model.
 * @throws SchemaError when no Database knows the model.
 */
export function contextOf(model: ModelClass): ModelContext {
  const transaction = Dexie.currentTransaction;
  const runtime =
    (transaction ? runtimesByDexie.get(transaction.db) : undefined) ?? runtimes.get(model);
  if (!runtime) {
    throw new SchemaError(
      `${model.name} (table "${String(model.table)}") is not registered with any Database: ` +
        'pass it in `new Database(name, { models: [...] })`',
      { model: model.name, table: model.table },
    );
  }
  return runtime.contextOf(model);
}

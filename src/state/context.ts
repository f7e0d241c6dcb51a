import type { PromiseExtended, Table } from 'dexie';
import { Dexie } from 'dexie';
import type { Observable } from 'rxjs';
import { SchemaError } from '../core/errors.js';
import type { Key, Row } from '../core/values.js';
import type { LiveComparison } from '../live/live-observable.js';
import type { QueryState } from '../query/query-state.js';
import type { Lifecycle } from './lifecycle.js';
import type { KeyType, ModelClass } from './model-class.js';
import type { ModelInstance } from './model-instance.js';
import type { QueryRunner } from './query-runner.js';
import type { WriteEffects } from './write-effects.js';

/** Everything a model class needs at run time, provided by the Database that registered it. */
export interface ModelContext<M extends ModelInstance = ModelInstance> {
  readonly model: ModelClass<M>;
  readonly modelName: string;
  readonly tableName: string;
  readonly primaryKey: string;
  readonly keyType: KeyType;
  /** Dexie index names usable in `where()`, with whether they hold arrays (multi-entry). */
  readonly indexes: ReadonlyMap<string, IndexInfo>;
  readonly table: Table<Row, Key>;
  readonly runtime: DatabaseRuntime;
  /** What the model's statics declare of its lifecycle: timestamps, soft deletes, hooks... */
  readonly lifecycle: Lifecycle;
  /** Runs the model's queries: the layer above the query builder and the relations. */
  readonly queries: QueryRunner<M>;
  /** What writes of the model do to other records: soft-delete cascades, owner touches. */
  readonly effects: WriteEffects;
  /**
   * What relation `name` of the model reaches, as a query names it.
   * @throws SchemaError when the model has no such relation.
   */
  relationEnd(name: string): RelationEnd;
  /**
   * `state` with the model's read constraints that it keeps (soft deletes, global scopes) turned
   * into clauses and relation filters; the result keeps none, so a second call changes nothing.
   */
  constrain(state: QueryState): QueryState;
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
  /** Every table of the Database, pivot tables included. */
  readonly tableNames: readonly string[];
  /** The context of a model registered with this Database; SchemaError for any other. */
  contextOf<M extends ModelInstance>(model: ModelClass<M>): ModelContext<M>;
  /**
   * Runs `fn` in one readwrite transaction over `tables`, translating failures to DexormErrors.
   * Within the transaction of a `scope` write it joins that transaction instead of nesting one;
   * `scope` is for functions that make further writes (relation writes, `db.transaction`).
   */
  write<T>(
    tables: readonly string[],
    fn: () => Promise<T>,
    about: ModelContext | undefined,
    scope?: boolean,
  ): Promise<T>;
  /**
   * Translates a failed read to a DexormError (other errors pass through); an open that failed
   * on the way is explained as `open()` explains it.
   */
  readFailed(error: unknown, about: ModelContext): Promise<unknown>;
  /**
   * A live observable of `query`'s result; repeats (by `comparison`) are suppressed, and
   * subscribers with the same `shareKey` share one underlying live query (none without a key).
   */
  live<T>(
    shareKey: string | undefined,
    query: () => Promise<T>,
    comparison: LiveComparison<NoInfer<T>>,
  ): Observable<T>;
  /**
   * {@link live} for a read that is one chain of Dexie promises, with no native `await`: Dexie
   * follows it as it is, where an async querier makes it echo every microtask while it runs.
   */
  liveChain<T>(
    shareKey: string | undefined,
    query: () => PromiseExtended<T>,
    comparison: LiveComparison<NoInfer<T>>,
  ): Observable<T>;
}

/** The model classes at the other end of one relation, as a query names them. */
export interface RelationEnd {
  /** The model class at the other end. */
  readonly related: ModelClass;
  /**
   * The classes the related models may be of, for a kind that relates to several (MorphTo),
   * whose models a query callback cannot constrain; absent for every other kind.
   */
  readonly models?: readonly ModelClass[];
}

const runtimes = new WeakMap<ModelClass, DatabaseRuntime>();
const runtimesByDexie = new WeakMap<Dexie, DatabaseRuntime>();
/** The context of each model in the Database that serves it outside transactions. */
const boundContexts = new WeakMap<ModelClass, ModelContext>();

/** Binds `models` to `runtime`: the most recently constructed Database wins outside transactions. */
export function bindModels(runtime: DatabaseRuntime, models: readonly ModelClass[]): void {
  runtimesByDexie.set(runtime.dexie, runtime);
  for (const model of models) {
    runtimes.set(model, runtime);
    boundContexts.set(model, runtime.contextOf(model));
  }
}

/** The model and table of `context`, as error details and value-check owners take them. */
export function ownerOf(context: ModelContext): { model: string; table: string } {
  return { model: context.modelName, table: context.tableName };
}

/**
 * A rejection handler for a read of `context`'s table, in a chain of promises: it rejects with
 * the DexormError that `readFailed` makes of the failure.
 */
export function failedReadOf(context: ModelContext): (error: unknown) => Promise<never> {
  return async (error) => {
    throw await context.runtime.readFailed(error, context);
  };
}

/** The Database of the running `db.transaction()`, if any. */
export function transactionRuntime(): DatabaseRuntime | undefined {
  const transaction = Dexie.currentTransaction;
  return transaction ? runtimesByDexie.get(transaction.db) : undefined;
}

/**
 * The Database that serves `model` now: inside a `db.transaction()` the transaction's,
 * otherwise the one that most recently registered the model.
 * @throws SchemaError when no Database knows the model.
 */
export function currentRuntime(model: ModelClass): DatabaseRuntime {
  const runtime = transactionRuntime() ?? runtimes.get(model);
  if (runtime) return runtime;
  throw new SchemaError(
    `${model.name} (table "${String(model.table)}") is not registered with any Database: ` +
      'pass it in `new Database(name, { models: [...] })`',
    { model: model.name, table: model.table },
  );
}

/** The context of `model` in the Database that serves it now (see {@link currentRuntime}). */
export function contextOf<M extends ModelInstance>(model: ModelClass<M>): ModelContext<M> {
  // Outside transactions (most calls) one lookup: every model read and write starts here.
  const bound = Dexie.currentTransaction ? undefined : boundContexts.get(model);
  return (bound as ModelContext<M> | undefined) ?? currentRuntime(model).contextOf(model);
}

import type { Dexie, PromiseExtended, Transaction } from 'dexie';
import { Dexie as DexieClass } from 'dexie';
import type { Observable } from 'rxjs';
import { SchemaError, StorageError } from '../core/errors.js';
import type { Key, Row } from '../core/values.js';
import type { Execution } from '../execution/execution.js';
import { ModelQueries } from '../execution/model-queries.js';
import {
  type LiveComparison,
  type LiveSource,
  liveObservable,
  shareLatest,
} from '../live/live-observable.js';
import { SharedObservables } from '../live/shared-observables.js';
import { applyScopes } from '../query/global-scopes.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import { bindModels, type DatabaseRuntime, type ModelContext } from '../state/context.js';
import { lifecycleOf } from '../state/lifecycle.js';
import type { KeyType, ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { DeleteEffects } from './delete-effects.js';
import type { DatabaseExtension } from './extensions.js';
import { foreignKeyTypeRule } from './foreign-key-types.js';
import { liveSourceOf } from './live-source.js';
import { assertTouches, touchOwners } from './owner-touches.js';
import type { RelationRegistry } from './registry.js';
import { RequestTracker } from './request-tracker.js';
import type { TableDefinition } from './schema.js';
import { translateError } from './translate-error.js';
import { TrashEffects } from './trash-effects.js';
import { type WriteRule, writePath } from './write-path.js';

/** The services one Database gives its models: contexts, transactions, live queries, relations. */
export class Runtime implements DatabaseRuntime {
  readonly dexie: Dexie;
  /** Every table of the Database, pivot tables included. */
  readonly tableNames: readonly string[];
  readonly #contexts = new Map<ModelClass, ModelContext>();
  readonly #shared = new SharedObservables();
  readonly #liveSource: LiveSource;
  readonly #writeRules: WriteRule[] = [];
  readonly #deleteEffects: DeleteEffects;
  readonly #trashEffects: TrashEffects;
  /** The tables of the models whose writes may reach any table (see `write`). */
  readonly #wideTables = new Set<string>();
  /** The transactions opened by `write(..., scope = true)`, which writes inside them join. */
  readonly #scopes = new WeakSet<Transaction>();
  /** The first failed write of each scope transaction: the scope then rolls back as a whole. */
  readonly #failures = new WeakMap<Transaction, unknown>();
  /** The scope transactions whose function is still running. */
  readonly #running = new Set<Transaction>();
  readonly #requests = new RequestTracker();
  readonly #explainOpenFailure: ((error: unknown) => Promise<unknown> | undefined) | undefined;

  constructor(
    dexie: Dexie,
    tables: ReadonlyMap<ModelClass, TableDefinition>,
    tableNames: readonly string[],
    registry: RelationRegistry,
    extensions: readonly DatabaseExtension[],
    explainOpenFailure?: (error: unknown) => Promise<unknown> | undefined,
  ) {
    this.#explainOpenFailure = explainOpenFailure;
    this.dexie = dexie;
    this.tableNames = tableNames;
    const execution: Execution = {
      runtime: this,
      relation: (model, name) => registry.relation(model, name).relation,
    };
    for (const [model, definition] of tables) {
      const lifecycle = lifecycleOf(model);
      const start = (state: QueryState) => new QueryBuilder(model, this, state);
      const context: ModelContext = {
        model,
        modelName: model.name,
        tableName: model.table,
        primaryKey: model.primaryKey,
        // deriveSchema has checked it is one of the KeyType values.
        keyType: model.keyType as KeyType,
        indexes: definition.indexes,
        table: dexie.table<Row, Key>(model.table),
        runtime: this,
        lifecycle,
        // The runner runs this context's queries, so it is made once the context is.
        get queries() {
          return queries;
        },
        effects: {
          trash: (rows, now) => this.#trashEffects.trash(context, rows, now),
          restore: (rows, now) => this.#trashEffects.restore(context, rows, now),
          touchOwners: (models, now) => touchOwners(this, registry, context, models, now),
        },
        relationEnd: (name) => execution.relation(model, name),
        constrain: (state) => applyScopes(lifecycle, state, start),
      };
      const queries = new ModelQueries(execution, context);
      this.#contexts.set(model, context);
    }
    this.#liveSource = liveSourceOf(dexie);
    const byTable = new Map(
      [...this.#contexts.values()].map((context) => [context.tableName, context]),
    );
    const requirements = [...registry.all()].map((entry) => registry.requirementsOf(entry));
    this.#deleteEffects = new DeleteEffects(
      requirements.flatMap((needs) => needs.deleteEffects ?? []),
      (table) => byTable.get(table)?.lifecycle.softDelete,
    );
    this.#trashEffects = new TrashEffects(
      (table) => this.#deleteEffects.effectsFrom(table),
      (table) => byTable.get(table),
    );
    for (const context of byTable.values()) {
      assertTouches(context, registry);
      const { hasHooks, touches, softDelete } = context.lifecycle;
      if (hasHooks || touches.length > 0 || softDelete !== undefined) {
        this.#wideTables.add(context.tableName);
      }
    }
    const keyTypes = foreignKeyTypeRule(requirements.flatMap((needs) => needs.foreignKeys ?? []));
    if (keyTypes) this.#writeRules.push(keyTypes);
    if (!this.#deleteEffects.isEmpty) this.#writeRules.push(this.#deleteEffects.rule());
    for (const extension of extensions) {
      this.#writeRules.push(extension.writeRule);
      dexie.use(extension.middleware);
    }
    dexie.use(
      writePath(this.#writeRules, (trans) =>
        extensions.some((extension) => extension.exempts(trans)),
      ),
    );
    dexie.use(this.#requests.middleware());
    bindModels(this, [...tables.keys()]);
  }

  contextOf<M extends ModelInstance>(model: ModelClass<M>): ModelContext<M> {
    const context = this.#contexts.get(model);
    if (context) return context as unknown as ModelContext<M>;
    throw new SchemaError(
      `${model.name} (table "${String(model.table)}") is not registered with the Database ` +
        `"${this.dexie.name}" used here`,
      { model: model.name, table: model.table },
    );
  }

  /** The contexts of the models, by table. */
  contextsByTable(): ReadonlyMap<string, ModelContext> {
    return new Map([...this.#contexts.values()].map((context) => [context.tableName, context]));
  }

  async write<T>(
    written: readonly string[],
    fn: () => Promise<T>,
    about?: ModelContext,
    scope = false,
  ): Promise<T> {
    // The transaction also spans the tables that the delete effects of these tables reach, and
    // every table when a model written has hooks, touches or soft deletes, which may reach any.
    const tables = written.some((table) => this.#wideTables.has(table))
      ? this.tableNames
      : this.#deleteEffects.scopeOf(written);
    const current = DexieClass.currentTransaction;
    if (current && this.#scopes.has(current)) {
      if (tables.every((table) => current.storeNames.includes(table))) {
        return this.#join(current, fn, about);
      }
    } else if (this.#abandonedScope()) {
      // A transaction function is waiting for something that is not a database call, so its
      // transaction commits under it, and browsers lose track of which transaction the code
      // after that await belongs to: a write issued now may come from that function, and must
      // not land on its own.
      throw refusal(undefined, about);
    }
    try {
      if (!scope) return await this.dexie.transaction('rw', tables as string[], fn);
      // An async scope function, so that Dexie keeps the transaction across fn's native awaits.
      return await this.dexie.transaction('rw', tables as string[], async (transaction) => {
        this.#scopes.add(transaction);
        this.#running.add(transaction);
        this.#requests.watch(transaction.idbtrans);
        let result: T;
        try {
          result = await fn();
        } finally {
          this.#running.delete(transaction);
        }
        // A write inside failed and the caller caught it: what that write did may be partial
        // (a bulk insert, a multi-step relation write), so the whole transaction rolls back.
        if (this.#failures.has(transaction)) throw this.#failures.get(transaction);
        return result;
      });
    } catch (error) {
      throw await this.#failure(error, about);
    }
  }

  readFailed(error: unknown, about: ModelContext): Promise<unknown> {
    return this.#failure(error, about);
  }

  /** The error to report for `error`: an open that failed is explained as `open()` does. */
  async #failure(error: unknown, about: ModelContext | undefined): Promise<unknown> {
    const explained = this.#explainOpenFailure?.(error);
    if (explained) return explained;
    return translateError(error, about);
  }

  live<T>(
    shareKey: string | undefined,
    query: () => Promise<T>,
    comparison: LiveComparison<NoInfer<T>>,
  ): Observable<T> {
    // Dexie keeps observing reads across the native awaits of a querier only when the querier
    // is an async function: a plain arrow would stop tracking at the first await.
    return this.#observe(shareKey, async (): Promise<T> => await query(), comparison);
  }

  liveChain<T>(
    shareKey: string | undefined,
    query: () => PromiseExtended<T>,
    comparison: LiveComparison<NoInfer<T>>,
  ): Observable<T> {
    // A plain function, so that Dexie does not echo every microtask while it runs, as it does
    // for an async querier; a synchronous throw is a failed read like any other.
    const read = (): PromiseExtended<T> => {
      try {
        return query();
      } catch (error) {
        return DexieClass.Promise.reject(error);
      }
    };
    return this.#observe(shareKey, read, comparison);
  }

  /** A live observable of `read`, shared under `shareKey` (see {@link live}). */
  #observe<T>(
    shareKey: string | undefined,
    read: () => Promise<T>,
    comparison: LiveComparison<T>,
  ): Observable<T> {
    const create = () => liveObservable(read, comparison, this.#liveSource);
    return shareKey === undefined
      ? create().pipe(shareLatest())
      : this.#shared.get(shareKey, create);
  }

  /** True while a running transaction function has no database request under way. */
  #abandonedScope(): boolean {
    for (const transaction of this.#running) {
      if (!transaction.active || this.#requests.pending(transaction.idbtrans) === 0) return true;
    }
    return false;
  }

  /** Runs a write inside the scope transaction `current`, which it joins. */
  async #join<T>(current: Transaction, fn: () => Promise<T>, about?: ModelContext): Promise<T> {
    // A nested Dexie transaction costs about as much as the write itself.
    const earlier = this.#failures.get(current);
    if (earlier !== undefined || !current.active) throw refusal(earlier, about);
    try {
      return await fn();
    } catch (error) {
      const failure = translateError(error, about);
      this.#failures.set(current, failure);
      throw failure;
    }
  }
}

/** The error for a write refused because its transaction cannot take it any more. */
function refusal(earlier: unknown, about: ModelContext | undefined): StorageError {
  const where = about ? `${about.modelName} (table "${about.tableName}")` : 'the database';
  const why =
    earlier === undefined
      ? 'the transaction it belongs to has already committed (was something other than a ' +
        'database call awaited inside it?)'
      : 'an earlier write in the same transaction failed, so the transaction rolls back';
  return new StorageError(`${where}: write refused, nothing was written: ${why}`, {
    model: about?.modelName,
    table: about?.tableName,
    cause: earlier,
  });
}

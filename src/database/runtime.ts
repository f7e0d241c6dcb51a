import type { Dexie, Transaction } from 'dexie';
import { Dexie as DexieClass } from 'dexie';
import type { Observable } from 'rxjs';
import { DatabaseClosedError, SchemaError } from '../errors.js';
import {
  type LiveComparison,
  type LiveSource,
  liveObservable,
  shareLatest,
} from '../live/live-observable.js';
import { SharedObservables } from '../live/shared-observables.js';
import {
  bindModels,
  type DatabaseRuntime,
  type ModelContext,
  type Row,
  servesItsModels,
} from '../model/context.js';
import type { KeyType, ModelClass } from '../model/model-class.js';
import type { Key } from '../model/values.js';
import type { TableDefinition } from './schema.js';
import { translateError } from './translate-error.js';

/** The services one Database gives its models: contexts, transactions, live queries. */
export class Runtime implements DatabaseRuntime {
  readonly dexie: Dexie;
  readonly #contexts = new Map<ModelClass, ModelContext>();
  readonly #models: readonly ModelClass[];
  readonly #shared = new SharedObservables();
  readonly #liveSource: LiveSource;
  /** The transactions opened by `write(..., scope = true)`, which writes inside them join. */
  readonly #scopes = new WeakSet<Transaction>();

  constructor(dexie: Dexie, definitions: ReadonlyMap<ModelClass, TableDefinition>) {
    this.dexie = dexie;
    for (const [model, definition] of definitions) {
      this.#contexts.set(model, {
        modelName: model.name,
        tableName: model.table,
        primaryKey: model.primaryKey,
        // deriveSchema has checked it is one of the KeyType values.
        keyType: model.keyType as KeyType,
        indexes: definition.indexes,
        table: dexie.table<Row, Key>(model.table),
        runtime: this,
      });
    }
    this.#liveSource = {
      onClose: (listener) => {
        dexie.on('close', listener);
        return () => dexie.on('close').unsubscribe(listener);
      },
      isClosed: () => dexie.hasBeenClosed(),
      closedError: () =>
        new DatabaseClosedError(
          `the database "${dexie.name}" was closed or deleted while a live query observed it`,
        ),
      readError: (error) => translateError(error),
    };
    this.#models = [...definitions.keys()];
    bindModels(this, this.#models, DexieClass);
  }

  contextOf(model: ModelClass): ModelContext {
    const context = this.#contexts.get(model);
    if (context) return context;
    throw new SchemaError(
      `${model.name} (table "${String(model.table)}") is not registered with the Database ` +
        `"${this.dexie.name}" used here`,
      { model: model.name, table: model.table },
    );
  }

  /** The tables of every registered model. */
  get tableNames(): string[] {
    return [...this.#contexts.values()].map((context) => context.tableName);
  }

  async write<T>(
    tables: readonly string[],
    fn: () => Promise<T>,
    about?: ModelContext,
    scope = false,
  ): Promise<T> {
    const current = DexieClass.currentTransaction;
    if (
      current &&
      this.#scopes.has(current) &&
      current.active &&
      tables.every((table) => current.storeNames.includes(table))
    ) {
      // Inside a write scope of ours over these tables: join it, since a nested Dexie
      // transaction costs about as much as the write itself. A failure aborts the whole
      // transaction, as a failed nested one does.
      try {
        return await fn();
      } catch (error) {
        current.abort();
        throw translateError(error, about);
      }
    }
    try {
      if (!scope) return await this.dexie.transaction('rw', tables as string[], fn);
      // An async scope function, so that Dexie keeps the transaction across fn's native awaits.
      return await this.dexie.transaction('rw', tables as string[], async (transaction) => {
        this.#scopes.add(transaction);
        return fn();
      });
    } catch (error) {
      throw translateError(error, about);
    }
  }

  readFailed(error: unknown, about: ModelContext): unknown {
    return translateError(error, about);
  }

  live<T>(
    shareKey: string | null,
    query: () => Promise<T>,
    comparison: LiveComparison<NoInfer<T>>,
  ): Observable<T> {
    // Model calls outside a transaction resolve to the newest Database of their class. When a
    // newer one has taken over, a re-run reads inside a transaction of this one to stay on it;
    // otherwise it reads plainly, which lets Dexie serve it from its live-query cache.
    const read = () =>
      servesItsModels(this, this.#models)
        ? query()
        : this.dexie.transaction('r', this.tableNames, query);
    const create = () => liveObservable(read, comparison, this.#liveSource);
    return shareKey === null ? create().pipe(shareLatest()) : this.#shared.get(shareKey, create);
  }

  /** How many distinct shared live queries are running (for tests and diagnostics). */
  get sharedLiveQueries(): number {
    return this.#shared.size;
  }
}

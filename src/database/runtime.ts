import type { Dexie, Transaction } from 'dexie';
import { Dexie as DexieClass } from 'dexie';
import type { Observable } from 'rxjs';
import { DatabaseClosedError, SchemaError, StorageError } from '../errors.js';
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
  /** The tables of every registered model. */
  readonly tableNames: readonly string[];
  readonly #contexts = new Map<ModelClass, ModelContext>();
  readonly #models: readonly ModelClass[];
  readonly #shared = new SharedObservables();
  readonly #liveSource: LiveSource;
  /** The transactions opened by `write(..., scope = true)`, which writes inside them join. */
  readonly #scopes = new WeakSet<Transaction>();
  /** The first failed write of each scope transaction: the scope then rolls back as a whole. */
  readonly #failures = new WeakMap<Transaction, unknown>();

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
    this.tableNames = this.#models.map((model) => model.table);
    bindModels(this, this.#models);
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
      tables.every((table) => current.storeNames.includes(table))
    ) {
      // Inside a write scope of ours over these tables: join it, since a nested Dexie
      // transaction costs about as much as the write itself.
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
    try {
      if (!scope) return await this.dexie.transaction('rw', tables as string[], fn);
      // An async scope function, so that Dexie keeps the transaction across fn's native awaits.
      return await this.dexie.transaction('rw', tables as string[], async (transaction) => {
        this.#scopes.add(transaction);
        const result = await fn();
        // A write inside failed and the caller caught it: what that write did may be partial
        // (a bulk insert, a multi-step relation write), so the whole transaction rolls back.
        if (this.#failures.has(transaction)) throw this.#failures.get(transaction);
        return result;
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
        : this.dexie.transaction('r', this.tableNames as string[], query);
    const create = () => liveObservable(read, comparison, this.#liveSource);
    return shareKey === null ? create().pipe(shareLatest()) : this.#shared.get(shareKey, create);
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

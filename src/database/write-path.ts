import {
  type DBCore,
  type DBCoreMutateRequest,
  type DBCoreMutateResponse,
  type DBCoreTable,
  type DBCoreTransaction,
  Dexie,
  type Middleware,
} from 'dexie';

/** One write about to be applied to a table, as every rule on the write path sees it. */
export interface PendingWrite {
  readonly table: string;
  /** `'delete'` also stands for a range delete (`Table.clear()`), resolved to its keys. */
  readonly type: 'add' | 'put' | 'delete';
  /** The primary keys written or deleted, where known (an auto-increment add has none yet). */
  readonly keys: readonly unknown[] | undefined;
  /** The records an add or put stores. */
  readonly values: readonly unknown[] | undefined;
  /** The IndexedDB transaction the write runs in: every rule's own writes join it. */
  readonly trans: DBCoreTransaction;
}

/** What a rule may do in the write's transaction: read, and write through the write path again. */
export interface WriteAccess {
  /** The table `name` below the write path, for reads. */
  table(name: string): DBCoreTable;
  /** Applies `request` to table `name` through the write path, so its rules run in turn. */
  mutate(name: string, request: DBCoreMutateRequest): Promise<DBCoreMutateResponse>;
}

/**
 * A rule enforced on every write, inside the write's own transaction, before the write is
 * applied: delete rules and change recording live here. Throwing aborts the whole transaction.
 */
export type WriteRule = (write: PendingWrite, access: WriteAccess) => PromiseLike<void> | void;

/**
 * The one place every write passes: a Dexie DBCore middleware, so that writes made through
 * `db.dexie` meet the same rules as dexorm's own. `rules()` is read at each write, so that
 * rules can be added after the Database is built.
 */
export function writePath(rules: () => readonly WriteRule[]): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'dexorm-write-path',
    create(down: DBCore): Partial<DBCore> {
      const tables = new Map<string, DBCoreTable>();
      const access: WriteAccess = {
        table: (name) => down.table(name),
        mutate: (name, request) => tableOf(name).mutate(request),
      };
      const tableOf = (name: string): DBCoreTable => {
        const existing = tables.get(name);
        if (existing) return existing;
        const table = down.table(name);
        const guarded: DBCoreTable = {
          ...table,
          mutate(request) {
            const active = rules();
            if (active.length === 0) return table.mutate(request);
            // Dexie promises all the way: a native one here would lose Dexie's transaction zone
            // for the caller's code that follows the write, in browsers.
            return Dexie.Promise.resolve(pendingWrite(table, request))
              .then((write) => applyRules(active, write, access))
              .then(() => table.mutate(request));
          },
        };
        tables.set(name, guarded);
        return guarded;
      };
      return { ...down, table: tableOf };
    },
  };
}

function applyRules(
  rules: readonly WriteRule[],
  write: PendingWrite,
  access: WriteAccess,
): PromiseLike<void> {
  let chain: PromiseLike<void> = Dexie.Promise.resolve();
  for (const rule of rules) chain = chain.then(() => rule(write, access));
  return chain;
}

function pendingWrite(table: DBCoreTable, request: DBCoreMutateRequest): PromiseLike<PendingWrite> {
  const base = { table: table.name, trans: request.trans };
  switch (request.type) {
    case 'add':
    case 'put':
      return Dexie.Promise.resolve({
        ...base,
        type: request.type,
        keys: request.keys,
        values: request.values,
      });
    case 'delete':
      return Dexie.Promise.resolve({
        ...base,
        type: 'delete',
        keys: request.keys,
        values: undefined,
      });
    case 'deleteRange':
      return table
        .query({
          trans: request.trans,
          values: false,
          query: { index: table.schema.primaryKey, range: request.range },
        })
        .then(({ result }) => ({ ...base, type: 'delete', keys: result, values: undefined }));
  }
}

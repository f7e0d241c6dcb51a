import {
  type DBCore,
  type DBCoreMutateRequest,
  type DBCoreMutateResponse,
  type DBCoreTable,
  type DBCoreTransaction,
  Dexie,
  type Middleware,
} from 'dexie';
import { compactMutatedParts } from './mutated-ranges.js';

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
  /** True when table `name` is stored (as the connection the write runs on opened). */
  has(name: string): boolean;
  /** The table `name` below the write path, for reads. */
  table(name: string): DBCoreTable;
  /** Applies `request` to table `name` through the write path, so its rules run in turn. */
  mutate(name: string, request: DBCoreMutateRequest): Promise<DBCoreMutateResponse>;
}

/**
 * A rule enforced on the writes to the tables it concerns, inside each write's own transaction,
 * before the write is applied: delete rules and change recording live here. Throwing aborts the
 * whole transaction.
 */
export interface WriteRule {
  /**
   * True when writes to `table` may meet the rule, on a connection that stores the tables
   * `access` has: asked once per table and open, and a write to a table no rule concerns goes
   * straight down.
   */
  concerns(table: string, access: WriteAccess): boolean;
  /** Enforces the rule on `write`, a write to a table it concerns. */
  enforce(write: PendingWrite, access: WriteAccess): PromiseLike<void> | void;
}

/**
 * The one place every write passes: a Dexie DBCore middleware, so that writes made through
 * `db.dexie` meet the same rules as dexorm's own. Writes in transactions that `exempt` names
 * (replication applying what other replicas did) meet no rule: they were enforced where made.
 */
export function writePath(
  rules: readonly WriteRule[],
  exempt: (trans: DBCoreTransaction) => boolean = () => false,
): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'dexorm-write-path',
    create(down: DBCore): Partial<DBCore> {
      const tables = new Map<string, DBCoreTable>();
      const stored = new Set(down.schema.tables.map((table) => table.name));
      const access: WriteAccess = {
        has: (name) => stored.has(name),
        table: (name) => down.table(name),
        mutate: (name, request) => tableOf(name).mutate(request),
      };
      const tableOf = (name: string): DBCoreTable => {
        const existing = tables.get(name);
        if (existing) return existing;
        const table = down.table(name);
        const active = rules.filter((rule) => rule.concerns(name, access));
        const guarded: DBCoreTable = {
          ...table,
          mutate(request) {
            if (active.length === 0 || exempt(request.trans)) return mutateInChunks(table, request);
            // Dexie promises all the way: a native one here would lose Dexie's transaction zone
            // for the caller's code that follows the write, in browsers.
            return Dexie.Promise.resolve(pendingWrite(table, request))
              .then((write) => applyRules(active, write, access))
              .then(() => mutateInChunks(table, request));
          },
        };
        tables.set(name, guarded);
        return guarded;
      };
      return { ...down, table: tableOf };
    },
  };
}

/**
 * Dexie's live-query tracking marks the whole table changed for an add or put of 50 records or
 * more, which would re-run every live query on the table; smaller requests are tracked by key.
 */
const CHUNK = 49;

/**
 * Applies a large add or put as requests of at most {@link CHUNK} records, all issued at once in
 * the same transaction (so it stays atomic), so that live queries re-run only for what changed;
 * then joins the runs of consecutive keys in what the transaction is tracked as having changed.
 */
function mutateInChunks(
  table: DBCoreTable,
  request: DBCoreMutateRequest,
): Promise<DBCoreMutateResponse> {
  if (request.type !== 'add' && request.type !== 'put') return table.mutate(request);
  if (request.values.length <= CHUNK) return table.mutate(request);
  // An upgrade (a migration) runs before any live query of the database can read: nothing to
  // keep precise, and compacting after each of its many bulk writes would cost the most there.
  if ((request.trans as { mode?: string }).mode === 'versionchange') return table.mutate(request);
  if (request.type === 'put' && (request.criteria || request.changeSpec || request.updates)) {
    return table.mutate(request);
  }
  const parts: Promise<DBCoreMutateResponse>[] = [];
  for (let start = 0; start < request.values.length; start += CHUNK) {
    const end = start + CHUNK;
    parts.push(
      table.mutate({
        ...request,
        values: request.values.slice(start, end),
        ...(request.keys ? { keys: request.keys.slice(start, end) } : {}),
      }),
    );
  }
  return Dexie.Promise.all(parts).then((responses) => {
    compactMutatedParts(request.trans, table.name);
    const response: DBCoreMutateResponse = {
      numFailures: 0,
      failures: {},
      results: [],
      lastResult: undefined,
    };
    responses.forEach((part, i) => {
      for (const [index, failure] of Object.entries(part.failures)) {
        response.failures[Number(index) + i * CHUNK] = failure;
      }
      response.numFailures += part.numFailures;
      response.results?.push(...(part.results ?? []));
      response.lastResult = part.lastResult;
    });
    return response;
  }) as Promise<DBCoreMutateResponse>;
}

function applyRules(
  rules: readonly WriteRule[],
  write: PendingWrite,
  access: WriteAccess,
): PromiseLike<void> {
  let chain: PromiseLike<void> = Dexie.Promise.resolve();
  for (const rule of rules) chain = chain.then(() => rule.enforce(write, access));
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

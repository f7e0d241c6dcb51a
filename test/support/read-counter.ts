import type { DBCore, DBCoreCursor, DBCoreTable, DBCoreTransaction, Dexie } from 'dexie';

/** The DBCore table methods that read. */
export type ReadMethod = 'get' | 'getMany' | 'query' | 'openCursor' | 'count';

/** One read as the DBCore layer saw it. */
export interface ReadRecord {
  readonly table: string;
  readonly method: ReadMethod;
  /** The mode of the transaction the read ran in: live queries read in `readonly` ones. */
  readonly mode: string;
}

/** Counts what reaches Dexie's DBCore layer: reads, mutations and new transactions. */
export interface ReadCounter {
  /** Every read since the last reset, in order. */
  readonly reads: readonly ReadRecord[];
  /** Reads since the last reset, optionally only those of one table and/or transaction mode. */
  count(filter?: { table?: string; mode?: 'readonly' | 'readwrite' }): number;
  /** Reads per table since the last reset, e.g. `{ users: 1, profiles: 1 }`. */
  byTable(): Record<string, number>;
  /**
   * Records read since the last reset (optionally of one table): each record a `get`, `getMany`
   * or `query` returned with its value, and each record a cursor stepped onto.
   */
  records(table?: string): number;
  /** Mutate calls (add, put, delete) per table since the last reset. */
  readonly writes: Readonly<Record<string, number>>;
  /**
   * IndexedDB read requests since the last reset, per table: one per key of a `getMany` (Dexie
   * turns `bulkGet` into a request per key), one per `get`, query, count or cursor.
   */
  readonly readRequests: Readonly<Record<string, number>>;
  /**
   * IndexedDB write requests since the last reset, per table: one per record of a put or key of
   * a delete, one per range delete.
   */
  readonly writeRequests: Readonly<Record<string, number>>;
  /** DBCore transactions started since the last reset, by mode. */
  readonly transactions: Readonly<Record<string, number>>;
  /** Forgets everything counted so far. */
  reset(): void;
}

const READ_METHODS: readonly ReadMethod[] = ['get', 'getMany', 'query', 'openCursor', 'count'];

/**
 * Installs a DBCore middleware on `dexie` that counts reads, writes and transactions. It must be
 * installed before the database opens, because Dexie builds its middleware stack on open.
 * It sits above Dexie's own cache and observability layers, so it sees every call dexorm makes,
 * including those a live-query cache would answer.
 */
export function installReadCounter(
  dexie: Dexie,
  options: {
    /**
     * Where in Dexie's middleware stack to count: by default above dexorm's own middlewares
     * (level 10, installed after them); 3 also counts what the write path's rules read below it.
     */
    level?: number;
  } = {},
): ReadCounter {
  let reads: ReadRecord[] = [];
  let records: Record<string, number> = {};
  let writes: Record<string, number> = {};
  let readRequests: Record<string, number> = {};
  let writeRequests: Record<string, number> = {};
  let transactions: Record<string, number> = {};

  const modeOf = (trans: DBCoreTransaction): string =>
    (trans as DBCoreTransaction & { mode?: string }).mode ?? 'unknown';

  dexie.use({
    stack: 'dbcore',
    name: 'dexorm-test-read-counter',
    ...(options.level === undefined ? {} : { level: options.level }),
    create(down: DBCore): Partial<DBCore> {
      return {
        ...down,
        transaction(stores, mode, options) {
          transactions[mode] = (transactions[mode] ?? 0) + 1;
          return down.transaction(stores, mode, options);
        },
        table(name: string): DBCoreTable {
          const table = down.table(name);
          const counted: DBCoreTable = {
            ...table,
            mutate(request) {
              writes[name] = (writes[name] ?? 0) + 1;
              issued(
                writeRequests,
                request.type === 'deleteRange'
                  ? 1
                  : request.type === 'delete'
                    ? request.keys.length
                    : request.values.length,
              );
              return table.mutate(request);
            },
          };
          const issued = (tally: Record<string, number>, count: number) => {
            tally[name] = (tally[name] ?? 0) + count;
          };
          const tally = (count: number) => {
            records[name] = (records[name] ?? 0) + count;
          };
          // In place: in Chromium the cursor is the native IDBCursor, whose getters refuse any
          // other receiver (an object made with Object.create(cursor) among them).
          const stepCounted = (cursor: DBCoreCursor | null): DBCoreCursor | null => {
            if (!cursor) return cursor;
            const start = cursor.start;
            Object.defineProperty(cursor, 'start', {
              configurable: true,
              writable: true,
              value: (onNext: () => void) =>
                start.call(cursor, () => {
                  tally(1);
                  onNext();
                }),
            });
            return cursor;
          };
          for (const method of READ_METHODS) {
            const original = table[method].bind(table) as (request: {
              trans: DBCoreTransaction;
            }) => Promise<unknown>;
            (counted as unknown as Record<ReadMethod, typeof original>)[method] = (request) => {
              reads.push({ table: name, method, mode: modeOf(request.trans) });
              issued(
                readRequests,
                method === 'getMany' ? (request as unknown as { keys: unknown[] }).keys.length : 1,
              );
              const values = (request as { values?: boolean }).values;
              return original(request).then((result) => {
                if (method === 'get') tally(result === undefined ? 0 : 1);
                else if (method === 'getMany') {
                  tally((result as unknown[]).filter((row) => row !== undefined).length);
                } else if (method === 'query' && values) {
                  tally((result as { result: unknown[] }).result.length);
                } else if (method === 'openCursor' && values !== false) {
                  return stepCounted(result as DBCoreCursor | null);
                }
                return result;
              });
            };
          }
          return counted;
        },
      };
    },
  });

  return {
    get reads() {
      return reads;
    },
    count(filter = {}) {
      return reads.filter(
        (read) =>
          (filter.table === undefined || read.table === filter.table) &&
          (filter.mode === undefined || read.mode === filter.mode),
      ).length;
    },
    records(table) {
      if (table !== undefined) return records[table] ?? 0;
      return Object.values(records).reduce((sum, count) => sum + count, 0);
    },
    byTable() {
      const tally: Record<string, number> = {};
      for (const read of reads) tally[read.table] = (tally[read.table] ?? 0) + 1;
      return tally;
    },
    get writes() {
      return writes;
    },
    get readRequests() {
      return readRequests;
    },
    get writeRequests() {
      return writeRequests;
    },
    get transactions() {
      return transactions;
    },
    reset() {
      reads = [];
      records = {};
      writes = {};
      readRequests = {};
      writeRequests = {};
      transactions = {};
    },
  };
}

import type { DBCore, DBCoreTable, DBCoreTransaction, Dexie } from 'dexie';

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
  /** Mutate calls (add, put, delete) per table since the last reset. */
  readonly writes: Readonly<Record<string, number>>;
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
export function installReadCounter(dexie: Dexie): ReadCounter {
  let reads: ReadRecord[] = [];
  let writes: Record<string, number> = {};
  let transactions: Record<string, number> = {};

  const modeOf = (trans: DBCoreTransaction): string =>
    (trans as DBCoreTransaction & { mode?: string }).mode ?? 'unknown';

  dexie.use({
    stack: 'dbcore',
    name: 'dexorm-test-read-counter',
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
              return table.mutate(request);
            },
          };
          for (const method of READ_METHODS) {
            const original = table[method].bind(table) as (request: {
              trans: DBCoreTransaction;
            }) => Promise<unknown>;
            (counted as unknown as Record<ReadMethod, typeof original>)[method] = (request) => {
              reads.push({ table: name, method, mode: modeOf(request.trans) });
              return original(request);
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
    byTable() {
      const tally: Record<string, number> = {};
      for (const read of reads) tally[read.table] = (tally[read.table] ?? 0) + 1;
      return tally;
    },
    get writes() {
      return writes;
    },
    get transactions() {
      return transactions;
    },
    reset() {
      reads = [];
      writes = {};
      transactions = {};
    },
  };
}

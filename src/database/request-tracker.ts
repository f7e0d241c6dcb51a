import type { DBCore, DBCoreCursor, DBCoreTable, Middleware } from 'dexie';

const READS = ['get', 'getMany', 'query', 'count'] as const;

/**
 * Counts the requests under way in each IndexedDB transaction, as Dexie's DBCore layer issues
 * them (an open cursor counts until it stops). A transaction function that has no request under
 * way and is still running is waiting for something other than the database: IndexedDB commits
 * its transaction meanwhile.
 */
export class RequestTracker {
  readonly #pending = new WeakMap<object, number>();
  /** The transactions being counted; requests of others pass untouched, at no cost. */
  readonly #watched = new WeakSet<object>();

  /** Starts counting the requests of the DBCore transaction `trans`. */
  watch(trans: object): void {
    this.#watched.add(trans);
  }

  /** The requests under way in the DBCore transaction `trans`. */
  pending(trans: object): number {
    return this.#pending.get(trans) ?? 0;
  }

  /** The DBCore middleware that does the counting. */
  middleware(): Middleware<DBCore> {
    return {
      stack: 'dbcore',
      name: 'dexorm-request-tracker',
      // At the top of the stack, where a request's transaction is the one Dexie names `idbtrans`.
      level: 100,
      create: (down: DBCore): Partial<DBCore> => ({
        ...down,
        table: (name) => this.#tracked(down.table(name)),
      }),
    };
  }

  #tracked(table: DBCoreTable): DBCoreTable {
    const tracked: DBCoreTable = { ...table };
    const track = <T>(trans: object, request: Promise<T>): Promise<T> => {
      if (!this.#watched.has(trans)) return request;
      this.#change(trans, 1);
      const done = () => this.#change(trans, -1);
      request.then(done, done);
      return request;
    };
    for (const method of READS) {
      const read = table[method].bind(table) as (request: { trans: object }) => Promise<unknown>;
      (tracked as unknown as Record<string, typeof read>)[method] = (request) =>
        track(request.trans, read(request));
    }
    tracked.mutate = (request) => track(request.trans, table.mutate(request));
    tracked.openCursor = (request) => {
      if (!this.#watched.has(request.trans)) return table.openCursor(request);
      this.#change(request.trans, 1);
      return table.openCursor(request).then(
        (cursor) =>
          cursor ? this.#untilStopped(cursor, request.trans) : this.#closed(request.trans),
        (error: unknown) => {
          this.#change(request.trans, -1);
          throw error;
        },
      );
    };
    return tracked;
  }

  #untilStopped(cursor: DBCoreCursor, trans: object): DBCoreCursor {
    return new Proxy(cursor, {
      get: (target, property) => {
        if (property === 'start') {
          return (onNext: () => void) => {
            const iteration = target.start(onNext);
            const done = () => this.#change(trans, -1);
            iteration.then(done, done);
            return iteration;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  #closed(trans: object): null {
    this.#change(trans, -1);
    return null;
  }

  #change(trans: object, by: number): void {
    this.#pending.set(trans, (this.#pending.get(trans) ?? 0) + by);
  }
}

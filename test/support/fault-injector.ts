import type { DBCore, DBCoreMutateRequest, DBCoreMutateResponse, Middleware } from 'dexie';
import type { Database } from '../../src/index.js';

/** The kinds of failure the injector can raise, each shaped as IndexedDB raises it. */
export type FaultKind = 'quota' | 'unknown' | 'constraint';

/** Builds the error a faulted write rejects with: a DOMException named as IndexedDB names it. */
export function makeFault(kind: FaultKind): DOMException {
  switch (kind) {
    case 'quota':
      return new DOMException('injected: the quota has been exceeded', 'QuotaExceededError');
    case 'unknown':
      return new DOMException('injected: the backing store failed', 'UnknownError');
    case 'constraint':
      return new DOMException('injected: a constraint was not satisfied', 'ConstraintError');
  }
}

/**
 * Makes the Nth mutate request (add, put, delete, deleteRange) reaching IndexedDB fail, counted
 * from the moment `arm()` is called. Installed as the lowest DBCore middleware, closest to the
 * engine, so that every Dexie layer above it (hooks, live-query tracking, caches) handles the
 * failure as it would handle a real one.
 */
export class FaultInjector {
  #failAt = 0;
  #seen = 0;
  #kind: FaultKind = 'quota';
  /** The error thrown by the last injected fault. */
  lastFault: DOMException | undefined;
  /** How many mutate requests reached the engine since the last `arm()` (failed one included). */
  get mutations(): number {
    return this.#seen;
  }

  /** Installs the middleware on `db`; must happen before the database opens. */
  install(db: Database): this {
    if (db.isOpen()) throw new Error('install the fault injector before the database opens');
    const middleware: Middleware<DBCore> = {
      stack: 'dbcore',
      name: 'test-fault-injector',
      // Below Dexie's own middlewares (the lowest is -1): nearest to IndexedDB.
      level: -100,
      create: (down) => ({
        ...down,
        table: (name) => {
          const table = down.table(name);
          return {
            ...table,
            mutate: (request: DBCoreMutateRequest): Promise<DBCoreMutateResponse> => {
              const fault = this.#next();
              return fault ? Promise.reject(fault) : table.mutate(request);
            },
          };
        },
      }),
    };
    db.dexie.use(middleware);
    return this;
  }

  /** Fails the `n`th mutate request from now (1-based) with a fault of `kind`. */
  arm(n: number, kind: FaultKind = 'quota'): void {
    this.#failAt = n;
    this.#seen = 0;
    this.#kind = kind;
    this.lastFault = undefined;
  }

  /** Lets every write through again. */
  disarm(): void {
    this.#failAt = 0;
  }

  /** True once the armed fault has been raised. */
  get fired(): boolean {
    return this.lastFault !== undefined;
  }

  #next(): DOMException | undefined {
    if (this.#failAt === 0) return undefined;
    this.#seen += 1;
    if (this.#seen !== this.#failAt) return undefined;
    this.lastFault = makeFault(this.#kind);
    return this.lastFault;
  }
}

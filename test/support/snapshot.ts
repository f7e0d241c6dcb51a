import type { Observable } from 'rxjs';
import type { Database } from '../../src/index.js';

/** Every stored row of every table, keyed by table name, in primary key order. */
export type StoredState = Record<string, unknown[]>;

/** Reads every table straight through Dexie (not through models), for before/after comparisons. */
export async function snapshotTables(db: Database): Promise<StoredState> {
  const state: StoredState = {};
  for (const table of db.dexie.tables) {
    state[table.name] = await table.toArray();
  }
  return state;
}

/** Own property names of the prototypes bad input could reach, to prove none was polluted. */
export function prototypeFingerprint(...prototypes: object[]): string[][] {
  return [Object.prototype, ...prototypes].map((prototype) =>
    Reflect.ownKeys(prototype).map(String).sort(),
  );
}

/** The values an Observable emitted, and how it ended, kept for assertions. */
export interface Recording<T> {
  readonly values: T[];
  readonly error: unknown;
  readonly completed: boolean;
  /** Resolves with the first recorded value (past or future) that satisfies `test`. */
  waitFor(test: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves with the latest value once it satisfies `test` (waiting for later emissions). */
  waitForLatest(test: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves with the error the Observable ends with; rejects if it does not error in time. */
  waitForError(timeoutMs?: number): Promise<unknown>;
  unsubscribe(): void;
}

/** Subscribes to `source` and records everything it does until `unsubscribe()`. */
export function record<T>(source: Observable<T>): Recording<T> {
  const values: T[] = [];
  let error: unknown;
  let errored = false;
  let completed = false;
  let wake: () => void = () => {};
  const changed = () => wake();
  const subscription = source.subscribe({
    next: (value) => {
      values.push(value);
      changed();
    },
    error: (reason) => {
      error = reason;
      errored = true;
      changed();
    },
    complete: () => {
      completed = true;
      changed();
    },
  });
  const until = async <R>(
    check: () => { done: true; value: R } | undefined,
    what: string,
    timeoutMs: number,
  ): Promise<R> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = check();
      if (result) return result.value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return {
    values,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    waitFor: (test, timeoutMs = 3000) =>
      until(
        () => {
          const index = values.findIndex(test);
          if (index >= 0) return { done: true, value: values[index] as T };
          if (errored) throw new Error('the observable errored instead', { cause: error });
          return undefined;
        },
        'a matching emission',
        timeoutMs,
      ),
    waitForLatest: (test, timeoutMs = 3000) =>
      until(
        () => {
          if (errored) throw new Error('the observable errored', { cause: error });
          const latest = values.at(-1);
          return values.length > 0 && test(latest as T)
            ? { done: true, value: latest as T }
            : undefined;
        },
        'a matching latest emission',
        timeoutMs,
      ),
    waitForError: (timeoutMs = 3000) =>
      until(() => (errored ? { done: true, value: error } : undefined), 'an error', timeoutMs),
    unsubscribe: () => subscription.unsubscribe(),
  };
}

/** Gives pending IndexedDB events and live-query re-runs time to arrive. */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

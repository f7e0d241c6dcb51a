import type { Observable, Subscription } from 'rxjs';

/** How long a helper waits for an emission before failing the test with what it saw. */
export const EMISSION_TIMEOUT_MS = 4000;

/** What a subscription to an Observable has seen so far, with ways to wait for more. */
export interface Recording<T> {
  /** Every value emitted, in order. */
  readonly values: readonly T[];
  /** The error the Observable ended with, if it did. */
  readonly error: unknown;
  readonly completed: boolean;
  /** Resolves to the `n`th value (1-based) once it has been emitted; rejects on error or timeout. */
  nth(n: number, timeoutMs?: number): Promise<T>;
  /** Resolves to the value after the ones emitted so far. */
  next(timeoutMs?: number): Promise<T>;
  /** Resolves to the error the Observable ends with; rejects if it emits nothing but times out. */
  failure(timeoutMs?: number): Promise<unknown>;
  unsubscribe(): void;
}

interface Waiter {
  check(): boolean;
}

/** Subscribes to `observable` and records everything it emits. */
export function record<T>(observable: Observable<T>): Recording<T> {
  const values: T[] = [];
  let error: unknown;
  let failed = false;
  let completed = false;
  const waiters = new Set<Waiter>();
  const wake = () => {
    for (const waiter of [...waiters]) if (waiter.check()) waiters.delete(waiter);
  };

  const wait = <R>(
    describeWait: string,
    settle: (resolve: (value: R) => void, reject: (reason: unknown) => void) => boolean,
    timeoutMs: number,
  ): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        check: () => {
          const done = settle(
            (value) => {
              clearTimeout(timer);
              resolve(value);
            },
            (reason) => {
              clearTimeout(timer);
              reject(reason);
            },
          );
          return done;
        },
      };
      if (waiter.check()) return;
      waiters.add(waiter);
      timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${describeWait}; ` +
              `saw ${values.length} value(s): ${safeJson(values)}`,
          ),
        );
      }, timeoutMs);
    });

  const subscription: Subscription = observable.subscribe({
    next(value) {
      values.push(value);
      wake();
    },
    error(reason: unknown) {
      error = reason;
      failed = true;
      wake();
    },
    complete() {
      completed = true;
      wake();
    },
  });

  const nth = (n: number, timeoutMs = EMISSION_TIMEOUT_MS) =>
    wait<T>(
      `emission #${n}`,
      (resolve, reject) => {
        if (values.length >= n) {
          resolve(values[n - 1] as T);
          return true;
        }
        if (failed || completed) {
          reject(
            failed ? error : new Error(`completed after ${values.length} value(s), wanted #${n}`),
          );
          return true;
        }
        return false;
      },
      timeoutMs,
    );

  return {
    get values() {
      return values;
    },
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    nth,
    next: (timeoutMs) => nth(values.length + 1, timeoutMs),
    failure: (timeoutMs = EMISSION_TIMEOUT_MS) =>
      wait<unknown>(
        'an error',
        (resolve, reject) => {
          if (failed) resolve(error);
          else if (completed) reject(new Error('completed without an error'));
          else return false;
          return true;
        },
        timeoutMs,
      ),
    unsubscribe: () => subscription.unsubscribe(),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

import { Dexie } from 'dexie';

/** One step of {@link dexieSteps}: what it waits for (a promise, or a plain value). */
export type Steps<T> = Generator<unknown, T, unknown>;

/**
 * Runs `body` (a generator that yields what it waits for, as an async function awaits) on Dexie
 * promises only. Code on the write path must not wait on native promises: in browsers, a native
 * promise there loses Dexie's transaction zone, and the caller's code after the write would no
 * longer run inside its transaction.
 */
export function dexieSteps<T>(body: () => Steps<T>): PromiseLike<T> {
  const steps = body();
  const advance = (input: unknown, failed: boolean): PromiseLike<T> => {
    let result: IteratorResult<unknown, T>;
    try {
      result = failed ? steps.throw(input) : steps.next(input);
    } catch (error) {
      return Dexie.Promise.reject(error);
    }
    if (result.done) return Dexie.Promise.resolve(result.value);
    return Dexie.Promise.resolve(result.value).then(
      (value) => advance(value, false),
      (error: unknown) => advance(error, true),
    );
  };
  return advance(undefined, false);
}

/** Waits for all of `promises`, on a Dexie promise. */
export function allOf<T>(promises: readonly PromiseLike<T>[]): PromiseLike<T[]> {
  return Dexie.Promise.all(promises as PromiseLike<T>[]);
}

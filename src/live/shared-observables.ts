import { finalize, type Observable } from 'rxjs';
import { shareLatest } from './live-observable.js';

/**
 * Hands out one shared Observable per key while it has subscribers, so that observers of the
 * same read share one underlying live query; an entry is dropped when its last subscriber leaves.
 */
export class SharedObservables {
  readonly #entries = new Map<string, Observable<unknown>>();

  /** The shared Observable for `key`, made from the cold `create()` when there is none. */
  get<T>(key: string, create: () => Observable<T>): Observable<T> {
    const existing = this.#entries.get(key);
    if (existing) return existing as Observable<T>;
    const shared: Observable<T> = create().pipe(
      finalize(() => {
        if (this.#entries.get(key) === shared) this.#entries.delete(key);
      }),
      shareLatest(),
    );
    this.#entries.set(key, shared);
    return shared;
  }
}

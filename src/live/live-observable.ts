import { liveQuery } from 'dexie';
import { type MonoTypeOperatorFunction, Observable, ReplaySubject, share } from 'rxjs';

/**
 * How a live observable tells whether a new result differs from the last one emitted. The
 * content is captured at emission time, because subscribers may edit what they received.
 */
export interface LiveComparison<T> {
  /** A snapshot of what `value` holds, unaffected by later edits of `value`. */
  contentOf(value: T): unknown;
  /** True when two snapshots hold the same content. */
  sameContent(a: unknown, b: unknown): boolean;
}

/** How a live observable learns that its database is gone. */
export interface LiveSource {
  /** Registers `listener` for the database closing; returns the unregister function. */
  onClose(listener: () => void): () => void;
  /** True when the database was closed or deleted already (no close event will come). */
  isClosed(): boolean;
  /** The error observers receive when the database closes under them. */
  closedError(): Error;
  /** Turns a failed read into the error observers receive. */
  readError(error: unknown): unknown;
}

/**
 * An RxJS Observable of `query`, re-run by Dexie's liveQuery after each committed change to what
 * it read. Emits the first result soon after subscribe, skips results equal to the previous one,
 * errors when the database closes, and stops its live query on unsubscribe. Each subscription
 * runs its own live query: pipe it through {@link shareLatest} to share one.
 */
export function liveObservable<T>(
  query: () => Promise<T>,
  comparison: LiveComparison<T>,
  source: LiveSource,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    // Dexie's liveQuery swallows DatabaseClosedError and waits for a reopen: without this a
    // stream subscribed after close() or delete() would hang.
    if (source.isClosed()) {
      subscriber.error(source.closedError());
      return;
    }
    let previous: { content: unknown } | undefined;
    const subscription = liveQuery(query).subscribe({
      next(value) {
        const content = comparison.contentOf(value);
        if (previous && comparison.sameContent(previous.content, content)) return;
        previous = { content };
        subscriber.next(value);
      },
      error(error: unknown) {
        subscriber.error(source.readError(error));
      },
    });
    const stopListening = source.onClose(() => subscriber.error(source.closedError()));
    return () => {
      stopListening();
      subscription.unsubscribe();
    };
  });
}

/**
 * Shares one subscription to the source among all subscribers, replaying the latest value to
 * late ones; the last unsubscribe tears the source down, and the next subscribe starts it afresh.
 */
export function shareLatest<T>(): MonoTypeOperatorFunction<T> {
  return share({
    connector: () => new ReplaySubject<T>(1),
    resetOnError: true,
    resetOnComplete: true,
    resetOnRefCountZero: true,
  });
}

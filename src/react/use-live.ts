import { useMemo, useRef, useSyncExternalStore } from 'react';
import type { Observable, Subscription } from 'rxjs';

/** What one subscription has seen: nothing yet, its latest value, or its error. */
type Snapshot<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'value'; readonly value: T }
  | { readonly status: 'error'; readonly error: unknown; readonly value: T | undefined };

/** The value a finished subscription left, handed to the one that replaces it. */
type Carried<T> = { readonly value: T } | undefined;

/**
 * One subscription to the Observable a factory returns, as `useSyncExternalStore` reads it.
 * The factory is called when React subscribes, never during render or on the server.
 */
class LiveStore<T> {
  #snapshot: Snapshot<T> = { status: 'loading' };
  readonly #factory: () => Observable<T>;
  /** The last value of the subscription this one replaces, shown until this one has its own. */
  readonly carried: Carried<T>;

  constructor(factory: () => Observable<T>, carried: Carried<T>) {
    this.#factory = factory;
    this.carried = carried;
  }

  /** The latest value this store or the one before it has seen. */
  latest(): Carried<T> {
    const snapshot = this.#snapshot;
    if (snapshot.status === 'value') return { value: snapshot.value };
    if (snapshot.status === 'error' && snapshot.value !== undefined) {
      return { value: snapshot.value };
    }
    return this.carried;
  }

  readonly subscribe = (onChange: () => void): (() => void) => {
    let subscription: Subscription | undefined;
    try {
      subscription = this.#factory().subscribe({
        next: (value) => {
          this.#snapshot = { status: 'value', value };
          onChange();
        },
        error: (error: unknown) => {
          this.#snapshot = { status: 'error', error, value: this.latest()?.value };
          onChange();
        },
      });
    } catch (error) {
      this.#snapshot = { status: 'error', error, value: this.latest()?.value };
      onChange();
    }
    return () => subscription?.unsubscribe();
  };

  readonly getSnapshot = (): Snapshot<T> => this.#snapshot;
}

const SERVER_SNAPSHOT: Snapshot<never> = { status: 'loading' };
const serverSnapshot = () => SERVER_SNAPSHOT;

/** The store for the current `deps`, carrying over the last value of the one before. */
function useLiveStore<T>(
  factory: () => Observable<T>,
  deps: readonly unknown[],
): Snapshot<T> & {
  readonly carried: Carried<T>;
} {
  const current = useRef<LiveStore<T> | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `deps` decide when to re-subscribe, as in useEffect.
  const store = useMemo(() => new LiveStore(factory, current.current?.latest()), deps);
  current.current = store;
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, serverSnapshot);
  return { ...snapshot, carried: store.carried };
}

/**
 * The latest value of a live Observable (`user.profile$`, `Post.query().observe()`), kept up to
 * date while the component is mounted. `factory` is called again when `deps` change (compared as
 * `useEffect` compares them); until the new Observable emits, the previous value is returned.
 * Before the first value it returns `initial`. An error of the stream is thrown during render, to
 * the nearest error boundary. Nothing subscribes during server rendering.
 * @example const profile = useLive(() => user.profile$, [user]);
 */
export function useLive<T>(factory: () => Observable<T>, deps: readonly unknown[]): T | undefined;
export function useLive<T>(factory: () => Observable<T>, deps: readonly unknown[], initial: T): T;
export function useLive<T>(
  factory: () => Observable<T>,
  deps: readonly unknown[],
  initial?: T,
): T | undefined {
  const snapshot = useLiveStore(factory, deps);
  if (snapshot.status === 'error') throw snapshot.error;
  if (snapshot.status === 'value') return snapshot.value;
  return snapshot.carried ? snapshot.carried.value : initial;
}

/** What {@link useLiveState} returns. */
export interface LiveState<T> {
  /** The latest value (the previous subscription's while a new one loads); undefined before any. */
  readonly data: T | undefined;
  /** The stream's own error once it has failed, else null. */
  readonly error: unknown;
  /** True until the current subscription's first value. */
  readonly loading: boolean;
}

/**
 * Like {@link useLive}, but returns `{ data, error, loading }` instead of throwing: `loading`
 * until the current subscription's first value (again after `deps` change, while `data` keeps
 * the previous value), `error` null until the stream fails (then `data` keeps the last value).
 * @example const { data: posts, loading } = useLiveState(() => Post.query().observe(), []);
 */
export function useLiveState<T>(
  factory: () => Observable<T>,
  deps: readonly unknown[],
): LiveState<T> {
  const snapshot = useLiveStore(factory, deps);
  switch (snapshot.status) {
    case 'value':
      return { data: snapshot.value, error: null, loading: false };
    case 'error':
      return { data: snapshot.value, error: snapshot.error, loading: false };
    default:
      return { data: snapshot.carried?.value, error: null, loading: true };
  }
}

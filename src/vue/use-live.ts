import type { Observable, Subscription } from 'rxjs';
import {
  getCurrentInstance,
  onScopeDispose,
  type Ref,
  shallowReadonly,
  shallowRef,
  watch,
} from 'vue';

/**
 * A read-only ref holding the latest value of a live Observable (`user.profile$`,
 * `Post.query().observe()`), `initial` before the first. `factory` runs in a watcher: when
 * reactive state it reads changes, it is called again and the ref follows the new Observable
 * (keeping the previous value until it emits). The subscription ends when the effect scope (the
 * component) is disposed. A stream error keeps the last value and goes to the app's
 * `config.errorHandler` (to the console without one).
 * @example const posts = useLive(() => Post.where('user_id', props.userId).observe(), []);
 */
export function useLive<T>(factory: () => Observable<T>): Readonly<Ref<T | undefined>>;
export function useLive<T>(factory: () => Observable<T>, initial: T): Readonly<Ref<T>>;
export function useLive<T>(
  factory: () => Observable<T>,
  initial?: T,
): Readonly<Ref<T | undefined>> {
  const value = shallowRef<T | undefined>(initial);
  const instance = getCurrentInstance();
  let subscription: Subscription | undefined;
  const report = (error: unknown) => {
    const handler = instance?.appContext.config.errorHandler;
    if (handler) handler(error, instance.proxy, 'dexorm useLive');
    else console.error(error);
  };
  const stop = watch(
    factory,
    (observable) => {
      subscription?.unsubscribe();
      subscription = observable.subscribe({
        next: (next) => {
          value.value = next;
        },
        error: report,
      });
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    stop();
    subscription?.unsubscribe();
  });
  return shallowReadonly(value);
}

import {
  BehaviorSubject,
  distinctUntilChanged,
  from,
  type Observable,
  of,
  shareReplay,
  switchMap,
} from 'rxjs';
import { User } from './models';

function keyFromHash(): number | null {
  const match = /^#user=(\d+)$/.exec(window.location.hash);
  return match ? Number(match[1]) : null;
}

const selectedKey = new BehaviorSubject<number | null>(keyFromHash());

/** The key of the selected user (kept in the address, so a reload or a copied link keeps it). */
export const selectedKey$: Observable<number | null> = selectedKey.pipe(distinctUntilChanged());

/** Selects a user by key, or nobody. */
export function select(key: number | null): void {
  const hash = key === null ? '' : `#user=${key}`;
  if (window.location.hash !== hash) {
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}${hash}`);
  }
  selectedKey.next(key);
}

window.addEventListener('hashchange', () => select(keyFromHash()));

/** The selected user, live: a new value when it is edited, null when none is selected or it is deleted. */
export const selectedUser$: Observable<User | null> = selectedKey$.pipe(
  switchMap((key) =>
    key === null
      ? of(null)
      : from(User.find(key)).pipe(switchMap((user) => (user ? user.observe() : of(null)))),
  ),
  shareReplay({ bufferSize: 1, refCount: true }),
);

/** The selected user, emitting again only when the selection moves to another user. */
export const selectedIdentity$: Observable<User | null> = selectedUser$.pipe(
  distinctUntilChanged((a, b) => a?.id === b?.id),
);

// A selected user deleted (here or in another tab) is no longer selected.
selectedUser$.subscribe((user) => {
  if (user === null && selectedKey.value !== null) select(null);
});

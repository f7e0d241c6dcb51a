/** One call of Dexie's open, as the connection's owner tracks it. */
export interface OpenAttempt {
  /** True once a close() has cancelled it: what its IndexedDB request brings must not open. */
  readonly cancelled: boolean;
}

/** What a Dexie instance hears of the IndexedDB opens of its database, before Dexie does. */
export interface OpenWatcher {
  /** The open under way when an IndexedDB request starts; undefined outside one. */
  attempt: () => OpenAttempt | undefined;
  /** An open reports `database`, as it is about to be upgraded or as it has opened. */
  seen: (database: IDBDatabase) => void;
}

/**
 * `factory`, telling `watcher` of each open of database `name` that upgrades it or succeeds,
 * before whoever opened it hears of it (listeners run in the order they were added). A request
 * whose open a close() cancelled is stopped there: its upgrade is aborted and its connection
 * closed, unseen by Dexie, which would otherwise take it as open while no open() waits for it,
 * and make its next open() wait for ever.
 */
export function watchOpens(factory: IDBFactory, name: string, watcher: OpenWatcher): IDBFactory {
  const watched: Pick<IDBFactory, 'open' | 'deleteDatabase' | 'cmp'> &
    Partial<Pick<IDBFactory, 'databases'>> = {
    open(opened, version) {
      // IndexedDB tells an open with no version from one with an undefined version.
      const request = version === undefined ? factory.open(opened) : factory.open(opened, version);
      if (opened === name) watch(request, watcher);
      return request;
    },
    deleteDatabase: (deleted) => factory.deleteDatabase(deleted),
    cmp: (first, second) => factory.cmp(first, second),
  };
  // Dexie keeps its own list of database names where the factory cannot list them.
  if (typeof factory.databases === 'function') watched.databases = () => factory.databases();
  return watched as IDBFactory;
}

function watch(request: IDBOpenDBRequest, watcher: OpenWatcher): void {
  const attempt = watcher.attempt();
  const cancelled = (event: Event) => {
    if (!attempt?.cancelled) return false;
    event.stopImmediatePropagation();
    return true;
  };
  request.addEventListener('upgradeneeded', (event) => {
    if (cancelled(event)) request.transaction?.abort();
    else watcher.seen(request.result);
  });
  request.addEventListener('success', (event) => {
    if (cancelled(event)) request.result.close();
    else watcher.seen(request.result);
  });
  request.addEventListener('error', (event) => {
    if (cancelled(event)) event.preventDefault();
  });
}

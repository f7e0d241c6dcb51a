import { BehaviorSubject, type Observable } from 'rxjs';
import type { CouchClient } from './couch-client.js';
import { Exchange } from './exchange.js';
import type { LocalReplica } from './local-replica.js';
import type { ReplicationConflict, ReplicationStatus } from './replication-status.js';
import { SyncError } from './sync-error.js';
import type { RejectedDocument } from './sync-store.js';
import type { StoredConflict } from './sync-tables.js';

/** How one replication runs (the options of `replicate` that reach the loop). */
export interface ReplicationSettings {
  /** Keep replicating after the first round. */
  readonly live: boolean;
  /** The most documents per request. */
  readonly batchSize: number;
}

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 10_000;

/**
 * A running replication of a Database with one CouchDB database: pushes the outbox, pulls
 * changes, and (when live) waits for either side to change again. Made by `replicate()`.
 */
export class Replication {
  readonly #local: LocalReplica;
  /** The local tables prepared (created the first time): what reads them waits for it. */
  readonly #prepared: Promise<void>;
  readonly #exchange: Exchange;
  readonly #settings: ReplicationSettings;
  readonly #status = new BehaviorSubject<ReplicationStatus>({ state: 'connecting', pending: 0 });
  readonly #stopController = new AbortController();
  #stopped = false;
  /** Resumes a replication waiting in `'unauthorized'`. */
  #resume: (() => void) | undefined;
  #finished = false;
  #fatal: SyncError | undefined;
  #roundsStarted = 0;
  #roundsDone = 0;
  #waiters: Array<{ round: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Wakes the loop when it waits for changes (a local change, or a `whenSynced()` call). */
  #wake: (() => void) | undefined;
  #wakeRequested = false;
  /** Stops watching the outbox, which starts once the local tables are prepared. */
  #unwatch: () => void = () => undefined;

  /** @internal Made by `replicate()`. */
  constructor(client: CouchClient, local: LocalReplica, settings: ReplicationSettings) {
    this.#local = local;
    this.#settings = settings;
    this.#exchange = new Exchange(
      client,
      local,
      settings.batchSize,
      this.#stopController.signal,
      () => this.#publish({ state: 'active' }),
    );
    this.#prepared = local.start();
    void this.#run();
  }

  /** Publishes the number of pending changes, now and as it changes; a new one wakes the loop. */
  #watchPending(): void {
    let previous = 0;
    this.#unwatch = this.#local.watchPending(
      (pending) => {
        this.#publish({ pending });
        if (pending > previous) this.#requestRound();
        previous = pending;
      },
      (error) =>
        this.#fail(new SyncError('replication: the outbox cannot be read', undefined, error)),
    );
  }

  /**
   * The replication's state and the number of local changes not yet acknowledged; emits the
   * current status on subscription.
   */
  get status$(): Observable<ReplicationStatus> {
    return this.#status.asObservable();
  }

  /**
   * Resolves when every local change made before the call has been pushed and every server
   * change up to now has been pulled. Waits through `'offline'`.
   * @throws SyncError on `'error'` or when the replication is stopped first.
   */
  whenSynced(): Promise<void> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#finished) return Promise.resolve();
    if (this.#stopped) return Promise.reject(stoppedError());
    return new Promise((resolve, reject) => {
      this.#waiters.push({ round: this.#roundsStarted + 1, resolve, reject });
      this.#requestRound();
    });
  }

  /** Stops pulling and pushing; local changes keep being recorded, for the next `replicate`. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopController.abort();
    this.#unwatch();
    this.#wake?.();
    const error = stoppedError();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#status.complete();
  }

  /**
   * The server documents this replica could not read (missing fields, wrong types, a key
   * IndexedDB cannot store, a table it does not replicate), each with why: they were set aside
   * and the pull went on past them. A later readable version of one clears it.
   */
  async rejected(): Promise<RejectedDocument[]> {
    await this.#prepared.catch(() => undefined);
    return this.#local.rejected();
  }

  /**
   * The versions set aside by unique-index collisions (the record as it was before the change),
   * those met here and those other replicas met.
   */
  async conflicts(): Promise<ReplicationConflict[]> {
    await this.#prepared.catch(() => undefined);
    const stored: StoredConflict[] = await this.#local.conflicts();
    return stored.map(({ table, key, field, version }) => ({ table, key, field, version }));
  }

  async #run(): Promise<void> {
    let retry = FIRST_RETRY_MS;
    try {
      await this.#prepared;
    } catch (error) {
      this.#fail(
        new SyncError('replication: the local tables cannot be prepared', undefined, error),
      );
      return;
    }
    if (this.#stopped) return;
    this.#watchPending();
    let connected = false;
    while (!this.#stopped) {
      try {
        if (!connected) {
          await this.#exchange.connect();
          connected = true;
        }
        this.#roundsStarted += 1;
        const round = this.#roundsStarted;
        this.#wakeRequested = false;
        await this.#exchange.pushAll();
        await this.#exchange.pullAll();
        retry = FIRST_RETRY_MS;
        this.#roundsDone = round;
        this.#settleWaiters();
        if (!this.#settings.live) {
          this.#finish();
          return;
        }
        this.#publish({ state: 'idle' });
        if (!this.#wakeRequested) {
          const woken = new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          await this.#exchange.waitForChanges(woken).finally(() => {
            this.#wake = undefined;
          });
        }
      } catch (error) {
        if (this.#stopped) return;
        if (error instanceof SyncError && (error.status === 401 || error.status === 403)) {
          // New credentials need a person (or a token refresh): wait for restart().
          this.#publish({ state: 'unauthorized', error });
          await this.#untilRestarted();
          if (this.#stopped) return;
          this.#publish({ state: 'connecting' });
          retry = FIRST_RETRY_MS;
          connected = false;
          continue;
        }
        if (error instanceof SyncError) {
          this.#fail(error);
          return;
        }
        this.#publish({ state: 'offline', error });
        await this.#sleep(retry);
        retry = Math.min(retry * 2, LAST_RETRY_MS);
        connected = false;
      }
    }
  }

  /**
   * Tries again after `'unauthorized'` (401 or 403), once the credentials are mended (a headers
   * function that now returns a fresh token, new headers on the server); `whenSynced()` keeps
   * waiting meanwhile. Does nothing in any other state.
   */
  restart(): void {
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  #untilRestarted(): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#stopController.signal;
      const done = () => {
        signal.removeEventListener('abort', done);
        this.#resume = undefined;
        resolve();
      };
      this.#resume = done;
      signal.addEventListener('abort', done);
    });
  }

  #requestRound(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /**
   * Waits between half of `ms` and `ms` before a retry; a browser coming back online, or
   * `stop()`, ends it early.
   */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#stopController.signal;
      const events = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        events?.removeEventListener('online', done);
        resolve();
      };
      // Full jitter over the upper half: replicas that failed together do not retry together.
      const timer = setTimeout(done, ms / 2 + Math.random() * (ms / 2));
      signal.addEventListener('abort', done);
      events?.addEventListener('online', done);
    });
  }

  #settleWaiters(): void {
    const ready = this.#waiters.filter((waiter) => waiter.round <= this.#roundsDone);
    this.#waiters = this.#waiters.filter((waiter) => waiter.round > this.#roundsDone);
    for (const waiter of ready) waiter.resolve();
  }

  #finish(): void {
    this.#finished = true;
    this.#publish({ state: 'idle' });
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.stop();
  }

  #fail(error: SyncError): void {
    if (this.#stopped) return;
    this.#fatal = error;
    this.#publish({ state: 'error', error });
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#stopped = true;
    this.#stopController.abort();
    this.#unwatch();
  }

  #publish(change: Partial<ReplicationStatus>): void {
    if (this.#status.closed || this.#stopped) return;
    const previous = this.#status.getValue();
    const next: ReplicationStatus = {
      state: change.state ?? previous.state,
      pending: change.pending ?? previous.pending,
      ...('error' in change && change.error !== undefined
        ? { error: change.error }
        : change.state === undefined && previous.error !== undefined
          ? { error: previous.error }
          : {}),
    };
    if (
      next.state === previous.state &&
      next.pending === previous.pending &&
      next.error === previous.error
    ) {
      return;
    }
    this.#status.next(next);
  }
}

function stoppedError(): SyncError {
  return new SyncError('replication: stopped before it was in sync');
}

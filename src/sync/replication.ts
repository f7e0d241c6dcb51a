import { BehaviorSubject, type Observable } from 'rxjs';
import { randomUuid } from '../core/uuid.js';
import type { StoredConflict } from '../database/change-log.js';
import type { CouchClient } from './couch-client.js';
import {
  isRecordDocument,
  type RecordDocument,
  recordDocument,
  type ServerDocument,
  stateOf,
} from './documents.js';
import type { LocalReplica, OutgoingDocument } from './local-replica.js';
import { mergeStates } from './record-state.js';
import { SyncError } from './sync-error.js';

/** What a replication is doing; see {@link Replication.status$}. */
export type ReplicationState = 'connecting' | 'active' | 'idle' | 'offline' | 'error';

/** One emission of {@link Replication.status$}. */
export interface ReplicationStatus {
  /** What the replication is doing now. */
  readonly state: ReplicationState;
  /** Local changes the server has not acknowledged yet. */
  readonly pending: number;
  /** Why the state is `'error'` (a {@link SyncError}), or what keeps it `'offline'`. */
  readonly error?: unknown;
}

/** A version of a record set aside because a merge broke a unique index. */
export interface ReplicationConflict {
  /** The table of the record. */
  readonly table: string;
  /** The record's primary key. */
  readonly key: unknown;
  /** The field (or `a+b` for a compound index) that was set to null. */
  readonly field: string;
  /** The record as it was before that field was set to null. */
  readonly version: Readonly<Record<string, unknown>>;
}

/** How one replication runs (the options of `replicate` that reach the loop). */
export interface ReplicationSettings {
  /** Keep replicating after the first round. */
  readonly live: boolean;
  /** The most documents per request. */
  readonly batchSize: number;
}

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 10_000;
/** How long the server holds a waiting `_changes` request open (CouchDB's own default is 60 s). */
const LONGPOLL_MS = 25_000;

/**
 * A running replication of a Database with one CouchDB database: pushes the outbox, pulls
 * changes, and (when live) waits for either side to change again. Made by `replicate()`.
 */
export class Replication {
  readonly #client: CouchClient;
  readonly #local: LocalReplica;
  readonly #settings: ReplicationSettings;
  readonly #status = new BehaviorSubject<ReplicationStatus>({ state: 'connecting', pending: 0 });
  readonly #stopController = new AbortController();
  #stopped = false;
  #finished = false;
  #fatal: SyncError | undefined;
  #roundsStarted = 0;
  #roundsDone = 0;
  #waiters: Array<{ round: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Wakes the loop when it waits for changes (a local change, or a `whenSynced()` call). */
  #wake: (() => void) | undefined;
  #wakeRequested = false;
  #since: unknown = 0;
  #session = '';
  #serverCheckpointRev: string | undefined;
  readonly #unwatch: () => void;

  /** @internal Made by `replicate()`. */
  constructor(client: CouchClient, local: LocalReplica, settings: ReplicationSettings) {
    this.#client = client;
    this.#local = local;
    this.#settings = settings;
    let previous = 0;
    this.#unwatch = local.watchPending(
      (pending) => {
        this.#publish({ pending });
        if (pending > previous) this.#requestRound();
        previous = pending;
      },
      (error) =>
        this.#fail(new SyncError('replication: the outbox cannot be read', undefined, error)),
    );
    void this.#run();
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
   * The versions set aside by unique-index collisions (the record as it was before the change),
   * those met here and those other replicas met.
   */
  async conflicts(): Promise<ReplicationConflict[]> {
    const stored: StoredConflict[] = await this.#local.conflicts();
    return stored.map(({ table, key, field, version }) => ({ table, key, field, version }));
  }

  async #run(): Promise<void> {
    let retry = FIRST_RETRY_MS;
    try {
      await this.#local.start();
    } catch (error) {
      this.#fail(
        new SyncError('replication: the local tables cannot be prepared', undefined, error),
      );
      return;
    }
    let connected = false;
    while (!this.#stopped) {
      try {
        if (!connected) {
          await this.#client.info(this.#stopController.signal);
          await this.#resumeCheckpoint();
          connected = true;
        }
        this.#roundsStarted += 1;
        const round = this.#roundsStarted;
        this.#wakeRequested = false;
        await this.#pushAll();
        await this.#pullAll();
        retry = FIRST_RETRY_MS;
        this.#roundsDone = round;
        this.#settleWaiters();
        if (!this.#settings.live) {
          this.#finish();
          return;
        }
        this.#publish({ state: 'idle' });
        if (!this.#wakeRequested) await this.#waitForChanges();
      } catch (error) {
        if (this.#stopped) return;
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

  async #pushAll(): Promise<void> {
    for (;;) {
      const batch = await this.#local.nextBatch(this.#settings.batchSize);
      if (batch.length === 0 || this.#stopped) return;
      this.#publish({ state: 'active' });
      await this.#push(batch);
    }
  }

  async #push(batch: readonly OutgoingDocument[]): Promise<void> {
    const results = await this.#client.bulkDocs(
      batch.map(({ document }) => document),
      this.#stopController.signal,
    );
    const byId = new Map(results.map((result) => [result.id, result]));
    const stored: Array<{ entry: OutgoingDocument['entry']; rev?: string }> = [];
    const stale: string[] = [];
    for (const { entry, document } of batch) {
      const id = (document as { _id: string })._id;
      const result = byId.get(id);
      if (result?.ok && result.rev) stored.push({ entry, rev: result.rev });
      else if (result?.error === 'conflict') {
        // A stored conflict is written once and never changed: the server has it already.
        if (isRecordDocument(document as ServerDocument)) stale.push(id);
        else stored.push({ entry });
      } else {
        const reason = result ? `${result.error}: ${result.reason ?? ''}` : 'no answer';
        throw new SyncError(
          `replication: the server refused document "${id}" (${reason})`,
          undefined,
          result,
        );
      }
    }
    await this.#local.acknowledge(stored);
    // Written meanwhile by another replica: merge the server's version in, then push again.
    if (stale.length > 0) await this.#applyWithBranches(await this.#client.current(stale));
  }

  async #pullAll(): Promise<void> {
    for (;;) {
      const page = await this.#client.changes(
        this.#since,
        { limit: this.#settings.batchSize },
        this.#stopController.signal,
      );
      if (page.results.length > 0) {
        this.#publish({ state: 'active' });
        const documents = page.results.flatMap((row) => (row.doc ? [row.doc] : []));
        await this.#applyWithBranches(documents);
      }
      await this.#saveCheckpoint(page.last_seq);
      if (page.results.length < this.#settings.batchSize) return;
    }
  }

  /**
   * Applies server documents; a document with conflicting branches (`_conflicts`) is merged with
   * all of them, and the losing branches are removed from the server.
   */
  async #applyWithBranches(
    documents: ReadonlyArray<ServerDocument & { _rev: string }>,
  ): Promise<void> {
    const branched = documents.filter(
      (document) => isRecordDocument(document) && (document._conflicts?.length ?? 0) > 0,
    ) as Array<RecordDocument & { _rev: string }>;
    if (branched.length === 0) {
      await this.#local.applyRemote(documents);
      return;
    }
    const wanted = branched.flatMap((document) =>
      (document._conflicts ?? []).map((rev) => ({ id: document._id, rev })),
    );
    const losers = await this.#client.revisions(wanted, this.#stopController.signal);
    const resolved = new Map<RecordDocument, RecordDocument>();
    for (const winner of branched) {
      let state = stateOf(winner);
      for (const loser of losers) {
        if (loser._id === winner._id && isRecordDocument(loser)) {
          state = mergeStates(state, stateOf(loser));
        }
      }
      resolved.set(winner, recordDocument(winner.table, winner.key, state, winner._rev));
    }
    await this.#local.applyRemote(
      documents.map((document) => resolved.get(document as RecordDocument) ?? document) as Array<
        ServerDocument & { _rev: string }
      >,
    );
    // The merged version goes on the winning branch, and the losing branches are removed.
    const results = await this.#client.bulkDocs(
      [
        ...resolved.values(),
        ...wanted.map(({ id, rev }) => ({ _id: id, _rev: rev, _deleted: true })),
      ],
      this.#stopController.signal,
    );
    const revisions = [...resolved.values()].flatMap((document) => {
      const result = results.find((each) => each.id === document._id && each.ok);
      return result?.rev ? [{ table: document.table, key: document.key, rev: result.rev }] : [];
    });
    await this.#local.recordRevisions(revisions);
  }

  /** Resumes from the checkpoint both sides agree on, or from the start (merging is idempotent). */
  async #resumeCheckpoint(): Promise<void> {
    const local = await this.#local.checkpoint(this.#client.url);
    const tables = [...this.#local.tables].sort();
    this.#session = local?.session ?? randomUuid();
    // A new session has no checkpoint on the server yet: asking would only log a 404.
    const server = local
      ? await this.#client.getLocal<{ since: unknown }>(
          `dexorm-${this.#session}`,
          this.#stopController.signal,
        )
      : undefined;
    this.#serverCheckpointRev = server?._rev;
    const agreed =
      local !== undefined &&
      server !== undefined &&
      JSON.stringify(server.since) === JSON.stringify(local.since) &&
      JSON.stringify(local.tables) === JSON.stringify(tables);
    this.#since = agreed ? local.since : 0;
  }

  async #saveCheckpoint(since: unknown): Promise<void> {
    if (JSON.stringify(since) === JSON.stringify(this.#since)) return;
    this.#serverCheckpointRev = await this.#client.putLocal(
      `dexorm-${this.#session}`,
      { since, ...(this.#serverCheckpointRev ? { _rev: this.#serverCheckpointRev } : {}) },
      this.#stopController.signal,
    );
    await this.#local.saveCheckpoint({
      id: `checkpoint:${this.#client.url}`,
      session: this.#session,
      since,
      tables: [...this.#local.tables].sort(),
    });
    this.#since = since;
  }

  /** Waits until the server has changes after the checkpoint, or the loop is woken. */
  async #waitForChanges(): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.#stopController.signal.addEventListener('abort', abort);
    const woken = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    try {
      await Promise.race([
        this.#client.changes(
          this.#since,
          { limit: 1, longpoll: LONGPOLL_MS, includeDocs: false },
          controller.signal,
        ),
        woken,
      ]);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      this.#wake = undefined;
      controller.abort();
      this.#stopController.signal.removeEventListener('abort', abort);
    }
  }

  #requestRound(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /** Waits `ms` before a retry; a browser coming back online, or `stop()`, ends it early. */
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
      const timer = setTimeout(done, ms);
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

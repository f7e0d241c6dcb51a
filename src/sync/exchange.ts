import { randomUuid } from '../core/uuid.js';
import type { CouchClient } from './couch-client.js';
import {
  foreignFields,
  isRecordDocument,
  type RecordDocument,
  recordDocument,
  type ServerDocument,
  stateOf,
} from './documents.js';
import type { LocalReplica, OutboxAddress, OutgoingDocument, Stored } from './local-replica.js';
import { mergeStates } from './record-state.js';
import { SyncError } from './sync-error.js';

/** How long the server holds a waiting `_changes` request open (CouchDB's own default is 60 s). */
const LONGPOLL_MS = 25_000;

/**
 * What one replication sends and receives: pushes of the outbox, pulls of `_changes` from the
 * checkpoint on, merges of conflicting branches, and the checkpoint itself.
 */
export class Exchange {
  readonly #client: CouchClient;
  readonly #local: LocalReplica;
  readonly #batchSize: number;
  readonly #signal: AbortSignal;
  readonly #onActive: () => void;
  #since: unknown = 0;
  #session = '';
  #serverCheckpointRev: string | undefined;
  /** Whether documents were pushed since the last pull: their revisions come back in it. */
  #pushed = false;

  constructor(
    client: CouchClient,
    local: LocalReplica,
    batchSize: number,
    signal: AbortSignal,
    onActive: () => void,
  ) {
    this.#client = client;
    this.#local = local;
    this.#batchSize = batchSize;
    this.#signal = signal;
    this.#onActive = onActive;
  }

  /** Reaches the server and resumes from the checkpoint both sides agree on. */
  async connect(): Promise<void> {
    await this.#client.info(this.#signal);
    await this.#resumeCheckpoint();
  }

  /**
   * Pushes the outbox, a batch at a time, until it is empty. A batch that comes back exactly as
   * it went (the server refused it, and merging its answer changed nothing) is retried after the
   * replication's back-off, not at once.
   */
  async pushAll(): Promise<void> {
    let previous = '';
    // What the server stored of each batch is acknowledged with the read of the next one.
    let stored: Stored[] = [];
    // Where the last batch ended; a pass ends at the outbox's end, and the next pass starts from
    // its beginning (entries written behind the bound meanwhile), until one finds nothing.
    let after: OutboxAddress | undefined;
    for (;;) {
      const batch = await this.#local.nextBatch(this.#batchSize, stored, after);
      stored = [];
      if (this.#signal.aborted) return;
      if (batch.length === 0) {
        if (after === undefined) return;
        after = undefined;
        continue;
      }
      const last = batch[batch.length - 1]!.entry;
      after = [last.table, last.key];
      // A merged answer sends the same entries on new revisions: that is progress.
      const identity = JSON.stringify(
        batch.map(({ entry, document }) => [
          entry.table,
          entry.key,
          entry.seq,
          (document as { _rev?: string })._rev,
        ]),
      );
      if (identity === previous) throw new PushStalled(batch.length);
      previous = identity;
      this.#onActive();
      this.#pushed = true;
      stored = await this.#push(batch);
      // Stale documents stay in the outbox, behind the bound: the next pass sends them.
      if (stored.length < batch.length) after = undefined;
    }
  }

  /**
   * Sends a batch; resolves to what the server stored of it, for the next read to acknowledge.
   * A batch with stale documents is acknowledged at once, before their server versions merge.
   */
  async #push(batch: readonly OutgoingDocument[]): Promise<Stored[]> {
    const results = await this.#client.bulkDocs(
      batch.map(({ document }) => document),
      this.#signal,
    );
    const byId = new Map(results.map((result) => [result.id, result]));
    const stored: Stored[] = [];
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
    if (stale.length === 0) return stored;
    await this.#local.acknowledge(stored);
    // Written meanwhile by another replica: merge the server's version in, then push again.
    await this.#applyWithBranches(await this.#client.current(stale));
    return [];
  }

  /**
   * Pulls and merges every server change after the checkpoint; documents whose revision this
   * replica has merged already (those it pushed itself) are skipped. After a push, or a page
   * that was mostly such revisions, the next page asks for revisions only and fetches the
   * documents it lacks, so that a replica does not download back what it just pushed; otherwise
   * a page comes with its documents, in one request.
   */
  async pullAll(): Promise<void> {
    let revisionsOnly = this.#pushed;
    this.#pushed = false;
    for (;;) {
      const page = await this.#client.changes(
        this.#since,
        { limit: this.#batchSize, includeDocs: !revisionsOnly },
        this.#signal,
      );
      if (page.results.length > 0) {
        this.#onActive();
        let fresh: number;
        if (revisionsOnly) {
          const missing = await this.#local.missingRevisions(page.results);
          fresh = missing.length;
          if (missing.length > 0) {
            await this.#applyWithBranches(await this.#client.current(missing, this.#signal));
          }
        } else {
          fresh = await this.#applyWithBranches(
            page.results.flatMap((row) => (row.doc ? [row.doc] : [])),
          );
        }
        revisionsOnly = fresh < page.results.length / 2;
      }
      await this.#saveCheckpoint(page.last_seq);
      if (page.results.length < this.#batchSize) return;
    }
  }

  /**
   * Applies server documents; a document with conflicting branches (`_conflicts`) is merged with
   * all of them, and the losing branches are removed from the server.
   */
  async #applyWithBranches(
    documents: ReadonlyArray<ServerDocument & { _rev: string }>,
  ): Promise<number> {
    const branched = documents.filter(
      (document) => isRecordDocument(document) && (document._conflicts?.length ?? 0) > 0,
    ) as Array<RecordDocument & { _rev: string }>;
    if (branched.length === 0) return this.#local.applyRemote(documents);
    const wanted = branched.flatMap((document) =>
      (document._conflicts ?? []).map((rev) => ({ id: document._id, rev })),
    );
    const losers = await this.#client.revisions(wanted, this.#signal);
    const resolved = new Map<RecordDocument, RecordDocument>();
    for (const winner of branched) {
      let state = stateOf(winner);
      for (const loser of losers) {
        if (loser._id === winner._id && isRecordDocument(loser)) {
          state = mergeStates(state, stateOf(loser));
        }
      }
      const merged = recordDocument(winner.table, winner.key, state, winner._rev);
      resolved.set(winner, { ...foreignFields(winner), ...merged });
    }
    const fresh = await this.#local.applyRemote(
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
      this.#signal,
    );
    const revisions = [...resolved.values()].flatMap((document) => {
      const result = results.find((each) => each.id === document._id && each.ok);
      return result?.rev ? [{ table: document.table, key: document.key, rev: result.rev }] : [];
    });
    await this.#local.recordRevisions(revisions);
    return fresh;
  }

  /** Resumes from the checkpoint both sides agree on, or from the start (merging is idempotent). */
  async #resumeCheckpoint(): Promise<void> {
    const local = await this.#local.checkpoint(this.#client.url);
    const tables = this.#scope();
    this.#session = local?.session ?? randomUuid();
    // A new session has no checkpoint on the server yet: asking would only log a 404.
    const server = local
      ? await this.#client.getLocal<{ since: unknown }>(`dexorm-${this.#session}`, this.#signal)
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
      this.#signal,
    );
    await this.#local.saveCheckpoint({
      id: `checkpoint:${this.#client.url}`,
      session: this.#session,
      since,
      tables: this.#scope(),
    });
    this.#since = since;
  }

  /** What a checkpoint was taken over: the tables, and the filter when there is one. */
  #scope(): string[] {
    const filter = this.#client.filterKey;
    return [
      ...[...this.#local.tables].sort(),
      ...(filter === undefined ? [] : [`filter:${filter}`]),
    ];
  }

  /** Waits until the server has changes after the checkpoint, or until `woken` resolves. */
  async waitForChanges(woken: Promise<void>): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.#signal.addEventListener('abort', abort);
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
      controller.abort();
      this.#signal.removeEventListener('abort', abort);
    }
  }
}

/** A push that made no progress: retried with back-off, as a server that does not answer is. */
class PushStalled extends Error {
  constructor(count: number) {
    super(`replication: the server took none of ${count} pending changes; retrying later`);
    this.name = 'PushStalled';
  }
}

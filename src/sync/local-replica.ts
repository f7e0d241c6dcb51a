import { Dexie, type ObservabilitySet } from 'dexie';
import type { Key, Row } from '../core/values.js';
import { nextVersion, type RecordVersion } from '../database/record-version.js';
import { applyRemote } from './apply-remote.js';
import { isBinary, withAttachmentData } from './attachments.js';
import type { ChangeLog } from './change-log.js';
import type { ChangeRow } from './couch-client.js';
import { conflictDocument, recordDocument, recordOfId, type ServerDocument } from './documents.js';
import { deleteKeys, readKeys } from './range-batches.js';
import { localState } from './record-state.js';
import { type Checkpoint, type RejectedDocument, SyncStore } from './sync-store.js';
import { type OutboxEntry, type StoredConflict, SYNC_TABLES } from './sync-tables.js';

export type { Checkpoint } from './sync-store.js';

/** A document to push, and the outbox entry it answers. */
export interface OutgoingDocument {
  readonly entry: OutboxEntry;
  readonly document: object;
}

/** Where an outbox entry or a record's version is kept: its table and its record's key. */
export type OutboxAddress = [table: string, key: Key];

const addressOf = ({ table, key }: { table: string; key: Key }): OutboxAddress => [table, key];

/** What the server stored of a pushed change: its outbox entry, and the record's new revision. */
export interface Stored {
  readonly entry: OutboxEntry;
  readonly rev?: string;
}

/** The replicated side of one Database: its outbox, record versions, conflicts and checkpoints. */
export class LocalReplica {
  readonly #store: SyncStore;

  constructor(dexie: Dexie, log: ChangeLog, tables: readonly string[]) {
    this.#store = new SyncStore(dexie, log, tables);
  }

  get tables(): readonly string[] {
    return this.#store.tables;
  }

  /**
   * Marks the tables replicated, so that their changes are recorded from now on, and puts the
   * records they already hold in the outbox (a table replicated for the first time).
   */
  async start(): Promise<void> {
    const store = this.#store;
    await store.log.replicated.replicating();
    await store.applying(store.tables, async () => {
      const added = await store.log.replicated.mark(store.tables);
      const stamp = store.log.clock.tick();
      for (const table of added) {
        const records = await store.table(table).toArray();
        const keys = records.map((record) => store.keyOf(table, record));
        const known = await store.versions.bulkGet(keys.map((key) => [table, key]));
        const versions = records.flatMap((record, i) =>
          known[i]
            ? []
            : [nextVersion(table, keys[i] as Key, undefined, undefined, record, stamp)!],
        );
        await store.versions.bulkPut(versions);
        await store.outbox.bulkPut(versions.map(({ key }) => ({ table, key, seq: stamp })));
      }
    });
  }

  /**
   * Calls `listener` with the number of unacknowledged local changes, now and after each
   * committed write to the outbox (in this tab or another). Not a live query: one would gather
   * every key each transaction writes (a pull of 100,000 records) until the outbox changed.
   */
  watchPending(listener: (pending: number) => void, failed: (error: unknown) => void): () => void {
    const { dexie, outbox } = this.#store;
    const part = `idb://${dexie.name}/${SYNC_TABLES.outbox}/`;
    let stopped = false;
    let counting = false;
    let again = false;
    const recount = (): void => {
      if (counting) {
        again = true;
        return;
      }
      counting = true;
      Dexie.ignoreTransaction(() => outbox.count()).then(
        (pending) => {
          counting = false;
          if (stopped) return;
          listener(pending);
          if (again) {
            again = false;
            recount();
          }
        },
        (error: unknown) => {
          counting = false;
          if (!stopped) failed(error);
        },
      );
    };
    const onMutated = (parts: ObservabilitySet): void => {
      if (Object.keys(parts).some((name) => name.startsWith(part))) recount();
    };
    Dexie.on('storagemutated', onMutated);
    recount();
    return () => {
      stopped = true;
      Dexie.on('storagemutated').unsubscribe(onMutated);
    };
  }

  /**
   * Up to `limit` local changes after outbox address `after` (from the first without it), in the
   * order of their addresses, as the documents to push (one read per table). With `stored`, what
   * the server stored of the batch before is acknowledged first, in the same transaction (see
   * {@link acknowledge}): one transaction per batch, not two.
   */
  async nextBatch(
    limit: number,
    stored: readonly Stored[] = [],
    after?: OutboxAddress,
  ): Promise<OutgoingDocument[]> {
    const store = this.#store;
    const scope = [...store.tables, ...Object.values(SYNC_TABLES)];
    const outgoing =
      stored.length === 0
        ? await store.dexie.transaction('r', scope, () => this.#readBatch(limit, after))
        : await store.applying(store.tables, async () => {
            await this.#acknowledge(stored);
            return this.#readBatch(limit, after);
          });
    // Blobs are read outside the transaction: their bytes are no IndexedDB request.
    return Promise.all(
      outgoing.map(({ entry, document, values }) =>
        values
          ? withAttachmentData(document, values).then((full) => ({ entry, document: full }))
          : { entry, document },
      ),
    );
  }

  /** Reads the next batch, inside the running transaction. */
  async #readBatch(
    limit: number,
    after: OutboxAddress | undefined,
  ): Promise<Array<OutgoingDocument & { values?: Row }>> {
    const store = this.#store;
    // By address from where the last batch ended: acknowledged entries are behind the bound, so
    // each read costs the batch, not the entries deleted before it (the `seq` index would).
    const entries = await (after === undefined
      ? store.outbox.limit(limit)
      : store.outbox.where(':id').above(after).limit(limit)
    ).toArray();
    const conflictEntries = entries.filter((entry) => entry.table === SYNC_TABLES.conflicts);
    const recordEntries = entries.filter((entry) => entry.table !== SYNC_TABLES.conflicts);
    const conflicts = await store.conflicts.bulkGet(
      conflictEntries.map(({ key }) => key as string),
    );
    const versions = await readKeys(
      store.versions,
      recordEntries.map(({ table, key }): OutboxAddress => [table, key]),
      addressOf,
    );
    const records = new Map<OutboxEntry, Row | undefined>();
    for (const table of new Set(recordEntries.map((entry) => entry.table))) {
      const ofTable = recordEntries.filter((entry) => entry.table === table);
      const rows = await readKeys(
        store.table(table),
        ofTable.map(({ key }) => key),
        (row) => store.keyOf(table, row),
      );
      ofTable.forEach((entry, i) => {
        records.set(entry, rows[i]);
      });
    }
    const outgoing: Array<OutgoingDocument & { values?: Row }> = [];
    conflictEntries.forEach((entry, i) => {
      const conflict = conflicts[i];
      if (conflict) outgoing.push({ entry, document: conflictDocument(conflict) });
    });
    recordEntries.forEach((entry, i) => {
      const version = versions[i];
      if (!version) return;
      const state = localState(version, records.get(entry));
      const document = recordDocument(entry.table, entry.key, state, version.rev);
      // Other clients' fields go back with it, dexorm's own written over them.
      outgoing.push({
        entry,
        document: version.foreign ? { ...version.foreign, ...document } : document,
        ...(Object.values(state.values).some(isBinary) ? { values: state.values } : {}),
      });
    });
    return outgoing;
  }

  /**
   * Takes note of what the server stored: each record's new revision, and the outbox entries
   * that nothing changed since they were sent.
   */
  acknowledge(stored: readonly Stored[]): Promise<void> {
    if (stored.length === 0) return Promise.resolve();
    return this.#store.applying([], () => this.#acknowledge(stored));
  }

  /** {@link acknowledge}, inside the running transaction. */
  async #acknowledge(stored: readonly Stored[]): Promise<void> {
    const store = this.#store;
    const addresses = stored.map(({ entry }) => addressOf(entry));
    const current = await readKeys(store.outbox, addresses, addressOf);
    await deleteKeys(
      store.outbox,
      addresses.filter((_, i) => current[i]?.seq === stored[i]?.entry.seq),
    );
    await this.#revise(
      stored.flatMap(({ entry, rev }) =>
        rev === undefined ? [] : [{ table: entry.table, key: entry.key, rev }],
      ),
    );
  }

  /** Takes note of revisions the server gave records written outside the outbox. */
  recordRevisions(
    revisions: ReadonlyArray<{ table: string; key: Key; rev: string }>,
  ): Promise<void> {
    if (revisions.length === 0) return Promise.resolve();
    return this.#store.applying([], () => this.#revise(revisions));
  }

  /** Sets the server revision of each record version named, inside the running transaction. */
  async #revise(revisions: ReadonlyArray<{ table: string; key: Key; rev: string }>): Promise<void> {
    const store = this.#store;
    const versions = await readKeys(store.versions, revisions.map(addressOf), addressOf);
    const revised = revisions.flatMap(({ rev }, i): RecordVersion[] => {
      const version = versions[i];
      return version ? [{ ...version, rev }] : [];
    });
    await store.versions.bulkPut(revised);
  }

  /**
   * The ids of the changed documents whose revisions this replica has not merged: all but
   * those whose one leaf revision is the one its record's version holds (one read).
   */
  async missingRevisions(changes: readonly ChangeRow[]): Promise<string[]> {
    const store = this.#store;
    const records = changes.map(({ id }) => recordOfId(id, store.tables));
    const known = records.filter((record) => record !== undefined);
    // The revisions of a page after a push are mostly this replica's own: their versions lie
    // together, as the batches that pushed them did.
    const versions = await readKeys(store.versions, known.map(addressOf), addressOf);
    const revisions = new Map(known.map((record, i) => [record, versions[i]?.rev]));
    return changes.flatMap((change, i) => {
      const record = records[i];
      const merged =
        record !== undefined &&
        change.changes.length === 1 &&
        change.changes[0]?.rev === revisions.get(record);
      return merged ? [] : [change.id];
    });
  }

  /**
   * Merges documents pulled from the server into the local records (see {@link applyRemote});
   * resolves to the number that were new to this replica.
   */
  applyRemote(documents: readonly ServerDocument[]): Promise<number> {
    return applyRemote(this.#store, documents);
  }

  /** The server documents set aside as unreadable, with why. */
  rejected(): Promise<RejectedDocument[]> {
    return this.#store.created ? this.#store.rejected() : Promise.resolve([]);
  }

  /** Every version set aside by a collision. */
  conflicts(): Promise<StoredConflict[]> {
    return this.#store.created ? this.#store.conflicts.toArray() : Promise.resolve([]);
  }

  /** The local checkpoint for the server database at `url`. */
  checkpoint(url: string): Promise<Checkpoint | undefined> {
    return this.#store.meta.get(`checkpoint:${url}`);
  }

  /** Saves the local checkpoint for `url`. */
  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.#store.meta.put(checkpoint);
  }
}

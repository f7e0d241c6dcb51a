import type { Dexie, Table } from 'dexie';
import { cmp, liveQuery } from 'dexie';
import { isValidKey, type Key, type Row } from '../core/values.js';
import {
  type ChangeLog,
  nextVersion,
  type OutboxEntry,
  type RecordVersion,
  type StoredConflict,
  SYNC_TABLES,
} from '../database/change-log.js';
import {
  conflictDocument,
  conflictOf,
  isConflictDocument,
  isRecordDocument,
  type RecordDocument,
  recordDocument,
  type ServerDocument,
  stateOf,
} from './documents.js';
import {
  isAlive,
  latestStamp,
  localState,
  mergeStates,
  type RecordState,
  sameState,
} from './record-state.js';

/** A document to push, and the outbox entry it answers. */
export interface OutgoingDocument {
  readonly entry: OutboxEntry;
  readonly document: object;
}

/** Where pulling stopped for one server, as kept locally (and mirrored in a `_local/` doc). */
export interface Checkpoint {
  readonly id: string;
  readonly session: string;
  readonly since: unknown;
  readonly tables: readonly string[];
}

/** The replicated side of one Database: its outbox, record versions, conflicts and checkpoints. */
export class LocalReplica {
  readonly #dexie: Dexie;
  readonly #log: ChangeLog;
  readonly #tables: readonly string[];
  readonly #versions: Table<RecordVersion, [string, Key]>;
  readonly #outbox: Table<OutboxEntry, [string, Key]>;
  readonly #conflicts: Table<StoredConflict, string>;
  readonly #meta: Table<Checkpoint, string>;

  constructor(dexie: Dexie, log: ChangeLog, tables: readonly string[]) {
    this.#dexie = dexie;
    this.#log = log;
    this.#tables = tables;
    this.#versions = dexie.table(SYNC_TABLES.versions);
    this.#outbox = dexie.table(SYNC_TABLES.outbox);
    this.#conflicts = dexie.table(SYNC_TABLES.conflicts);
    this.#meta = dexie.table(SYNC_TABLES.meta);
  }

  get tables(): readonly string[] {
    return this.#tables;
  }

  /**
   * Marks the tables replicated, so that their changes are recorded from now on, and puts the
   * records they already hold in the outbox (a table replicated for the first time).
   */
  start(): Promise<void> {
    return this.#log.applying(this.#dexie, this.#tables, async () => {
      const added = await this.#log.markReplicated(this.#dexie, this.#tables);
      const stamp = this.#log.clock.tick();
      for (const table of added) {
        const records = await this.#dexie.table<Row, Key>(table).toArray();
        const primaryKey = this.#log.primaryKeyOf(table) as string;
        const keys = records.map((record) => record[primaryKey] as Key);
        const known = await this.#versions.bulkGet(keys.map((key) => [table, key]));
        const versions: RecordVersion[] = [];
        records.forEach((record, i) => {
          const key = keys[i] as Key;
          if (known[i]) return;
          versions.push(
            nextVersion(table, key, undefined, undefined, record, stamp) as RecordVersion,
          );
        });
        await this.#versions.bulkPut(versions);
        await this.#outbox.bulkPut(versions.map(({ key }) => ({ table, key, seq: stamp })));
      }
    });
  }

  /** Calls `listener` with the number of unacknowledged local changes, now and at each change. */
  watchPending(listener: (pending: number) => void, failed: (error: unknown) => void): () => void {
    const subscription = liveQuery(() => this.#outbox.count()).subscribe({
      next: listener,
      error: failed,
    });
    return () => subscription.unsubscribe();
  }

  /** The oldest `limit` local changes, as the documents to push. */
  nextBatch(limit: number): Promise<OutgoingDocument[]> {
    const scope = [
      ...this.#tables,
      SYNC_TABLES.outbox,
      SYNC_TABLES.versions,
      SYNC_TABLES.conflicts,
    ];
    return this.#dexie.transaction('r', scope, async () => {
      const entries = await this.#outbox.orderBy('seq').limit(limit).toArray();
      const outgoing: OutgoingDocument[] = [];
      for (const entry of entries) {
        const document = await this.#documentOf(entry);
        if (document) outgoing.push({ entry, document });
      }
      return outgoing;
    });
  }

  async #documentOf(entry: OutboxEntry): Promise<object | undefined> {
    if (entry.table === SYNC_TABLES.conflicts) {
      const conflict = await this.#conflicts.get(entry.key as string);
      return conflict && conflictDocument(conflict);
    }
    const version = await this.#versions.get([entry.table, entry.key]);
    if (!version) return undefined;
    const record = await this.#dexie.table<Row, Key>(entry.table).get(entry.key);
    return recordDocument(entry.table, entry.key, localState(version, record), version.rev);
  }

  /**
   * Takes note of what the server stored: each record's new revision, and the outbox entries
   * that nothing changed since they were sent.
   */
  acknowledge(stored: ReadonlyArray<{ entry: OutboxEntry; rev?: string }>): Promise<void> {
    if (stored.length === 0) return Promise.resolve();
    return this.#log.applying(this.#dexie, [], async () => {
      for (const { entry, rev } of stored) {
        const current = await this.#outbox.get([entry.table, entry.key]);
        if (current?.seq === entry.seq) await this.#outbox.delete([entry.table, entry.key]);
        if (rev === undefined || entry.table === SYNC_TABLES.conflicts) continue;
        const version = await this.#versions.get([entry.table, entry.key]);
        if (version) await this.#versions.put({ ...version, rev });
      }
    });
  }

  /** Takes note of revisions the server gave records written outside the outbox. */
  recordRevisions(
    revisions: ReadonlyArray<{ table: string; key: Key; rev: string }>,
  ): Promise<void> {
    if (revisions.length === 0) return Promise.resolve();
    return this.#log.applying(this.#dexie, [], async () => {
      for (const { table, key, rev } of revisions) {
        const version = await this.#versions.get([table, key]);
        if (version) await this.#versions.put({ ...version, rev });
      }
    });
  }

  /**
   * Merges documents from the server into the local records, in one transaction: records the
   * server has that are newer are written here (not recorded as local changes), and what the
   * server lacks stays in the outbox. Collisions on unique indexes are resolved on the way.
   */
  applyRemote(documents: readonly ServerDocument[]): Promise<void> {
    const records = documents.filter(
      (document): document is RecordDocument & { _rev: string } =>
        isRecordDocument(document) && !document._deleted && this.#tables.includes(document.table),
    );
    const conflicts = documents.filter(isConflictDocument);
    if (records.length === 0 && conflicts.length === 0) return Promise.resolve();
    return this.#log.applying(this.#dexie, this.#tables, async () => {
      for (const document of conflicts) {
        const conflict = conflictOf(document);
        if (!(await this.#conflicts.get(conflict.id))) await this.#conflicts.put(conflict);
      }
      for (const document of records) await this.#applyRecord(document);
    });
  }

  async #applyRecord(document: RecordDocument & { _rev: string }): Promise<void> {
    const { table, key } = document;
    const store = this.#dexie.table<Row, Key>(table);
    const address: [string, Key] = [table, key];
    const version = await this.#versions.get(address);
    const record = version ? await store.get(key) : undefined;
    const remote = stateOf(document);
    this.#log.clock.receive(latestStamp(remote));
    const local = version && localState(version, record);
    let merged = local ? mergeStates(local, remote) : remote;
    if (isAlive(merged)) merged = await this.#keepUnique(table, key, merged);
    if (!local || !sameState(merged, local)) {
      if (isAlive(merged)) {
        const primaryKey = this.#log.primaryKeyOf(table) as string;
        await store.put({ ...merged.values, [primaryKey]: key });
      } else if (record) {
        await store.delete(key);
      }
    }
    await this.#versions.put({
      table,
      key,
      born: merged.born,
      ...(merged.deleted === undefined ? {} : { deleted: merged.deleted }),
      clocks: merged.clocks,
      rev: document._rev,
    });
    const pending = await this.#outbox.get(address);
    if (sameState(merged, remote)) {
      if (pending) await this.#outbox.delete(address);
    } else if (!pending) {
      await this.#outbox.put({ table, key, seq: this.#log.clock.tick() });
    }
  }

  /**
   * Resolves collisions of `merged` (record `key`) with other records on the table's unique
   * indexes: the record with the smaller key keeps the value, the other gets null there, and
   * its version from before is kept as a conflict.
   */
  async #keepUnique(table: string, key: Key, merged: RecordState): Promise<RecordState> {
    const store = this.#dexie.table<Row, Key>(table);
    for (const index of store.schema.indexes) {
      if (!index.unique || index.keyPath === undefined) continue;
      const fields = typeof index.keyPath === 'string' ? [index.keyPath] : index.keyPath;
      const parts = fields.map((field) => merged.values[field]);
      if (!parts.every(isValidKey)) continue;
      const value = fields.length === 1 ? parts[0] : parts;
      const holders = await store
        .where(index.name)
        .equals(value as Key)
        .primaryKeys();
      const other = holders.find((holder) => cmp(holder, key) !== 0);
      if (other === undefined) continue;
      const stamp = this.#log.clock.tick();
      const field = fields.join('+');
      if (cmp(key, other) > 0) {
        const primaryKey = this.#log.primaryKeyOf(table) as string;
        const version = { ...merged.values, [primaryKey]: key };
        await this.#setAside(table, key, field, version, merged.clocks[fields[0] as string]);
        const values = { ...merged.values };
        const clocks = { ...merged.clocks };
        for (const name of fields) {
          values[name] = null;
          clocks[name] = stamp;
        }
        merged = { ...merged, values, clocks };
      } else {
        const loser = (await store.get(other)) as Row;
        const loserVersion = await this.#versions.get([table, other]);
        await this.#setAside(table, other, field, loser, loserVersion?.clocks[fields[0] as string]);
        const nulled = { ...loser, ...Object.fromEntries(fields.map((name) => [name, null])) };
        const next = nextVersion(table, other, loser, loserVersion, nulled, stamp);
        await store.put(nulled);
        if (next) await this.#versions.put(next);
        await this.#outbox.put({ table, key: other, seq: stamp });
      }
    }
    return merged;
  }

  async #setAside(
    table: string,
    key: Key,
    field: string,
    version: Row,
    clock: string | undefined,
  ): Promise<void> {
    // Replicas that meet the same collision set aside the same version under the same id.
    const id = `${table}:${JSON.stringify(key)}:${field}:${clock ?? ''}`;
    if (await this.#conflicts.get(id)) return;
    await this.#conflicts.put({ id, table, key, field, version });
    await this.#outbox.put({ table: SYNC_TABLES.conflicts, key: id, seq: this.#log.clock.tick() });
  }

  /** Every version set aside by a collision, oldest first. */
  conflicts(): Promise<StoredConflict[]> {
    return this.#conflicts.toArray();
  }

  /** The local checkpoint for the server database at `url`. */
  checkpoint(url: string): Promise<Checkpoint | undefined> {
    return this.#meta.get(`checkpoint:${url}`);
  }

  /** Saves the local checkpoint for `url`. */
  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.#meta.put(checkpoint);
  }
}

import type { Dexie, Table } from 'dexie';
import type { Key, Row } from '../core/values.js';
import type { RecordVersion } from '../database/record-version.js';
import type { ChangeLog } from './change-log.js';
import { isDeclared } from './replicated-tables.js';
import { type OutboxEntry, type StoredConflict, SYNC_TABLES } from './sync-tables.js';

/** The prefix of the meta rows that keep documents set aside as unreadable. */
const REJECTED = 'rejected:';

/** A server document this replica cannot read, set aside with the reason. */
export interface RejectedDocument {
  /** The document's `_id`. */
  readonly id: string;
  /** What is wrong with it. */
  readonly reason: string;
}

/** A local checkpoint for one server: where pulling stopped, mirrored in a `_local/` document. */
export interface Checkpoint {
  readonly id: string;
  readonly session: string;
  readonly since: unknown;
  readonly tables: readonly string[];
}

/** A unique index of a model table: its name and the fields it is over. */
export interface UniqueIndex {
  readonly name: string;
  readonly fields: readonly string[];
}

/** The tables replication keeps beside the models', typed, with the Database they belong to. */
export class SyncStore {
  readonly dexie: Dexie;
  readonly log: ChangeLog;
  /** The replicated model tables. */
  readonly tables: readonly string[];
  readonly #uniqueIndexes = new Map<string, readonly UniqueIndex[]>();

  constructor(dexie: Dexie, log: ChangeLog, tables: readonly string[]) {
    this.dexie = dexie;
    this.log = log;
    this.tables = tables;
  }

  /** True once the sync tables exist here (the first `replicate()` creates them). */
  get created(): boolean {
    return isDeclared(this.dexie);
  }

  // Looked up at each use: the tables are declared once replication has created them.
  get versions(): Table<RecordVersion, [string, Key]> {
    return this.dexie.table(SYNC_TABLES.versions);
  }

  get outbox(): Table<OutboxEntry, [string, Key]> {
    return this.dexie.table(SYNC_TABLES.outbox);
  }

  get conflicts(): Table<StoredConflict, string> {
    return this.dexie.table(SYNC_TABLES.conflicts);
  }

  get meta(): Table<Checkpoint, string> {
    return this.dexie.table(SYNC_TABLES.meta);
  }

  /**
   * Keeps `rejected` documents (by id) with their reasons, and forgets earlier rejections of the
   * documents in `readable`, which arrived in a form this replica reads.
   */
  async setRejected(
    rejected: readonly RejectedDocument[],
    readable: readonly string[],
  ): Promise<void> {
    const rows = this.dexie.table<RejectedDocument & { readonly id: string }, string>(
      SYNC_TABLES.meta,
    );
    if (rejected.length > 0) {
      await rows.bulkPut(
        rejected.map((rejection) => ({ ...rejection, id: `${REJECTED}${rejection.id}` })),
      );
    }
    if (readable.length === 0) return;
    // One keys-only read of the rejections (almost always none), not a delete per document.
    const held = new Set(await rows.where('id').startsWith(REJECTED).primaryKeys());
    const cleared = readable.map((id) => `${REJECTED}${id}`).filter((id) => held.has(id));
    if (cleared.length > 0) await rows.bulkDelete(cleared);
  }

  /** The documents set aside as unreadable, with their reasons. */
  async rejected(): Promise<RejectedDocument[]> {
    const rows = await this.dexie
      .table<RejectedDocument & { readonly id: string }, string>(SYNC_TABLES.meta)
      .where('id')
      .startsWith(REJECTED)
      .toArray();
    return rows.map(({ id, reason }) => ({ id: id.slice(REJECTED.length), reason }));
  }

  /**
   * The unique indexes of model table `name`, by name and fields: read from its schema once, as
   * every pulled document of the table asks for them.
   */
  uniqueIndexes(name: string): readonly UniqueIndex[] {
    let found = this.#uniqueIndexes.get(name);
    if (!found) {
      found = this.table(name)
        .schema.indexes.filter((index) => index.unique && index.keyPath !== undefined)
        .map((index) => ({
          name: index.name,
          fields: typeof index.keyPath === 'string' ? [index.keyPath] : [...index.keyPath!],
        }));
      this.#uniqueIndexes.set(name, found);
    }
    return found;
  }

  /** The model table `name`. */
  table(name: string): Table<Row, Key> {
    return this.dexie.table(name);
  }

  /** The primary key of `record`, a row of replicated table `table`. */
  keyOf(table: string, record: Row): Key {
    return this.log.keyOf(table, record);
  }

  /** `values` with the fields of primary key `key` of table `table` set. */
  withKey(table: string, values: Readonly<Row>, key: Key): Row {
    return this.log.withKey(table, values, key);
  }

  /** Runs `fn` in a transaction over `tables` and the sync tables, as replication's own writes. */
  applying<T>(tables: readonly string[], fn: () => PromiseLike<T>): Promise<T> {
    return this.log.applying(this.dexie, tables, fn);
  }

  /**
   * Keeps `version` of record `key` as a conflict on `field` (once: replicas that meet the same
   * collision set aside the same version under the same id), and queues it for the server.
   */
  async setAside(
    table: string,
    key: Key,
    field: string,
    version: Row,
    clock: string | undefined,
  ): Promise<void> {
    const id = `${table}:${JSON.stringify(key)}:${field}:${clock ?? ''}`;
    if (await this.conflicts.get(id)) return;
    await this.conflicts.put({ id, table, key, field, version });
    await this.outbox.put({ table: SYNC_TABLES.conflicts, key: id, seq: this.log.clock.tick() });
  }
}

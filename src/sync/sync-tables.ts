import type { Key, Row } from '../core/values.js';

/** The tables where a replicated Database keeps what replication needs, beside the models'. */
export const SYNC_TABLES = {
  /** One row `'replica'` (the replicated tables), and one checkpoint per server. */
  meta: '_dexorm_sync',
  /** One `RecordVersion` per replicated record, deleted ones included. */
  versions: '_dexorm_versions',
  /** One {@link OutboxEntry} per record changed here and not yet acknowledged by the server. */
  outbox: '_dexorm_outbox',
  /** One {@link StoredConflict} per version set aside by a unique-index collision. */
  conflicts: '_dexorm_conflicts',
} as const;

/** Dexie's specs of {@link SYNC_TABLES}. */
export const SYNC_STORES: Readonly<Record<string, string>> = {
  [SYNC_TABLES.meta]: 'id',
  [SYNC_TABLES.versions]: '[table+key]',
  [SYNC_TABLES.outbox]: '[table+key], seq',
  [SYNC_TABLES.conflicts]: 'id',
};

/** A local change not yet acknowledged by the server; `seq` is the stamp of the latest one. */
export interface OutboxEntry {
  readonly table: string;
  readonly key: Key;
  readonly seq: string;
}

/** A record's version set aside when a merge broke a unique index (see `conflicts()`). */
export interface StoredConflict {
  readonly id: string;
  readonly table: string;
  readonly key: Key;
  readonly field: string;
  readonly version: Row;
}

/** The row of {@link SYNC_TABLES.meta} that lists the replicated tables. */
export interface ReplicaRow {
  readonly id: 'replica';
  readonly tables: readonly string[];
}

/** A table's primary key: one field, or the fields of a compound key (a pivot table's). */
export type KeyPath = string | readonly string[];

/** The id of the {@link ReplicaRow} in {@link SYNC_TABLES.meta}. */
export const REPLICA_ROW = 'replica';

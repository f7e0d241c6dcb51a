/** What a replication is doing; see `Replication.status$`. */
export type ReplicationState =
  | 'connecting'
  | 'active'
  | 'idle'
  | 'offline'
  | 'unauthorized'
  | 'error';

/** One emission of `Replication.status$`. */
export interface ReplicationStatus {
  /** What the replication is doing now. */
  readonly state: ReplicationState;
  /** Local changes the server has not acknowledged yet. */
  readonly pending: number;
  /**
   * Why the state is `'error'` or `'unauthorized'` (a {@link SyncError}), or what keeps it
   * `'offline'`.
   */
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

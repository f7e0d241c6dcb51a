import type { Key, Row } from '../core/values.js';
import type { StoredConflict } from '../database/change-log.js';
import type { RecordState } from './record-state.js';

/** The CouchDB document of one record: `_id` from table and key, the state in plain JSON. */
export interface RecordDocument {
  readonly _id: string;
  readonly _rev?: string;
  readonly _conflicts?: readonly string[];
  readonly _deleted?: boolean;
  readonly kind: 'record';
  readonly table: string;
  readonly key: Key;
  readonly born: string;
  readonly deleted?: string;
  readonly values: Row;
  readonly clocks: Readonly<Record<string, string>>;
}

/** The CouchDB document of a version set aside by a unique-index collision. */
export interface ConflictDocument {
  readonly _id: string;
  readonly _rev?: string;
  readonly kind: 'conflict';
  readonly table: string;
  readonly key: Key;
  readonly field: string;
  readonly version: Row;
}

/** What the server may hand back: ours, or anything else in the database (skipped). */
export type ServerDocument =
  | RecordDocument
  | ConflictDocument
  | { readonly _id: string; readonly kind?: undefined };

const CONFLICT_PREFIX = 'dexorm-conflict:';

/** The document id of a record: `users:"5b0c…"`, `posts:12`. */
export function recordId(table: string, key: Key): string {
  return `${table}:${JSON.stringify(key)}`;
}

/** The document id of a stored conflict. */
export function conflictDocumentId(conflictId: string): string {
  return CONFLICT_PREFIX + conflictId;
}

/** The document of a record's state, based on revision `rev` when the server has one. */
export function recordDocument(
  table: string,
  key: Key,
  state: RecordState,
  rev: string | undefined,
): RecordDocument {
  return {
    _id: recordId(table, key),
    ...(rev === undefined ? {} : { _rev: rev }),
    kind: 'record',
    table,
    key,
    born: state.born,
    ...(state.deleted === undefined ? {} : { deleted: state.deleted }),
    values: encodeRow(state.values),
    clocks: state.clocks,
  };
}

/** The state a record document holds. */
export function stateOf(document: RecordDocument): RecordState {
  const base = { born: document.born, values: decodeRow(document.values), clocks: document.clocks };
  return document.deleted === undefined ? base : { ...base, deleted: document.deleted };
}

/** The document of a stored conflict. */
export function conflictDocument(conflict: StoredConflict): ConflictDocument {
  return {
    _id: conflictDocumentId(conflict.id),
    kind: 'conflict',
    table: conflict.table,
    key: conflict.key,
    field: conflict.field,
    version: encodeRow(conflict.version),
  };
}

/** The stored conflict a conflict document holds. */
export function conflictOf(document: ConflictDocument): StoredConflict {
  return {
    id: document._id.slice(CONFLICT_PREFIX.length),
    table: document.table,
    key: document.key,
    field: document.field,
    version: decodeRow(document.version),
  };
}

export function isRecordDocument(document: ServerDocument): document is RecordDocument {
  return document.kind === 'record' && typeof (document as RecordDocument).table === 'string';
}

export function isConflictDocument(document: ServerDocument): document is ConflictDocument {
  return document.kind === 'conflict' && document._id.startsWith(CONFLICT_PREFIX);
}

// JSON has no dates: they travel as { $date: milliseconds }.
const DATE = '$date';

function encodeRow(row: Readonly<Row>): Row {
  return encodeValue(row) as Row;
}

function decodeRow(row: Readonly<Row>): Row {
  return decodeValue(row) as Row;
}

function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { [DATE]: value.getTime() };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, encodeValue(item)]),
    );
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === DATE && typeof entries[0][1] === 'number') {
      return new Date(entries[0][1]);
    }
    return Object.fromEntries(entries.map(([name, item]) => [name, decodeValue(item)]));
  }
  return value;
}

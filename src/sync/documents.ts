import { isValidKey, type Key, type Row } from '../core/values.js';
import {
  attachmentNames,
  attachmentProblem,
  decodeAttachment,
  isBinary,
  markerOf,
} from './attachments.js';
import type { RecordState } from './record-state.js';
import type { StoredConflict } from './sync-tables.js';

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
  readonly _deleted?: boolean;
  readonly kind: 'conflict';
  readonly table: string;
  readonly key: Key;
  readonly field: string;
  readonly version: Row;
}

/** What the server may hand back: ours, or anything another client wrote there. */
export type ServerDocument =
  | RecordDocument
  | ConflictDocument
  | {
      readonly _id: string;
      readonly _rev?: string;
      readonly _deleted?: boolean;
      readonly kind?: unknown;
    };

/** A document CouchDB deleted (`_deleted: true`, as PouchDB's `remove()` writes it). */
export interface Tombstone {
  readonly table: string;
  readonly key: Key;
  readonly rev: string;
}

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

/** The fields of a record document that dexorm writes itself; any other is another client's. */
const OWN_FIELDS: ReadonlySet<string> = new Set([
  '_id',
  '_rev',
  '_conflicts',
  '_deleted',
  '_revisions',
  '_revs_info',
  'kind',
  'table',
  'key',
  'born',
  'deleted',
  'values',
  'clocks',
]);

/**
 * The top-level fields other clients put on `document`, if any: their attachments as stubs
 * (those of dexorm's binary fields are not theirs).
 */
export function foreignFields(document: RecordDocument): Row | undefined {
  const own = attachmentNames(document.values);
  const foreign = Object.entries(document).flatMap(([name, value]): Array<[string, unknown]> => {
    if (OWN_FIELDS.has(name)) return [];
    if (name !== '_attachments') return [[name, value]];
    const stubs = stubsOf(value, own);
    return stubs === undefined ? [] : [[name, stubs]];
  });
  return foreign.length === 0 ? undefined : Object.fromEntries(foreign);
}

/** Attachments as stubs, less `own`: on a write, CouchDB keeps an attachment a stub names. */
function stubsOf(attachments: unknown, own: ReadonlySet<string>): unknown {
  if (typeof attachments !== 'object' || attachments === null) return attachments;
  const stubs = Object.entries(attachments).flatMap(([name, attachment]) => {
    if (own.has(name)) return [];
    const { data: _data, ...rest } = attachment as Row;
    return [[name, { ...rest, stub: true }]];
  });
  return stubs.length === 0 ? undefined : Object.fromEntries(stubs);
}

/** The state a record document holds. */
export function stateOf(document: RecordDocument): RecordState {
  const attachments = (document as { _attachments?: unknown })._attachments;
  const values = Object.fromEntries(
    Object.entries(decodeRow(document.values)).map(([field, value]) => [
      field,
      decodeAttachment(value, attachments),
    ]),
  );
  const base = { born: document.born, values, clocks: document.clocks };
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

/**
 * The record a deleted document stood for, read from its `_id`, when it is one of `tables`;
 * undefined for any other document.
 */
export function tombstoneOf(
  document: ServerDocument,
  tables: readonly string[],
): Tombstone | undefined {
  if (document._deleted !== true || typeof document._rev !== 'string') return undefined;
  const record = recordOfId(document._id, tables);
  return record && { ...record, rev: document._rev };
}

/** The record of one of `tables` that document id `id` names, or undefined for another id. */
export function recordOfId(
  id: string,
  tables: readonly string[],
): { table: string; key: Key } | undefined {
  const split = id.indexOf(':');
  if (split <= 0) return undefined;
  const table = id.slice(0, split);
  if (!tables.includes(table)) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(id.slice(split + 1));
  } catch {
    return undefined;
  }
  return isValidKey(key) ? { table, key } : undefined;
}

/**
 * Why a live document of the server is no record dexorm can read into `tables`, or undefined
 * when it is one. Design documents and conflicts are not records, and not asked about.
 */
export function problemOf(document: ServerDocument, tables: readonly string[]): string | undefined {
  const record = document as Partial<Record<keyof RecordDocument, unknown>>;
  if (record.kind !== 'record') return 'it is not a dexorm record (kind is not "record")';
  if (typeof record.table !== 'string' || !tables.includes(record.table)) {
    return `its table ${JSON.stringify(record.table)} is not one this replica replicates`;
  }
  if (!isValidKey(record.key)) return 'its key is not a value IndexedDB can store as a key';
  if (document._id !== recordId(record.table, record.key)) {
    return `its _id is not ${JSON.stringify(recordId(record.table, record.key))}`;
  }
  if (typeof record.born !== 'string') return '"born" is not a stamp string';
  if (record.deleted !== undefined && typeof record.deleted !== 'string') {
    return '"deleted" is not a stamp string';
  }
  if (!isPlainRecord(record.values)) return '"values" is not an object';
  if (
    !isPlainRecord(record.clocks) ||
    !Object.values(record.clocks).every((c) => typeof c === 'string')
  ) {
    return '"clocks" is not an object of stamp strings';
  }
  return attachmentProblem(record.values, (document as { _attachments?: unknown })._attachments);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  return Object.fromEntries(
    Object.entries(row).map(([field, value]) => [
      field,
      isBinary(value) ? markerOf(field, value) : encodeValue(value),
    ]),
  );
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

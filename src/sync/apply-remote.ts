import type { Table } from 'dexie';
import { cmp } from 'dexie';
import { isValidKey, type Key, type Row } from '../core/values.js';
import type { OutboxEntry } from '../database/change-log.js';
import { nextVersion, type RecordVersion } from '../database/record-version.js';
import {
  type ConflictDocument,
  conflictOf,
  foreignFields,
  isConflictDocument,
  problemOf,
  type RecordDocument,
  type ServerDocument,
  stateOf,
  type Tombstone,
  tombstoneOf,
} from './documents.js';
import {
  isAlive,
  latestStamp,
  localState,
  mergeStates,
  type RecordState,
  sameState,
} from './record-state.js';
import type { RejectedDocument, SyncStore } from './sync-store.js';

type Pulled = RecordDocument & { readonly _rev: string };

/**
 * Merges documents from the server into the local records, in one transaction: what the server
 * has that is newer is written here (not recorded as a local change), and what the server lacks
 * stays in the outbox. Collisions on unique indexes are resolved on the way. A CouchDB delete
 * deletes the record (a delete wins over edits that did not see it). A document this replica
 * cannot read is set aside as rejected, and the others are applied without it.
 */
export function applyRemote(store: SyncStore, documents: readonly ServerDocument[]): Promise<void> {
  const records: Pulled[] = [];
  const tombstones: Tombstone[] = [];
  const conflicts: ConflictDocument[] = [];
  const rejected: RejectedDocument[] = [];
  for (const document of documents) {
    if (document._id.startsWith('_design/')) continue;
    if (document._deleted === true) {
      const tombstone = tombstoneOf(document, store.tables);
      if (tombstone) tombstones.push(tombstone);
      continue;
    }
    if (isConflictDocument(document)) {
      conflicts.push(document);
      continue;
    }
    const problem = problemOf(document, store.tables);
    if (problem) rejected.push({ id: document._id, reason: problem });
    else records.push(document as Pulled);
  }
  if (records.length + tombstones.length + conflicts.length + rejected.length === 0) {
    return Promise.resolve();
  }
  return store.applying(store.tables, async () => {
    for (const document of conflicts) {
      const conflict = conflictOf(document);
      if (!(await store.conflicts.get(conflict.id))) await store.conflicts.put(conflict);
    }
    await store.setRejected(
      rejected,
      records.map((document) => document._id),
    );
    const local = await readLocal(store, [...records, ...tombstones]);
    for (const document of records) await applyRecord(store, document, local);
    for (const tombstone of tombstones) await applyDelete(store, tombstone, local);
  });
}

/**
 * Applies a CouchDB delete: the record goes, its version is marked deleted now (later than any
 * edit this replica made without seeing the delete), and its pending change is dropped.
 */
async function applyDelete(
  store: SyncStore,
  tombstone: Tombstone,
  local: LocalRecords,
): Promise<void> {
  const { table, key, rev } = tombstone;
  const address = addressOf(table, key);
  const version = local.versions.get(address);
  if (local.records.get(address)) await store.table(table).delete(key);
  const dead =
    version !== undefined && version.deleted !== undefined && version.born <= version.deleted;
  const next: RecordVersion = {
    table,
    key,
    born: version?.born ?? store.log.clock.tick(),
    deleted: dead ? version.deleted! : store.log.clock.tick(),
    clocks: version?.clocks ?? {},
    rev,
  };
  await store.versions.put(next);
  if (local.pending.get(address)) await store.outbox.delete([table, key]);
  local.versions.set(address, next);
  local.records.set(address, undefined);
  local.pending.set(address, undefined);
}

/** What this replica holds of the pulled records, read in one request per table. */
interface LocalRecords {
  readonly versions: Map<string, RecordVersion | undefined>;
  readonly records: Map<string, Row | undefined>;
  readonly pending: Map<string, OutboxEntry | undefined>;
}

const addressOf = (table: string, key: Key) => `${table}\u0000${JSON.stringify(key)}`;

async function readLocal(
  store: SyncStore,
  documents: ReadonlyArray<{ readonly table: string; readonly key: Key }>,
): Promise<LocalRecords> {
  const addresses = documents.map(({ table, key }): [string, Key] => [table, key]);
  const versions = await store.versions.bulkGet(addresses);
  const pending = await store.outbox.bulkGet(addresses);
  const local: LocalRecords = { versions: new Map(), records: new Map(), pending: new Map() };
  documents.forEach(({ table, key }, i) => {
    local.versions.set(addressOf(table, key), versions[i]);
    local.pending.set(addressOf(table, key), pending[i]);
  });
  for (const table of new Set(documents.map((document) => document.table))) {
    const keys = documents.filter((document) => document.table === table).map(({ key }) => key);
    const rows = await store.table(table).bulkGet(keys);
    keys.forEach((key, i) => {
      local.records.set(addressOf(table, key), rows[i]);
    });
  }
  return local;
}

async function applyRecord(store: SyncStore, document: Pulled, local: LocalRecords): Promise<void> {
  const { table, key } = document;
  const address = addressOf(table, key);
  const version = local.versions.get(address);
  const record = local.records.get(address);
  const remote = stateOf(document);
  store.log.clock.receive(latestStamp(remote));
  const before = version && localState(version, record);
  let merged = before ? mergeStates(before, remote) : remote;
  if (isAlive(merged)) merged = await keepUnique(store, table, key, merged, local);
  const records = store.table(table);
  let stored = record;
  if (!before || !sameState(merged, before)) {
    if (isAlive(merged)) {
      stored = store.withKey(table, merged.values, key);
      await records.put(stored);
    } else if (record) {
      stored = undefined;
      await records.delete(key);
    }
  }
  const next: RecordVersion = {
    table,
    key,
    born: merged.born,
    ...(merged.deleted === undefined ? {} : { deleted: merged.deleted }),
    clocks: merged.clocks,
    rev: document._rev,
    ...foreignOf(document),
  };
  await store.versions.put(next);
  const pending = local.pending.get(address);
  let queued = pending;
  if (sameState(merged, remote)) {
    if (pending) {
      await store.outbox.delete([table, key]);
      queued = undefined;
    }
  } else if (!pending) {
    queued = { table, key, seq: store.log.clock.tick() };
    await store.outbox.put(queued);
  }
  // A later document of the batch for the same record starts from this one.
  local.versions.set(address, next);
  local.records.set(address, stored);
  local.pending.set(address, queued);
}

/**
 * Resolves collisions of `merged` (record `key`) with other records on the table's unique
 * indexes: the record with the smaller key keeps the value, the other gets null there, and its
 * version from before is kept as a conflict.
 */
async function keepUnique(
  store: SyncStore,
  table: string,
  key: Key,
  merged: RecordState,
  local: LocalRecords,
): Promise<RecordState> {
  const records = store.table(table);
  for (const index of records.schema.indexes) {
    if (!index.unique || index.keyPath === undefined) continue;
    const fields = typeof index.keyPath === 'string' ? [index.keyPath] : index.keyPath;
    const parts = fields.map((field) => merged.values[field]);
    if (!parts.every(isValidKey)) continue;
    const value = (fields.length === 1 ? parts[0] : parts) as Key;
    const holders = await records.where(index.name).equals(value).primaryKeys();
    const other = holders.find((holder) => cmp(holder, key) !== 0);
    if (other === undefined) continue;
    const stamp = store.log.clock.tick();
    const field = fields.join('+');
    if (cmp(key, other) > 0) {
      const version = store.withKey(table, merged.values, key);
      await store.setAside(table, key, field, version, merged.clocks[fields[0] as string]);
      merged = withNulls(merged, fields, stamp);
    } else {
      await setNullOn(store, records, table, other, fields, field, stamp, local);
    }
  }
  return merged;
}

function withNulls(state: RecordState, fields: readonly string[], stamp: string): RecordState {
  const values = { ...state.values };
  const clocks = { ...state.clocks };
  for (const name of fields) {
    values[name] = null;
    clocks[name] = stamp;
  }
  return { ...state, values, clocks };
}

/** Sets `fields` of stored record `key` to null as a local change, its version set aside. */
async function setNullOn(
  store: SyncStore,
  records: Table<Row, Key>,
  table: string,
  key: Key,
  fields: readonly string[],
  field: string,
  stamp: string,
  local: LocalRecords,
): Promise<void> {
  const loser = (await records.get(key)) as Row;
  const version = await store.versions.get([table, key]);
  await store.setAside(table, key, field, loser, version?.clocks[fields[0] as string]);
  const nulled = { ...loser, ...Object.fromEntries(fields.map((name) => [name, null])) };
  const next = nextVersion(table, key, loser, version, nulled, stamp);
  const queued = { table, key, seq: stamp };
  await records.put(nulled);
  if (next) await store.versions.put(next);
  await store.outbox.put(queued);
  const address = addressOf(table, key);
  if (local.versions.has(address)) {
    local.versions.set(address, next ?? version);
    local.records.set(address, nulled);
    local.pending.set(address, queued);
  }
}

function foreignOf(document: Pulled): { foreign?: Row } {
  const foreign = foreignFields(document);
  return foreign === undefined ? {} : { foreign };
}

import { cmp } from 'dexie';
import { isValidKey, type Key, type Row } from '../core/values.js';
import { nextVersion } from '../database/record-version.js';
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
import { PageState } from './page-state.js';
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
 * cannot read is set aside as rejected, and the others are applied without it. A revision this
 * replica has merged already (one it pushed itself) is skipped. Resolves to the number of
 * documents that were new to it.
 */
export function applyRemote(
  store: SyncStore,
  documents: readonly ServerDocument[],
): Promise<number> {
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
    return Promise.resolve(0);
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
    const page = await PageState.read(store, [...records, ...tombstones]);
    const merged = (table: string, key: Key, rev: string) => page.version(table, key)?.rev === rev;
    const fresh = records.filter(
      (document) =>
        (document._conflicts?.length ?? 0) > 0 ||
        !merged(document.table, document.key, document._rev),
    );
    const deletes = tombstones.filter(({ table, key, rev }) => !merged(table, key, rev));
    // Each document's state decoded once (its dates and attachments), for every step below.
    const states = new Map(fresh.map((document) => [document, stateOf(document)]));
    await readUniqueHolders(store, page, states);
    for (const [document, remote] of states) {
      // Awaited only when a unique index was read: a native await per document with nothing
      // to wait for would lose the transaction after Dexie's echo budget.
      const reading = applyRecord(store, document, remote, page);
      if (reading) await reading;
    }
    for (const tombstone of deletes) applyDelete(store, tombstone, page);
    await page.write();
    return fresh.length + deletes.length + conflicts.length + rejected.length;
  });
}

/**
 * Applies a CouchDB delete: the record goes, its version is marked deleted now (later than any
 * edit this replica made without seeing the delete), and its pending change is dropped.
 */
function applyDelete(store: SyncStore, tombstone: Tombstone, page: PageState): void {
  const { table, key, rev } = tombstone;
  const version = page.version(table, key);
  if (page.record(table, key)) page.setRecord(table, key, undefined);
  const dead =
    version !== undefined && version.deleted !== undefined && version.born <= version.deleted;
  page.setVersion({
    table,
    key,
    born: version?.born ?? store.log.clock.tick(),
    deleted: dead ? version.deleted! : store.log.clock.tick(),
    clocks: version?.clocks ?? {},
    rev,
  });
  if (page.pending(table, key)) page.setPending(table, key, undefined);
}

/** Merges one pulled document; returns a promise only when a unique index had to be read. */
function applyRecord(
  store: SyncStore,
  document: Pulled,
  remote: RecordState,
  page: PageState,
): Promise<void> | undefined {
  const { table, key } = document;
  const version = page.version(table, key);
  store.log.clock.receive(latestStamp(remote));
  const before = version && localState(version, page.record(table, key));
  const merged = before ? mergeStates(before, remote) : remote;
  if (isAlive(merged) && mayCollide(store, page, table, key, merged)) {
    return keepUnique(store, table, key, merged, page).then((kept) =>
      settle(store, document, remote, page, before, kept),
    );
  }
  settle(store, document, remote, page, before, merged);
  return undefined;
}

/** Writes the merged state of a pulled document to the page: record, version, outbox entry. */
function settle(
  store: SyncStore,
  document: Pulled,
  remote: RecordState,
  page: PageState,
  before: RecordState | undefined,
  merged: RecordState,
): void {
  const { table, key } = document;
  if (!before || !sameState(merged, before)) {
    if (isAlive(merged)) page.setRecord(table, key, store.withKey(table, merged.values, key));
    else if (page.record(table, key)) page.setRecord(table, key, undefined);
  }
  page.setVersion({
    table,
    key,
    born: merged.born,
    ...(merged.deleted === undefined ? {} : { deleted: merged.deleted }),
    clocks: merged.clocks,
    rev: document._rev,
    ...foreignOf(document),
  });
  const pending = page.pending(table, key);
  if (sameState(merged, remote)) {
    if (pending) page.setPending(table, key, undefined);
  } else if (!pending) {
    page.setPending(table, key, { table, key, seq: store.log.clock.tick() });
  }
}

/**
 * Reads, one request per unique index of each table, which stored records hold the values that
 * `documents` and the records they merge into hold there: a merged value is one of the two, so
 * {@link keepUnique} finds its holders without a read per document.
 */
async function readUniqueHolders(
  store: SyncStore,
  page: PageState,
  states: ReadonlyMap<Pulled, RecordState>,
): Promise<void> {
  const documents = [...states.keys()];
  for (const table of new Set(documents.map((document) => document.table))) {
    const ofTable = documents.filter((document) => document.table === table);
    for (const { name, fields } of store.uniqueIndexes(table)) {
      const values = ofTable.flatMap((document) => {
        const local = page.record(table, document.key);
        const remote = (states.get(document) as RecordState).values;
        return [remote, ...(local ? [local] : [])].flatMap((values) => {
          const value = indexedValue(fields, values);
          return value === undefined ? [] : [value];
        });
      });
      if (values.length > 0) await page.readHolders(table, name, values);
    }
  }
}

/** What `values` hold in an index over `fields`, or undefined when IndexedDB would not index it. */
function indexedValue(fields: readonly string[], values: Readonly<Row>): Key | undefined {
  const parts = fields.map((field) => values[field]);
  if (!parts.every(isValidKey)) return undefined;
  return (fields.length === 1 ? parts[0] : parts) as Key;
}

/**
 * Whether `state` (of record `key`) may break a unique index: it holds a value there that another
 * record holds, or whose holders the page did not read. Answered without a request, so that a
 * page without collisions is merged with no await per document (each would cost the transaction
 * Dexie's patience with awaits that wait for nothing).
 */
function mayCollide(
  store: SyncStore,
  page: PageState,
  table: string,
  key: Key,
  state: RecordState,
): boolean {
  return store.uniqueIndexes(table).some(({ name, fields }) => {
    const value = indexedValue(fields, state.values);
    if (value === undefined) return false;
    const holders = page.heldBy(table, name, fields, value);
    return holders === undefined || holders.some((holder) => cmp(holder, key) !== 0);
  });
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
  page: PageState,
): Promise<RecordState> {
  for (const { name, fields } of store.uniqueIndexes(table)) {
    const value = indexedValue(fields, merged.values);
    if (value === undefined) continue;
    const holders = await page.holders(table, name, fields, value);
    const other = holders.find((holder) => cmp(holder, key) !== 0);
    if (other === undefined) continue;
    const stamp = store.log.clock.tick();
    const field = fields.join('+');
    if (cmp(key, other) > 0) {
      const version = store.withKey(table, merged.values, key);
      await store.setAside(table, key, field, version, merged.clocks[fields[0] as string]);
      merged = withNulls(merged, fields, stamp);
    } else {
      await setNullOn(store, table, other, fields, field, stamp, page);
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
  table: string,
  key: Key,
  fields: readonly string[],
  field: string,
  stamp: string,
  page: PageState,
): Promise<void> {
  await page.include(table, key);
  const loser = page.record(table, key) as Row;
  const version = page.version(table, key);
  await store.setAside(table, key, field, loser, version?.clocks[fields[0] as string]);
  const nulled = { ...loser, ...Object.fromEntries(fields.map((name) => [name, null])) };
  const next = nextVersion(table, key, loser, version, nulled, stamp);
  page.setRecord(table, key, nulled);
  if (next) page.setVersion(next);
  page.setPending(table, key, { table, key, seq: stamp });
}

function foreignOf(document: Pulled): { foreign?: Row } {
  const foreign = foreignFields(document);
  return foreign === undefined ? {} : { foreign };
}

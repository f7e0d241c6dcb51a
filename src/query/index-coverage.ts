import { Dexie, type ObservabilitySet, type PromiseExtended } from 'dexie';
import type { ModelContext } from '../state/context.js';

/** Per database name, `table\u0000field` → whether some record is missing from that index. */
const known = new Map<string, Map<string, boolean>>();
/** Per database name, how many times answers were forgotten: a count that saw a write is not kept. */
const generations = new Map<string, number>();
/** The Dexie instances whose closing (a delete among them) forgets their database's answers. */
const watched = new WeakSet<Dexie>();
let listening = false;

/** True inside a Dexie live query's querier, whose zone carries the observation's subscriber. */
function inLiveQuery(): boolean {
  const zone = (Dexie.Promise as unknown as { PSD?: { subscr?: unknown } }).PSD;
  return zone?.subscr !== undefined && zone.subscr !== null;
}

function forgetDatabase(database: string): void {
  known.delete(database);
  generations.set(database, (generations.get(database) ?? 0) + 1);
}

/**
 * Forgets what a committed write may have changed: every answer about a table it wrote. Dexie
 * raises the event for writes of this tab and of others, after they commit.
 */
function forgetWritten(parts: ObservabilitySet): void {
  for (const part of Object.keys(parts)) {
    // `idb://<database>/<table>/<index>`
    const [database, table] = part.slice('idb://'.length).split('/');
    if (database === undefined || table === undefined) continue;
    generations.set(database, (generations.get(database) ?? 0) + 1);
    const answers = known.get(database);
    if (!answers) continue;
    for (const entry of [...answers.keys()]) {
      if (entry.startsWith(`${table}\u0000`)) answers.delete(entry);
    }
  }
}

/**
 * True when some record of the table is missing from `field`'s single-field index (its value is
 * no key), as the table's and the index's counts tell, reading no record; true without such an
 * index. IndexedDB counts by walking the index, so the answer is kept until a committed write
 * touches the table, and is not trusted inside a transaction, which may hold writes not yet
 * committed.
 */
export function someUnindexed(context: ModelContext, field: string): PromiseExtended<boolean> {
  const index = context.indexes.get(field);
  if (index?.primary) return Dexie.Promise.resolve(false);
  if (!index || index.multiEntry || index.fields.length !== 1) return Dexie.Promise.resolve(true);
  const { table } = context;
  const database = table.db.name;
  const entry = `${table.name}\u0000${field}`;
  const inTransaction = Dexie.currentTransaction !== null && Dexie.currentTransaction !== undefined;
  // A live query counts too: the counts make it observe the whole table, so that a record added
  // without a key in `field` re-runs it (Dexie's live-query cache lets a narrower probe pass).
  const cached = inTransaction || inLiveQuery() ? undefined : known.get(database)?.get(entry);
  if (cached !== undefined) return Dexie.Promise.resolve(cached);
  if (!listening) {
    Dexie.on('storagemutated', forgetWritten);
    listening = true;
  }
  if (!watched.has(table.db)) {
    watched.add(table.db);
    table.db.on('close', () => forgetDatabase(database));
  }
  const generation = generations.get(database) ?? 0;
  return Dexie.Promise.all([table.count(), table.orderBy(index.name).count()]).then(
    ([all, indexed]) => {
      const missing = indexed < all;
      if (!inTransaction && generation === (generations.get(database) ?? 0)) {
        const answers = known.get(database) ?? new Map<string, boolean>();
        answers.set(entry, missing);
        known.set(database, answers);
      }
      return missing;
    },
  );
}

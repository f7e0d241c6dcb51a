import { cmp, type IndexableType } from 'dexie';
import { dictionaryKey } from '../core/key-dictionary.js';
import type { Key, Row } from '../core/values.js';
import type { RecordVersion } from '../database/record-version.js';
import { readPresent } from './range-batches.js';
import type { SyncStore } from './sync-store.js';
import type { OutboxEntry } from './sync-tables.js';

interface Address {
  readonly table: string;
  readonly key: Key;
}

const addressOf = (table: string, key: Key) => `${table}\u0000${JSON.stringify(key)}`;

/**
 * What a pulled page touches of this replica: each record, its version and its outbox entry,
 * read in one request per table and written back in one request per table when the page is
 * applied. Merging a page of 100 documents costs a few bulk requests instead of two or three
 * requests per document; later documents of the page see what earlier ones wrote.
 */
export class PageState {
  readonly #store: SyncStore;
  readonly #addresses = new Map<string, Address>();
  readonly #versions = new Map<string, RecordVersion | undefined>();
  readonly #records = new Map<string, Row | undefined>();
  readonly #pending = new Map<string, OutboxEntry | undefined>();
  /** What {@link readHolders} read, by table and index, then by value. */
  readonly #storedHolders = new Map<string, Map<unknown, Key[]>>();
  readonly #changed = {
    records: new Set<string>(),
    versions: new Set<string>(),
    pending: new Set<string>(),
  };

  private constructor(store: SyncStore) {
    this.#store = store;
  }

  /** Reads what the replica holds of `addresses`: versions, outbox entries, then records by table. */
  static async read(store: SyncStore, addresses: readonly Address[]): Promise<PageState> {
    const page = new PageState(store);
    await page.#load(addresses);
    return page;
  }

  /** The stored version of a record (as changed by the page so far). */
  version(table: string, key: Key): RecordVersion | undefined {
    return this.#versions.get(addressOf(table, key));
  }

  /** The stored record (as changed by the page so far); undefined when there is none. */
  record(table: string, key: Key): Row | undefined {
    return this.#records.get(addressOf(table, key));
  }

  /** The record's pending local change (as changed by the page so far). */
  pending(table: string, key: Key): OutboxEntry | undefined {
    return this.#pending.get(addressOf(table, key));
  }

  /** Reads records the page did not name (another record holding a unique value). */
  async include(table: string, key: Key): Promise<void> {
    if (!this.#addresses.has(addressOf(table, key))) await this.#load([{ table, key }]);
  }

  /** Sets the record (undefined: deletes it), written when the page is applied. */
  setRecord(table: string, key: Key, record: Row | undefined): void {
    this.#changed.records.add(this.#set(this.#records, table, key, record));
  }

  /** Sets the record's version, written when the page is applied. */
  setVersion(version: RecordVersion): void {
    this.#changed.versions.add(this.#set(this.#versions, version.table, version.key, version));
  }

  /** Sets or clears the record's pending local change, written when the page is applied. */
  setPending(table: string, key: Key, entry: OutboxEntry | undefined): void {
    this.#changed.pending.add(this.#set(this.#pending, table, key, entry));
  }

  /**
   * Reads, in one request for all of `values`, which stored records hold each of them in unique
   * index `index` of `table`, for {@link holders} to answer without a read per document.
   */
  async readHolders(table: string, index: string, values: readonly Key[]): Promise<void> {
    const known = new Map<unknown, Key[]>(values.map((value) => [dictionaryKey(value), []]));
    await this.#store
      .table(table)
      .where(index)
      .anyOf(values as IndexableType[])
      .eachKey((value, cursor) => {
        known.get(dictionaryKey(value))?.push(cursor.primaryKey as Key);
      });
    this.#storedHolders.set(`${table}\u0000${index}`, known);
  }

  /**
   * The keys of the records of `table` whose `fields` hold `value` now: those stored so, less
   * those the page changed, and those the page set so.
   */
  async holders(
    table: string,
    index: string,
    fields: readonly string[],
    value: Key,
  ): Promise<Key[]> {
    const stored =
      this.#storedHolders.get(`${table}\u0000${index}`)?.get(dictionaryKey(value)) ??
      (await this.#store.table(table).where(index).equals(value).primaryKeys());
    return this.#holdersNow(table, fields, value, stored);
  }

  /** {@link holders} from what {@link readHolders} read; undefined for a value it did not read. */
  heldBy(table: string, index: string, fields: readonly string[], value: Key): Key[] | undefined {
    const stored = this.#storedHolders.get(`${table}\u0000${index}`)?.get(dictionaryKey(value));
    return stored && this.#holdersNow(table, fields, value, stored);
  }

  #holdersNow(table: string, fields: readonly string[], value: Key, stored: readonly Key[]): Key[] {
    const holders = stored.filter((key) => !this.#changed.records.has(addressOf(table, key)));
    for (const address of this.#changed.records) {
      const { table: of, key } = this.#addresses.get(address)!;
      const record = this.#records.get(address);
      if (of !== table || record === undefined) continue;
      const parts = fields.map((field) => record[field]);
      const held = (fields.length === 1 ? parts[0] : parts) as Key;
      if (cmp(held, value) === 0) holders.push(key);
    }
    return holders;
  }

  /** Writes what the page changed, in one request per table and kind. */
  async write(): Promise<void> {
    const store = this.#store;
    const puts = new Map<string, Row[]>();
    const deletes = new Map<string, Key[]>();
    for (const address of this.#changed.records) {
      const { table, key } = this.#addresses.get(address)!;
      const record = this.#records.get(address);
      if (record) append(puts, table, record);
      else append(deletes, table, key);
    }
    for (const [table, rows] of puts) await store.table(table).bulkPut(rows);
    for (const [table, keys] of deletes) await store.table(table).bulkDelete(keys);
    const versions = [...this.#changed.versions].flatMap((address) => {
      const version = this.#versions.get(address);
      return version ? [version] : [];
    });
    if (versions.length > 0) await store.versions.bulkPut(versions);
    const queued: OutboxEntry[] = [];
    const cleared: Array<[string, Key]> = [];
    for (const address of this.#changed.pending) {
      const entry = this.#pending.get(address);
      const { table, key } = this.#addresses.get(address)!;
      if (entry) queued.push(entry);
      else cleared.push([table, key]);
    }
    if (queued.length > 0) await store.outbox.bulkPut(queued);
    if (cleared.length > 0) await store.outbox.bulkDelete(cleared);
  }

  #set<T>(map: Map<string, T>, table: string, key: Key, value: T): string {
    const address = addressOf(table, key);
    this.#addresses.set(address, { table, key });
    map.set(address, value);
    return address;
  }

  async #load(addresses: readonly Address[]): Promise<void> {
    const store = this.#store;
    const keys = addresses.map(({ table, key }): [string, Key] => [table, key]);
    const versions = await readPresent(store.versions, keys);
    const pending = await readPresent(store.outbox, keys);
    addresses.forEach(({ table, key }, i) => {
      const address = addressOf(table, key);
      this.#addresses.set(address, { table, key });
      this.#versions.set(address, versions[i]);
      this.#pending.set(address, pending[i]);
    });
    for (const table of new Set(addresses.map((address) => address.table))) {
      const ofTable = addresses.filter((address) => address.table === table).map(({ key }) => key);
      const rows = await readPresent(store.table(table), ofTable);
      ofTable.forEach((key, i) => {
        this.#records.set(addressOf(table, key), rows[i]);
      });
    }
  }
}

function append<T>(map: Map<string, T[]>, table: string, value: T): void {
  const list = map.get(table);
  if (list) list.push(value);
  else map.set(table, [value]);
}

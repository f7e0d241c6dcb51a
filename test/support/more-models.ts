import { Database, type KeyType, Model, type ModelClass } from '../../src/index.js';

/** A note keyed by a UUID that is assigned on insert. */
export interface NoteAttributes {
  id?: string;
  title: string;
}

export class Note extends Model<NoteAttributes> {
  static override table = 'notes';
  static override keyType: KeyType = 'uuid';
}

/** A setting keyed by a caller-chosen string under a primary key that is not `id`. */
export interface SettingAttributes {
  key?: string;
  value: string;
}

export class Setting extends Model<SettingAttributes> {
  static override table = 'settings';
  static override primaryKey = 'key';
  static override keyType: KeyType = 'manual';
}

/** Items with optional, nullable, array and nested-object attributes. */
export interface ItemAttributes {
  id?: number;
  name: string;
  category?: string | null;
  price?: number;
  tags?: string[];
  meta?: { color?: string; sizes?: number[] };
  shelf?: string;
  slot?: number;
}

/** Items with an index on most fields: plain, compound and multi-entry. */
export class IndexedItem extends Model<ItemAttributes> {
  static override table = 'indexed_items';
  static override indexes = ['name', 'category', 'price', '[shelf+slot]', '*tags'];
}

/** The same items without any index but the primary key: every query is answered in memory. */
export class PlainItem extends Model<ItemAttributes> {
  static override table = 'plain_items';
}

let databases = 0;

/** A uniquely named database over `models`. */
export function databaseOf(models: readonly ModelClass[], version?: number): Database {
  databases += 1;
  const name = `dexorm-more-${databases}-${Math.random().toString(36).slice(2)}`;
  return new Database(name, version === undefined ? { models } : { models, version });
}

/** A unique database name, for tests that open several Databases on one name. */
export function uniqueName(prefix: string): string {
  databases += 1;
  return `${prefix}-${databases}-${Math.random().toString(36).slice(2)}`;
}

/** One low-level request Dexie sent to IndexedDB, as seen by {@link recordRequests}. */
export interface StorageRequest {
  readonly table: string;
  readonly kind:
    | 'add'
    | 'put'
    | 'delete'
    | 'deleteRange'
    | 'get'
    | 'getMany'
    | 'query'
    | 'openCursor'
    | 'count';
  /** How many records a write carried. */
  readonly records?: number;
  /** The index a read went through: null for the primary key. */
  readonly index?: string | null;
}

/**
 * Records every request `db` sends below Dexie (a DBCore middleware), so tests can tell how many
 * writes an operation made and which index a query used. Call it before the database opens.
 */
export function recordRequests(db: Database): StorageRequest[] {
  const requests: StorageRequest[] = [];
  db.dexie.use({
    stack: 'dbcore',
    name: 'test-request-recorder',
    create: (down) => ({
      ...down,
      table(name) {
        const table = down.table(name);
        return {
          ...table,
          mutate(request) {
            const records = 'values' in request ? request.values.length : undefined;
            requests.push({ table: name, kind: request.type, records });
            return table.mutate(request);
          },
          get(request) {
            requests.push({ table: name, kind: 'get', index: null });
            return table.get(request);
          },
          getMany(request) {
            requests.push({ table: name, kind: 'getMany', index: null });
            return table.getMany(request);
          },
          query(request) {
            requests.push({ table: name, kind: 'query', index: request.query.index.name });
            return table.query(request);
          },
          openCursor(request) {
            requests.push({ table: name, kind: 'openCursor', index: request.query.index.name });
            return table.openCursor(request);
          },
          count(request) {
            requests.push({ table: name, kind: 'count', index: request.query.index.name });
            return table.count(request);
          },
        };
      },
    }),
  });
  return requests;
}

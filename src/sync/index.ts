import { SchemaError, ValidationError } from '../core/errors.js';
import type { Database } from '../database/database.js';
import type { ModelClass } from '../state/model-class.js';
import { changeLogOf } from './change-log.js';
import { CouchClient, type HeadersOption } from './couch-client.js';
import { LocalReplica } from './local-replica.js';
import { Replication } from './replication.js';

export type { HeadersOption } from './couch-client.js';
export { Replication } from './replication.js';
export type {
  ReplicationConflict,
  ReplicationState,
  ReplicationStatus,
} from './replication-status.js';
export { SyncError } from './sync-error.js';
export type { RejectedDocument } from './sync-store.js';

/** Options of {@link replicate}. */
export interface ReplicateOptions {
  /** The CouchDB database, e.g. `https://couch.example.com/team-42`. */
  readonly url: string;
  /** The models to replicate (default: every model of the Database). */
  readonly models?: readonly ModelClass[];
  /**
   * Headers sent with every request, e.g. `{ authorization: 'Basic …' }`; or a function (sync or
   * async) asked before each request, for tokens that expire.
   */
  readonly headers?: HeadersOption;
  /** The fetch function to use (default: the global `fetch`). */
  readonly fetch?: typeof fetch;
  /**
   * Default true: keep pushing and pulling as either side changes. False: one push and pull
   * round, after which `whenSynced()` resolves and the replication stops.
   */
  readonly live?: boolean;
  /** The most documents per request (default 100). */
  readonly batchSize?: number;
  /**
   * Pulls only the records of a table that match a Mango selector over its fields, e.g.
   * `{ tasks: { done: false } }` (CouchDB's `_selector` filter); a table not named is pulled
   * whole. Local writes are pushed whatever they hold.
   */
  readonly filter?: Readonly<Record<string, MangoSelector>>;
}

/** A CouchDB Mango selector over a record's fields: `{ done: false }`, `{ rank: { $gt: 3 } }`. */
export type MangoSelector = Readonly<Record<string, unknown>>;

/**
 * Replicates `db`'s models with a CouchDB database (CouchDB 3, or a compatible server), offline
 * first: local writes are recorded in their own transaction and pushed when the server is
 * reachable; server changes are pulled and merged field by field.
 * @throws SchemaError when a model is not registered with `db` or has `keyType: 'auto'` (keys must
 * be unique across devices: use 'uuid' or 'manual').
 * @throws ValidationError for a missing `url` or a bad `batchSize`.
 * @example
 * const replication = replicate(db, { url: 'https://couch.example.com/team-42' });
 * replication.status$.subscribe(({ state, pending }) => console.log(state, pending));
 * await replication.whenSynced();
 */
export function replicate(db: Database, options: ReplicateOptions): Replication {
  if (typeof options?.url !== 'string' || !/^https?:\/\/./.test(options.url)) {
    throw new ValidationError(
      `replicate: url must be the http(s) address of a CouchDB database, not ${JSON.stringify(options?.url)}`,
      { field: 'url' },
    );
  }
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValidationError(`replicate: batchSize must be a positive integer, not ${batchSize}`, {
      field: 'batchSize',
    });
  }
  const models = options.models ?? db.models;
  for (const model of models) {
    if (!db.models.includes(model)) {
      throw new SchemaError(
        `replicate: ${model?.name} (table "${String(model?.table)}") is not a model of the Database "${db.name}"`,
        { model: model?.name, table: model?.table },
      );
    }
    if (model.keyType === 'auto') {
      throw new SchemaError(
        `replicate: ${model.name} (table "${model.table}") has keyType 'auto', whose keys clash ` +
          `between devices: give replicated models keyType 'uuid' or 'manual'`,
        { model: model.name, table: model.table, field: 'keyType' },
      );
    }
  }
  const log = changeLogOf(db.dexie);
  if (!log || models.length === 0) {
    throw new SchemaError(`replicate: the Database "${db.name}" has no model to replicate`);
  }
  const headers = options.headers ?? {};
  if (typeof headers !== 'function' && (typeof headers !== 'object' || headers === null)) {
    throw new ValidationError(
      'replicate: headers must be an object of header values or a function',
      {
        field: 'headers',
      },
    );
  }
  const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  // The pivot tables between two replicated models replicate with them.
  const tables = models.map((model) => model.table);
  const selector =
    options.filter && changesSelector(options.filter, [...tables, ...log.pivotsOf(tables)]);
  const client = new CouchClient(options.url, headers, fetcher, selector);
  const local = new LocalReplica(db.dexie, log, [...tables, ...log.pivotsOf(tables)]);
  return new Replication(client, local, { live: options.live ?? true, batchSize });
}

/**
 * The selector of `_changes` for `filter`: per replicated table its records (those matching the
 * table's selector, its fields read under `values`), and every stored conflict and CouchDB delete.
 * @throws ValidationError for a table that does not replicate, or a selector that is no object.
 */
function changesSelector(
  filter: Readonly<Record<string, MangoSelector>>,
  tables: readonly string[],
): object {
  if (typeof filter !== 'object' || filter === null) {
    throw new ValidationError('replicate: filter must be an object of table → selector', {
      field: 'filter',
    });
  }
  for (const [table, selector] of Object.entries(filter)) {
    if (!tables.includes(table)) {
      throw new ValidationError(
        `replicate: filter names "${table}", which does not replicate here`,
        {
          table,
          field: 'filter',
        },
      );
    }
    if (typeof selector !== 'object' || selector === null || Array.isArray(selector)) {
      throw new ValidationError(`replicate: the filter of "${table}" must be a selector object`, {
        table,
        field: 'filter',
      });
    }
  }
  return {
    $or: [
      ...tables.map((table) =>
        filter[table] ? { table, ...underValues(filter[table]) } : { table },
      ),
      { kind: 'conflict' },
      // Deletes: CouchDB's, and dexorm's (the document stays, its values emptied).
      { _deleted: true },
      { kind: 'record', deleted: { $exists: true }, values: { $eq: {} } },
    ],
  };
}

/** `selector` with each field name read under `values`, operators (`$and`, `$or`...) kept. */
function underValues(selector: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(selector).map(([name, value]) => {
      if (!name.startsWith('$')) return [`values.${name}`, value];
      const nested = Array.isArray(value)
        ? value.map((part) => underValues(part as Record<string, unknown>))
        : underValues(value as Record<string, unknown>);
      return [name, nested];
    }),
  );
}

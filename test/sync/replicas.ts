import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Observable } from 'rxjs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type SyncServer, startSyncServer } from '../../scripts/sync-server.mjs';
import {
  type BelongsTo,
  type BelongsToMany,
  Database,
  type HasOne,
  Model,
  type ModelClass,
} from '../../src/index.js';
import { type ReplicateOptions, type Replication, replicate } from '../../src/sync/index.js';

export interface MemberAttributes {
  id?: string;
  name: string;
  email?: string | null;
  role?: string;
  joined?: Date;
}

export interface CardAttributes {
  id?: string;
  member_id?: string | null;
  title: string;
}

/** A team member (uuid keys, so replicas never clash), with one card. */
export class Member extends Model<MemberAttributes> {
  static override table = 'members';
  static override keyType = 'uuid' as const;
  static override indexes = ['&email'];

  cardRelation(): HasOne<Member, Card> {
    return this.hasOne(Card, 'member_id', 'id');
  }

  get card$(): Observable<Card | null> {
    return this.cardRelation().observe();
  }

  /** Many-to-many through the pivot table `member_skill`, with who added each skill. */
  skillsRelation(): BelongsToMany<Member, Skill, { added_by?: string }> {
    return this.belongsToMany(Skill);
  }
}

export class Skill extends Model<{ id?: string; name: string }> {
  static override table = 'skills';
  static override keyType = 'uuid' as const;
}

export class Card extends Model<CardAttributes> {
  static override table = 'cards';
  static override keyType = 'uuid' as const;

  memberRelation(): BelongsTo<Card, Member> {
    return this.belongsTo(Member, 'member_id', 'id');
  }
}

/** One device: its own IndexedDB (a separate fake-indexeddb factory), database and replication. */
export interface Replica {
  readonly db: Database;
  readonly name: string;
  /** Starts a replication of this replica with the test's server database. */
  replicate(options?: Partial<ReplicateOptions>): Replication;
  /** Runs `fn` with the models bound to this replica's database. */
  as<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the database and opens it again from the same IndexedDB, as a page reload does. */
  reload(): Replica;
}

let server: SyncServer;
let databases = 0;
const open: Array<{ db: Database; replications: Replication[] }> = [];

/** Starts one real CouchDB-compatible server for the test file; stops it afterwards. */
export function withSyncServer(): { readonly server: SyncServer } {
  beforeAll(async () => {
    server = await startSyncServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const { db, replications } of open.splice(0)) {
      for (const replication of replications) replication.stop();
      db.close();
    }
  });
  return {
    get server() {
      return server;
    },
  };
}

/** A new database on the server; resolves to its URL. */
export async function serverDatabase(): Promise<string> {
  databases += 1;
  const url = `${server.url}/team-${databases}-${Math.random().toString(36).slice(2, 8)}`;
  // Once more after a failure: a test may just have restarted the server under a pooled socket.
  const response = await fetch(url, { method: 'PUT' }).catch(() => fetch(url, { method: 'PUT' }));
  if (!response.ok) throw new Error(`cannot create ${url}: ${response.status}`);
  return url;
}

/** A new server database and two replicas of it, `a` and `b`, each with its own IndexedDB. */
export async function twoReplicas(): Promise<{ url: string; a: Replica; b: Replica }> {
  const url = await serverDatabase();
  return { url, a: replicaOf(url, 'a'), b: replicaOf(url, 'b') };
}

/** A replica of `url` with its own IndexedDB. */
export function replicaOf(
  url: string,
  name: string,
  models: readonly ModelClass[] = [Member, Card, Skill],
  indexedDB: IDBFactory = new IDBFactory(),
): Replica {
  const db = new Database(`replica-${name}`, { models, indexedDB, IDBKeyRange });
  const entry = { db, replications: [] as Replication[] };
  open.push(entry);
  return {
    db,
    name,
    replicate(options = {}) {
      const replication = replicate(db, { url, ...options });
      entry.replications.push(replication);
      return replication;
    },
    // Database.transaction binds the models to this database for the function's duration.
    as: (fn) => db.transaction(fn),
    reload() {
      for (const replication of entry.replications) replication.stop();
      db.close();
      return replicaOf(url, name, models, indexedDB);
    },
  };
}

/** Pushes and pulls once on each replica, in order. */
export async function syncOnce(...replicas: Replica[]): Promise<void> {
  for (const replica of replicas) await replica.replicate({ live: false }).whenSynced();
}

/** Every record of `table` on `replica`, sorted by key, as stored. */
export function stored(replica: Replica, table: string): Promise<unknown[]> {
  return replica.db.dexie.table(table).toArray();
}

/** Every document in the server database, by id. */
export async function serverDocuments(url: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${url}/_all_docs?include_docs=true`);
  const page = (await response.json()) as { rows: Array<{ doc: Record<string, unknown> }> };
  return page.rows.map((row) => row.doc);
}

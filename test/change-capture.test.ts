import { Dexie, type Table } from 'dexie';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { describe, expect, it, vi } from 'vitest';
import { Database, type HasOne, Model } from '../src/index.js';
import { replicate } from '../src/sync/index.js';
import { FaultInjector } from './support/fault-injector.js';
import { Profile, User } from './support/models.js';
import { installReadCounter } from './support/read-counter.js';
import { databaseSession } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

class Member extends Model<{ id?: string; name: string; role?: string }> {
  static override table = 'members';
  static override keyType = 'uuid' as const;

  cardRelation(): HasOne<Member, Card> {
    return this.hasOne(Card, 'member_id', 'id');
  }
}

class Card extends Model<{ id?: string; member_id?: string | null; title: string }> {
  static override table = 'cards';
  static override keyType = 'uuid' as const;
}

interface Version {
  table: string;
  key: string;
  born: string;
  deleted?: string;
  clocks: Record<string, string>;
}

const faults = new FaultInjector();
const session = databaseSession(
  () => new Database(`capture-${Math.random().toString(36).slice(2)}`, { models: [Member, Card] }),
);

/** Marks the tables replicated, as a first `replicate` does, with a server that is not there. */
async function startReplicating(db: Database): Promise<void> {
  const replication = replicate(db, { url: 'http://127.0.0.1:9/nowhere' });
  await firstValueFrom(replication.status$.pipe(filter(({ state }) => state === 'offline')));
  replication.stop();
}

/** A member with a card, then an edit: three writes in one transaction. */
function writeIn(db: Database): Promise<void> {
  return db.transaction(async () => {
    const member = await Member.create({ name: 'Ada' });
    await member.cardRelation().create({ title: 'Engines' });
    await member.fill({ role: 'lead' }).save();
  });
}

const outbox = (db: Database) => db.dexie.table('_dexorm_outbox').toArray();
/** The tables stored in `db`'s IndexedDB database, as IndexedDB lists them. */
const storedTables = (db: Database) => [...db.dexie.backendDB().objectStoreNames].sort();
const SYNC_TABLES = ['_dexorm_conflicts', '_dexorm_outbox', '_dexorm_sync', '_dexorm_versions'];
const version = (db: Database, table: string, key: unknown) =>
  db.dexie.table('_dexorm_versions').get([table, key]) as Promise<Version | undefined>;

/** `factory`, adding the version asked for by each of its opens to `opens`. */
function countingOpens(factory: IDBFactory, opens: (number | undefined)[]): IDBFactory {
  return {
    open(name: string, version?: number) {
      opens.push(version);
      return version === undefined ? factory.open(name) : factory.open(name, version);
    },
    deleteDatabase: (name: string) => factory.deleteDatabase(name),
    cmp: (first: unknown, second: unknown) => factory.cmp(first, second),
    databases: () => factory.databases(),
  };
}

/** Dexie's spec of `table`: its primary key, then its indexes. */
const specOf = (table: Table) =>
  [table.schema.primKey, ...table.schema.indexes].map((index) => index.src).join(',');

describe('change capture for replicated tables', () => {
  it('records nothing before a table has been replicated: the sync tables do not exist yet', async () => {
    await Member.create({ name: 'Ada' });
    expect(storedTables(session.db)).toEqual(['cards', 'members']);
    expect(session.db.dexie.tables.map(({ name }) => name).sort()).toEqual(['cards', 'members']);
    await startReplicating(session.db);
    expect(storedTables(session.db)).toEqual([...SYNC_TABLES, 'cards', 'members']);
  });

  // Dexie deletes the stored tables an upgrade does not declare, also in an in-place upgrade
  // (a new index at the same version, which Dexie applies at the next IndexedDB version).
  it.each([
    ['to version 2', 2],
    ['in place, at version 1', 1],
  ])(
    'keeps the sync tables and what they hold through a reload and a schema upgrade %s',
    async (_, version) => {
      await startReplicating(session.db);
      const ada = await Member.create({ name: 'Ada' });
      session.db.close();
      class IndexedMember extends Member {
        static override indexes = ['name'];
      }
      const upgraded = session.track(
        new Database(session.db.name, { models: [IndexedMember, Card], version }),
      );
      await upgraded.open();
      const stored = upgraded.dexie.backendDB().transaction('members').objectStore('members');
      expect([...stored.indexNames]).toContain('name');
      expect(storedTables(upgraded)).toEqual([...SYNC_TABLES, 'cards', 'members']);
      expect((await outbox(upgraded)).map(({ key }) => key)).toEqual([ada.id]);
      const grace = await IndexedMember.create({ name: 'Grace' });
      expect((await outbox(upgraded)).map(({ key }) => key).sort()).toEqual(
        [ada.id, grace.id].sort(),
      );
    },
  );

  it.each([
    ['a database that replicated', true],
    ['a database that never did', false],
  ])('opens %s with the IndexedDB opens plain Dexie makes of it', async (_, replicated) => {
    if (replicated) await startReplicating(session.db);
    const ada = await Member.create({ name: 'Ada' });
    const tables = session.db.dexie.tables.map((table) => [table.name, specOf(table)] as const);
    session.db.close();
    const opens: (number | undefined)[] = [];
    const reopened = session.track(
      new Database(session.db.name, {
        models: [Member, Card],
        indexedDB: countingOpens(indexedDB, opens),
      }),
    );
    await reopened.open();
    reopened.close();
    const plainOpens: (number | undefined)[] = [];
    const plain = new Dexie(session.db.name, { indexedDB: countingOpens(indexedDB, plainOpens) });
    plain.version(1).stores(Object.fromEntries(tables));
    await plain.open();
    plain.close();
    expect(opens).toEqual(plainOpens);
    await reopened.open();
    expect(storedTables(reopened)).toEqual(
      replicated ? [...SYNC_TABLES, 'cards', 'members'] : ['cards', 'members'],
    );
    if (replicated) expect((await outbox(reopened)).map(({ key }) => key)).toEqual([ada.id]);
  });

  it('creates no sync tables again after a delete, until the next replicate', async () => {
    await startReplicating(session.db);
    await session.db.delete();
    await session.db.open();
    await Member.create({ name: 'Ada' });
    expect(storedTables(session.db)).toEqual(['cards', 'members']);
    await startReplicating(session.db);
    const grace = await Member.create({ name: 'Grace' });
    expect(storedTables(session.db)).toEqual([...SYNC_TABLES, 'cards', 'members']);
    expect((await outbox(session.db)).map(({ key }) => key)).toContain(grace.id);
  });

  it('records writes through a table object taken before the sync tables existed', async () => {
    const members = session.db.dexie.table('members');
    const created: unknown[] = [];
    members.hook('creating', (key) => {
      created.push(key);
    });
    await startReplicating(session.db);
    await members.put({ id: 'm-1', name: 'Raw' });
    expect((await outbox(session.db)).map(({ key }) => key)).toEqual(['m-1']);
    // Its hooks still run, on the table object Dexie uses now too.
    await session.db.dexie.table('members').put({ id: 'm-2', name: 'Raw 2' });
    expect(created).toEqual(['m-1', 'm-2']);
  });

  it('puts the records a table already held in the outbox when it is first replicated', async () => {
    const ada = await Member.create({ name: 'Ada' });
    await startReplicating(session.db);
    expect((await outbox(session.db)).map(({ key }) => key)).toEqual([ada.id]);
    expect(
      Object.keys((await version(session.db, 'members', ada.id))?.clocks ?? {}).sort(),
    ).toEqual(['id', 'name']);
  });

  it('stamps the fields each write changes, and keeps recording after stop()', async () => {
    await startReplicating(session.db);
    const ada = await Member.create({ name: 'Ada' });
    const created = (await version(session.db, 'members', ada.id))!;
    expect(created.clocks).toEqual({ id: created.born, name: created.born });
    await ada.fill({ role: 'lead' }).save();
    const edited = (await version(session.db, 'members', ada.id))!;
    expect(edited.clocks.name).toBe(created.born);
    expect(edited.clocks.role! > created.born).toBe(true);
    const [entry] = await outbox(session.db);
    expect(entry).toEqual({ table: 'members', key: ada.id, seq: edited.clocks.role });
    // Saving without a change records nothing.
    await ada.save();
    expect(await outbox(session.db)).toEqual([entry]);
    await ada.delete();
    const deleted = (await version(session.db, 'members', ada.id))!;
    expect(deleted.deleted! > edited.clocks.role!).toBe(true);
    expect(await outbox(session.db)).toEqual([{ ...entry, seq: deleted.deleted }]);
  });

  it('stamps later than before a reload, even when the clock went back meanwhile', async () => {
    await startReplicating(session.db);
    const ada = await Member.create({ name: 'Ada' });
    const before = (await version(session.db, 'members', ada.id))!;
    session.db.close();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() - 3_600_000);
      const reopened = session.track(new Database(session.db.name, { models: [Member, Card] }));
      await reopened.transaction(async () => {
        await (await Member.findOrFail(ada.id!)).fill({ name: 'Ada L.' }).save();
      });
      const after = (await version(reopened, 'members', ada.id))!;
      expect(after.clocks.name! > before.born).toBe(true);
      reopened.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('records writes made through db.dexie too', async () => {
    await startReplicating(session.db);
    await session.db.dexie.table('members').put({ id: 'm-1', name: 'Raw' });
    await session.db.dexie.table('members').where('id').equals('m-1').modify({ name: 'Raw 2' });
    expect((await outbox(session.db)).map(({ key }) => key)).toEqual(['m-1']);
    expect((await version(session.db, 'members', 'm-1'))?.clocks.name).toBeDefined();
  });

  it('records nothing for a transaction that rolls back', async () => {
    await startReplicating(session.db);
    const failure = new Error('changed my mind');
    await expect(
      session.db.transaction(async () => {
        await Member.create({ name: 'Ada' });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await outbox(session.db)).toEqual([]);
    expect(await session.db.dexie.table('_dexorm_versions').count()).toBe(0);
  });

  it('leaves records and outbox as they were when a fault hits any step', async () => {
    const db = session.track(
      new Database(`capture-faults-${Math.random().toString(36).slice(2)}`, {
        models: [Member, Card],
      }),
    );
    faults.install(db);
    await startReplicating(db);
    // The same write on a twin database, to count its steps.
    const probe = new Database(`capture-probe-${Math.random().toString(36).slice(2)}`, {
      models: [Member, Card],
    });
    session.track(probe);
    const counter = new FaultInjector().install(probe);
    await startReplicating(probe);
    counter.arm(Number.MAX_SAFE_INTEGER);
    await writeIn(probe);
    const steps = counter.mutations;
    expect(steps).toBeGreaterThanOrEqual(9); // three writes, each with its version and outbox entry
    const before = await snapshotTables(db);
    for (let step = 1; step <= steps; step++) {
      faults.arm(step);
      await expect(writeIn(db)).rejects.toThrow();
      expect(faults.fired).toBe(true);
      expect(await snapshotTables(db)).toEqual(before);
    }
    faults.disarm();
    await writeIn(db);
    expect(await db.dexie.table('_dexorm_outbox').count()).toBe(2);
  });

  it('adds no sync tables to a database whose models all have auto keys', async () => {
    const db = session.track(
      new Database(`capture-auto-${Math.random().toString(36).slice(2)}`, {
        models: [User, Profile],
      }),
    );
    await db.open();
    expect(db.dexie.tables.map((table) => table.name).sort()).toEqual(['profiles', 'users']);
  });

  it('reads nothing for a create where no model replicates', async () => {
    const plain = session.track(
      new Database(`capture-plain-${Math.random().toString(36).slice(2)}`, {
        models: [User, Profile],
      }),
    );
    // Below the write path: the reads its rules make count too.
    const plainReads = installReadCounter(plain.dexie, { level: 3 });
    await plain.open();
    plainReads.reset();
    const user = await plain.transaction(() => User.create({ name: 'Ada', email: 'ada@x.test' }));
    expect(plainReads.reads).toEqual([]);
    expect(await plain.dexie.table('users').get(user.id!)).toMatchObject({ name: 'Ada' });
  });

  it('reads nothing on writes where models may replicate but never did, nor where they do', async () => {
    const reads = installReadCounter(session.db.dexie, { level: 3 });
    await session.db.open();
    reads.reset();
    await Member.create({ name: 'Ada' });
    expect(reads.reads).toEqual([]);
    expect(storedTables(session.db)).toEqual(['cards', 'members']);

    await startReplicating(session.db);
    reads.reset();
    const grace = await Member.create({ name: 'Grace' });
    // The create reads the record's version before it (none) to stamp the change: no sync row.
    expect(reads.reads.map(({ table }) => table)).not.toContain('_dexorm_sync');
    expect((await outbox(session.db)).map(({ key }) => key)).toContain(grace.id);
  });

  it('reads the replicated tables once per write transaction on a table that does not replicate where another does', async () => {
    const reads = installReadCounter(session.db.dexie, { level: 3 });
    const replication = replicate(session.db, {
      url: 'http://127.0.0.1:9/nowhere',
      models: [Member],
    });
    await firstValueFrom(replication.status$.pipe(filter(({ state }) => state === 'offline')));
    replication.stop();
    reads.reset();
    await session.db.transaction(async () => {
      await Card.create({ title: 'Engines' });
      await Card.create({ title: 'Looms' });
    });
    // Another tab may have started replicating the table meanwhile: only the row can tell.
    expect(reads.reads.map(({ table, method }) => `${table}.${method}`)).toEqual([
      '_dexorm_sync.get',
    ]);
    expect(await outbox(session.db)).toEqual([]);
    expect(await session.db.dexie.table('cards').count()).toBe(2);
  });
});

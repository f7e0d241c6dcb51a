import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { Database, Model } from '../src/index.js';
import { replicate, SyncError } from '../src/sync/index.js';
import { databaseSession } from './support/session.js';

class Member extends Model<{ id?: string; name: string }> {
  static override table = 'members';
  static override keyType = 'uuid' as const;
}

const uniqueName = () => `tabs-${Math.random().toString(36).slice(2)}`;

// The Database the session makes is the first tab; each test opens the second tab on its name,
// which the models then use (they bind to the Database constructed last).
const session = databaseSession(() => new Database(uniqueName(), { models: [Member] }));

function secondTab(first: Database): Database {
  return session.track(new Database(first.name, { models: [Member] }));
}

/** Starts replicating `db` with a server that is not there, as a first `replicate` does. */
async function startReplicating(db: Database): Promise<void> {
  const replication = replicate(db, { url: 'http://127.0.0.1:9/nowhere' });
  const status = await firstValueFrom(
    replication.status$.pipe(filter(({ state }) => state === 'offline' || state === 'error')),
  );
  replication.stop();
  if (status.state === 'error') throw status.error;
}

const outboxKeys = async (db: Database) =>
  ((await db.dexie.table('_dexorm_outbox').toArray()) as { key: string }[])
    .map(({ key }) => key)
    .sort();
const versionKeys = async (db: Database) =>
  ((await db.dexie.table('_dexorm_versions').toArray()) as { key: string }[])
    .map(({ key }) => key)
    .sort();
const memberKeys = async (db: Database) =>
  ((await db.dexie.table('members').toCollection().primaryKeys()) as string[]).sort();

describe('a first replicate while another tab has the database open', () => {
  it('makes the other tab record its writes from then on', async () => {
    const first = session.db;
    const second = secondTab(first);
    await first.open();
    await second.open();
    const before = await Member.create({ name: 'Ada' });
    expect([...second.dexie.backendDB().objectStoreNames]).toEqual(['members']);

    await startReplicating(first);
    const after = await Member.create({ name: 'Grace' });

    expect(await outboxKeys(first)).toEqual([before.id, after.id].sort());
    expect(await versionKeys(first)).toEqual([before.id, after.id].sort());
  });

  it('loses no write the other tab makes while it starts: each is queued or recorded', async () => {
    const first = session.db;
    const second = secondTab(first);
    await first.open();
    await second.open();
    let writing = true;
    const writes = (async () => {
      let made = 0;
      // Writes before, during and after the barrier, one transaction each.
      while (writing || made < 5) {
        await Member.create({ name: `member ${made}` });
        made += 1;
      }
      return made;
    })();
    await startReplicating(first);
    writing = false;
    const made = await writes;

    const stored = await memberKeys(first);
    expect(stored).toHaveLength(made);
    expect(await outboxKeys(first)).toEqual(stored);
    expect(await versionKeys(first)).toEqual(stored);
  });

  it("keeps both tabs' live observers running across it", async () => {
    const first = session.db;
    const second = secondTab(first);
    await first.open();
    const members = session.watch(Member.query().orderBy('name').observe());
    expect(await members.nth(1)).toEqual([]);

    await startReplicating(first);
    await Member.create({ name: 'Ada' });
    const seen = (await members.nth(2)) as Member[];
    expect(seen.map((member) => member.name)).toEqual(['Ada']);
    expect(members.error).toBeUndefined();
    expect(second.isOpen()).toBe(true);

    // The tab that replicates observes too: its own barrier does not end its observers.
    await startReplicating(second);
    await Member.create({ name: 'Grace' });
    const later = (await members.nth(3)) as Member[];
    expect(later.map((member) => member.name)).toEqual(['Ada', 'Grace']);
    expect(members.error).toBeUndefined();
  });

  it('refuses, changing nothing, when the stored version is one below the next schema version', async () => {
    const db = session.db;
    await db.open();
    db.close();
    // Nine in-place upgrades since version 1 (Dexie stores version v as 10 v).
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(db.name, 19);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    await db.open();
    await Member.create({ name: 'Ada' });

    const error = await startReplicating(db).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(SyncError);
    expect(String((error as SyncError).cause)).toMatch(/raise the Database's version/);
    expect(db.dexie.backendDB().version).toBe(19);
    expect([...db.dexie.backendDB().objectStoreNames]).toEqual(['members']);
    expect(await memberKeys(db)).toHaveLength(1);
  });
});

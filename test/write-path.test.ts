import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PendingWrite, writePath } from '../src/database/write-path.js';
import type { Database } from '../src/index.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { removeDatabase } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

let db: Database;
let seen: Omit<PendingWrite, 'trans'>[];
let refuse: string | undefined;

beforeEach(() => {
  db = freshDatabase();
  seen = [];
  refuse = undefined;
  // A rule on the same path as the Database's own rules: it sees each write before it applies.
  db.dexie.use(
    writePath([
      {
        concerns: () => true,
        enforce: (write) => {
          const { trans: _, ...rest } = write;
          seen.push(rest);
          if (write.table === refuse) throw new Error(`refused a write to ${write.table}`);
        },
      },
    ]),
  );
});

afterEach(async () => {
  await removeDatabase(db);
});

const kinds = () => seen.map((write) => `${write.type} ${write.table}`);

describe('the write path', () => {
  it('sees every write dexorm makes, with its keys or records', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    await User.createMany([
      { name: 'Bob', email: 'bob@example.com' },
      { name: 'Cy', email: 'cy@example.com' },
    ]);
    ada.name = 'Ada L.';
    await ada.save();
    await ada.profileRelation().create({ bio: 'hi' });
    await User.where('name', 'Bob').update({ name: 'Robert' });
    await User.where('name', 'Cy').delete();
    await ada.delete();
    expect(kinds()).toEqual([
      'add users',
      'add users',
      'put users',
      'add profiles',
      'put users',
      'delete users',
      'delete users',
    ]);
    expect(seen[1]?.values).toHaveLength(2);
    expect(seen[2]?.values).toEqual([{ id: ada.id, name: 'Ada L.', email: 'ada@example.com' }]);
    expect(seen.at(-1)?.keys).toEqual([ada.id]);
  });

  it('sees writes made through db.dexie, range deletes resolved to their keys', async () => {
    await User.createMany([
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
    ]);
    seen = [];
    await db.dexie.table('users').put({ id: 9, name: 'Raw', email: 'raw@example.com' });
    await db.dexie.table('users').clear();
    expect(kinds()).toEqual(['put users', 'delete users']);
    expect(seen[1]?.keys).toEqual([1, 2, 9]);
  });

  it('runs inside the write’s transaction: a rule that throws leaves every record as it was', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const before = await snapshotTables(db);
    refuse = 'profiles';
    await expect(
      db.transaction(async () => {
        await User.create({ name: 'Bob', email: 'bob@example.com' });
        await ada.profileRelation().create({ bio: 'refused' });
      }),
    ).rejects.toThrow('refused a write to profiles');
    expect(await snapshotTables(db)).toEqual(before);
    expect(await Profile.count()).toBe(0);
  });

  it('asks a rule which tables it concerns at each open, and runs it only on those', async () => {
    const asked: string[] = [];
    const enforced: string[] = [];
    db.dexie.use(
      writePath([
        {
          concerns: (table) => {
            asked.push(table);
            return table === 'profiles';
          },
          enforce: (write) => {
            enforced.push(`${write.type} ${write.table}`);
          },
        },
      ]),
    );
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const askedAfterOne = asked.length;
    for (const name of ['Bob', 'Cy', 'Di']) {
      await User.create({ name, email: `${name.toLowerCase()}@example.com` });
    }
    const profile = await ada.profileRelation().create({ bio: 'hi' });
    await profile.delete();
    expect(enforced).toEqual(['add profiles', 'delete profiles']);
    // Asked as each open builds the middleware stack (Dexie builds it again after an upgrade),
    // not at each write.
    expect(asked).toContain('profiles');
    expect(asked).toHaveLength(askedAfterOne);
    expect(await User.count()).toBe(4);
  });
});

import { Dexie, type ObservabilitySet, RangeSet } from 'dexie';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Database, type QueryBuilder, StorageError } from '../src/index.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { databaseOf, IndexedItem } from './support/more-models.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => freshDatabase());

type UsersWithProfile = QueryBuilder<User, User & { profile: Profile | null }>;

/** Every query shape of API.md §3 that selects Ada (and maybe others), with `with('profile')`. */
const SHAPES: [string, () => UsersWithProfile][] = [
  ['the whole table', () => User.query().with('profile')],
  ['where = on an index', () => User.where('name', 'Ada').with('profile')],
  ['where = on a unique index', () => User.where('email', 'ada@example.com').with('profile')],
  ['where != ', () => User.where('email', '!=', '').with('profile')],
  ['where > on the primary key', () => User.where('id', '>', 0).with('profile')],
  ['where >= on an index', () => User.where('name', '>=', 'A').with('profile')],
  ['where < on an index', () => User.where('name', '<', 'Z').with('profile')],
  ['where <= on an index', () => User.where('name', '<=', 'Ada').with('profile')],
  ['where in on the primary key', () => User.where('id', 'in', [1, 2, 3]).with('profile')],
  ['whereIn on the primary key', () => User.query().whereIn('id', [1, 2]).with('profile')],
  ['whereIn on an index', () => User.query().whereIn('name', ['Ada', 'Bob']).with('profile')],
  ['where startsWith', () => User.where('name', 'startsWith', 'A').with('profile')],
  [
    'where on several fields',
    () => User.where({ name: 'Ada', email: 'ada@example.com' }).with('profile'),
  ],
  ['orderBy ascending', () => User.query().orderBy('name').with('profile')],
  ['orderBy descending', () => User.query().orderBy('name', 'desc').with('profile')],
  ['limit', () => User.query().orderBy('name').limit(1).with('profile')],
  ['offset', () => User.query().orderBy('name', 'desc').offset(1).with('profile')],
  [
    'filter, order and paging',
    () => User.where('name', '>', '').orderBy('email').offset(0).limit(5).with('profile'),
  ],
];

const bioOfAda = (users: readonly (User & { profile: Profile | null })[]) =>
  users.find((user) => user.name === 'Ada')?.profile?.bio ?? null;

describe('live eager loading', () => {
  it.each(SHAPES)(
    '%s: follows creates, edits and deletes of the loaded relation',
    async (_, query) => {
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
      await User.create({ name: 'Bob', email: 'bob@example.com' });
      const users = session.watch(query().observe());
      expect(bioOfAda(await users.nth(1))).toBeNull();

      const profile = await ada.profileRelation().create({ bio: 'one' });
      expect(bioOfAda(await users.nth(2))).toBe('one');
      profile.bio = 'two';
      await profile.save();
      expect(bioOfAda(await users.nth(3))).toBe('two');
      await profile.delete();
      expect(bioOfAda(await users.nth(4))).toBeNull();
      expect(users.values).toHaveLength(4);
      expect(await session.db.dexie.table('profiles').count()).toBe(0);
    },
  );

  it('follows the owner of a BelongsTo loaded on a filtered query', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    await ada.profileRelation().create({ bio: 'bio of ada' });
    const profiles = session.watch(Profile.where('bio', 'startsWith', 'b').with('user').observe());
    expect((await profiles.nth(1)).map((p) => p.user?.name)).toEqual(['Ada']);
    ada.name = 'Ada Lovelace';
    await ada.save();
    expect((await profiles.nth(2)).map((p) => p.user?.name)).toEqual(['Ada Lovelace']);
    await ada.delete();
    expect((await profiles.nth(3)).map((p) => p.user)).toEqual([null]);
  });
});

describe('live pages', () => {
  let items: Database;
  beforeEach(async () => {
    items = databaseOf([IndexedItem]);
    session.track(items);
    await IndexedItem.createMany([
      { name: 'a', category: 'x' },
      { name: 'b', category: 'x' },
      { name: 'c', category: 'x' },
    ]);
  });
  const names = (list: readonly IndexedItem[]) => list.map((item) => item.name);

  it('re-emits an offset page over an index when a row before the page is deleted', async () => {
    const page = session.watch(IndexedItem.where('category', 'x').offset(1).observe());
    expect(names(await page.nth(1))).toEqual(['b', 'c']);
    await (await IndexedItem.findOrFail(1)).delete();
    expect(names(await page.nth(2))).toEqual(['c']);
    expect(names(await IndexedItem.where('category', 'x').offset(1).get())).toEqual(['c']);
  });

  it('re-emits an offset page when a row before the page is edited out of the range', async () => {
    const page = session.watch(IndexedItem.where('category', 'x').offset(1).limit(1).observe());
    expect(names(await page.nth(1))).toEqual(['b']);
    await IndexedItem.where('name', 'a').update({ category: 'y' });
    expect(names(await page.nth(2))).toEqual(['c']);
  });
});

describe('live single values', () => {
  it('observeFirst follows the first match, and emits null when none is left', async () => {
    const first = session.watch(
      User.where('name', 'startsWith', 'A').orderBy('name').observeFirst(),
    );
    expect(await first.nth(1)).toBeNull();
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    expect((await first.nth(2))?.name).toBe('Ada');
    await User.create({ name: 'Aaron', email: 'aaron@example.com' });
    expect((await first.nth(3))?.name).toBe('Aaron');
    await User.where('name', 'Aaron').delete();
    expect((await first.nth(4))?.id).toBe(ada.id);
    await ada.delete();
    expect(await first.nth(5)).toBeNull();
  });

  it('observeCount counts from the index, without reading records, and follows writes', async () => {
    const count = session.watch(User.where('name', 'Ada').observeCount());
    expect(await count.nth(1)).toBe(0);
    session.counter.reset();
    await User.createMany([
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Ada', email: 'ada2@example.com' },
    ]);
    expect(await count.nth(2)).toBe(2);
    const reads = session.counter.reads.filter((read) => read.mode === 'readonly');
    expect(reads.map((read) => read.method)).toEqual(['count']);
    await User.create({ name: 'Bob', email: 'bob@example.com' });
    await User.where('name', 'Ada').update({ name: 'Ada L.' });
    expect(await count.nth(3)).toBe(0);
    expect(count.values).toEqual([0, 2, 0]);
  });
});

describe('includes on an array attribute', () => {
  it('reads through the multi-entry index and matches an in-memory filter', async () => {
    const items = databaseOf([IndexedItem]);
    session.track(items);
    await IndexedItem.createMany([
      { name: 'a', tags: ['red', 'blue'] },
      { name: 'b', tags: ['blue'] },
      { name: 'c', tags: [] },
      { name: 'd' },
    ]);
    const found = await IndexedItem.where('tags', 'includes', 'blue').get();
    expect(found.map((item) => item.name)).toEqual(['a', 'b']);
    const filtered = await IndexedItem.where('name', '!=', '')
      .where('tags', 'includes', 'red')
      .get();
    expect(filtered.map((item) => item.name)).toEqual(['a']);
    expect(await IndexedItem.where('tags', 'includes', 'green').count()).toBe(0);
  });
});

describe('shared live queries', () => {
  it('runs one live query for any number of identical query observers', async () => {
    await User.create({ name: 'Ada', email: 'ada@example.com' });
    const one = session.watch(User.where('name', 'Ada').observe());
    await one.nth(1);
    session.counter.reset();
    await User.create({ name: 'Ada', email: 'ada2@example.com' });
    await one.nth(2);
    const readsForOne = session.counter.count({ table: 'users', mode: 'readonly' });

    const many = Array.from({ length: 100 }, () =>
      session.watch(User.where('name', 'Ada').observe()),
    );
    await Promise.all(many.map((recording) => recording.nth(1)));
    session.counter.reset();
    await User.create({ name: 'Ada', email: 'ada3@example.com' });
    await Promise.all(many.map((recording) => recording.nth(2)));
    expect(many.every((recording) => recording.values.at(-1)?.length === 3)).toBe(true);
    expect(readsForOne).toBeGreaterThan(0);
    expect(session.counter.count({ table: 'users', mode: 'readonly' })).toBe(readsForOne);
  });

  it('keeps different queries apart', async () => {
    await User.create({ name: 'Ada', email: 'ada@example.com' });
    const ada = session.watch(User.where('name', 'Ada').observe());
    const bob = session.watch(User.where('name', 'Bob').observe());
    expect((await ada.nth(1)).length).toBe(1);
    expect((await bob.nth(1)).length).toBe(0);
  });
});

describe('several Databases', () => {
  it('keeps a live query on its Database after another one is built and the first one writes', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const users = session.watch(User.query().with('profile').observe());
    expect((await users.nth(1)).length).toBe(1);
    const elsewhere = freshDatabase();
    session.track(elsewhere);
    await ada.profileRelation().create({ bio: 'on the first' });
    expect((await users.nth(2))[0]?.profile?.bio).toBe('on the first');
    ada.name = 'Ada L.';
    await ada.save();
    expect((await users.nth(3))[0]?.name).toBe('Ada L.');
    expect(users.error).toBeUndefined();
    expect(await elsewhere.dexie.table('profiles').count()).toBe(0);
  });

  it('saves, relates and observes a model on the Database it was read from', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const elsewhere = freshDatabase();
    session.track(elsewhere);
    const profile$ = session.watch(ada.profile$);
    expect(await profile$.nth(1)).toBeNull();

    ada.name = 'Ada Lovelace';
    await ada.save();
    await ada.profileRelation().create({ bio: 'first' });
    expect((await profile$.nth(2))?.bio).toBe('first');
    expect(await session.db.dexie.table('users').toArray()).toEqual([
      { id: ada.id, name: 'Ada Lovelace', email: 'ada@example.com' },
    ]);
    expect(await session.db.dexie.table('profiles').count()).toBe(1);
    expect(await elsewhere.dexie.table('users').count()).toBe(0);
    expect(await elsewhere.dexie.table('profiles').count()).toBe(0);

    // A new model, and the statics, use the newest Database.
    await User.create({ name: 'Grace', email: 'grace@example.com' });
    expect(await elsewhere.dexie.table('users').count()).toBe(1);
    expect(await session.db.dexie.table('users').count()).toBe(1);
  });
});

describe('transactions that outlive their IndexedDB transaction', () => {
  it('refuses a write issued after the transaction committed under a foreign await', async () => {
    const result = session.db.transaction(async () => {
      await User.create({ name: 'Ada', email: 'ada@example.com' });
      await fetch('data:text/plain,elsewhere');
      await User.create({ name: 'Bob', email: 'bob@example.com' });
      throw new Error('the function fails after both writes');
    });
    const error = await result.catch((reason: unknown) => reason);
    // Where the transaction committed during the fetch (as in Chromium), the second write is
    // refused; where it was still open, the write joined it and rolled back with it.
    expect(
      error instanceof StorageError || (error as Error).message.includes('after both writes'),
    ).toBe(true);
    const names = (await session.db.dexie.table('users').toArray()).map((row) => row.name);
    expect(names).not.toContain('Bob');
    // Once that function has settled, writes work again.
    await User.create({ name: 'Carol', email: 'carol@example.com' });
    expect(await session.db.dexie.table('users').where('name').equals('Carol').count()).toBe(1);
  });

  it('lets other code write while a transaction function waits for its own database calls', async () => {
    let outside: Promise<Profile> | undefined;
    let finished = false;
    await session.db.transaction(async () => {
      for (let i = 0; i < 300; i++) {
        // Code outside the transaction (an event handler, in a task of its own) writes while
        // this function waits for its own writes.
        if (i === 5) {
          setTimeout(() => {
            expect(finished).toBe(false);
            outside = Dexie.ignoreTransaction(() => Profile.create({ bio: 'outside' }));
          }, 0);
        }
        await User.create({ name: `in ${i}`, email: `in${i}@example.com` });
      }
      finished = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const profile = await outside!;
    expect(await session.db.dexie.table('users').count()).toBe(300);
    expect(await session.db.dexie.table('profiles').toArray()).toEqual([
      { id: profile.id, bio: 'outside' },
    ]);
  });
});

describe('live queries under bulk writes', () => {
  it('do not re-run for a bulk insert of 200 records that none of them read, in one transaction', async () => {
    const users = await User.createMany(
      Array.from({ length: 220 }, (_, i) => ({ name: `u${i}`, email: `u${i}@example.com` })),
    );
    const observed = users.slice(0, 20);
    const recordings = observed.map((user) => session.watch(user.profile$));
    for (const recording of recordings) expect(await recording.nth(1)).toBeNull();
    session.counter.reset();
    await Profile.createMany(users.slice(20).map((user) => ({ bio: 'bulk', user_id: user.id })));
    expect(session.counter.transactions.readwrite).toBe(1);
    // Still live: a change to what one of them reads re-runs it.
    await observed[3]!.profileRelation().create({ bio: 'mine' });
    expect((await recordings[3]!.nth(2))?.bio).toBe('mine');
    // Only that one re-ran: one read of profiles in a readonly (live) transaction.
    expect(session.counter.count({ table: 'profiles', mode: 'readonly' })).toBe(1);
    expect(await Profile.count()).toBe(201);
  });

  it('see a bulk insert of consecutive keys as one changed range, and still re-run for any of them', async () => {
    const signalled: ObservabilitySet[] = [];
    const listen = (parts: ObservabilitySet) => void signalled.push(parts);
    Dexie.on('storagemutated', listen);
    try {
      const middle = Profile.where('id', 150).observe();
      const past = Profile.where('id', 250).observe();
      const middleRecording = session.watch(middle);
      const pastRecording = session.watch(past);
      expect(await middleRecording.nth(1)).toEqual([]);
      expect(await pastRecording.nth(1)).toEqual([]);
      session.counter.reset();
      signalled.length = 0;

      const created = await Profile.createMany(
        Array.from({ length: 200 }, (_, i) => ({ bio: `bulk ${i}`, user_id: 1000 + i })),
      );

      expect(created.map((profile) => profile.id)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      expect((await middleRecording.nth(2)).map((profile) => profile.bio)).toEqual(['bulk 149']);
      const primaryKeys = signalled
        .flatMap((parts) =>
          Object.entries(parts).filter(([part]) => part.endsWith(`/${Profile.table}/`)),
        )
        .flatMap(([, tree]) => [...RangeSet(tree)].map((node) => [node.from, node.to]));
      expect(primaryKeys).toEqual([[1, 200]]);
      // The query on key 250 read nothing that changed: it did not run again.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(pastRecording.values).toHaveLength(1);
      expect(session.counter.count({ table: 'profiles', mode: 'readonly' })).toBe(1);
      expect(await session.db.dexie.table('profiles').count()).toBe(200);
    } finally {
      Dexie.on('storagemutated').unsubscribe(listen);
    }
  });
});

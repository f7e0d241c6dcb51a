import { type DBCore, type DBCoreTable, type Dexie, liveQuery } from 'dexie';
import { from } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Database,
  DatabaseClosedError,
  StorageError,
  UniqueConstraintError,
  type WithRelations,
} from '../src/index.js';
import { freshDatabase, Profile, User, user } from './support/models.js';
import { type Recording, record } from './support/observe.js';
import { installReadCounter, type ReadCounter } from './support/read-counter.js';
import { removeDatabase } from './support/session.js';

let db: Database;
let counter: ReadCounter;
let recordings: Recording<unknown>[] = [];
let others: Database[] = [];

beforeEach(() => {
  db = freshDatabase();
  counter = installReadCounter(db.dexie);
});

afterEach(async () => {
  for (const recording of recordings) recording.unsubscribe();
  recordings = [];
  for (const other of others) other.close();
  others = [];
  await removeDatabase(db);
});

/** Records an observable for the length of the test. */
function watch<T>(observable: Parameters<typeof record<T>>[0]): Recording<T> {
  const recording = record(observable);
  recordings.push(recording as Recording<unknown>);
  return recording;
}

const bioOf = (profile: Profile | null) => profile?.bio ?? null;

/**
 * Makes the reads of `table` in readonly transactions (those of live queries) fail once armed,
 * as IndexedDB fails them; writes and the reads inside them go on. Install before the open.
 */
function failReadsOf(dexie: Dexie, table: string): { arm(): void; disarm(): void } {
  let armed = false;
  const fail = () => Promise.reject(new DOMException('injected: the read failed', 'UnknownError'));
  dexie.use({
    stack: 'dbcore',
    name: 'dexorm-test-failing-reads',
    level: -100,
    create: (down: DBCore): Partial<DBCore> => ({
      ...down,
      table(name: string): DBCoreTable {
        const inner = down.table(name);
        if (name !== table) return inner;
        const failing = (trans: unknown) =>
          armed && (trans as { mode?: string }).mode === 'readonly';
        return {
          ...inner,
          get: (request) => (failing(request.trans) ? fail() : inner.get(request)),
          query: (request) => (failing(request.trans) ? fail() : inner.query(request)),
          count: (request) => (failing(request.trans) ? fail() : inner.count(request)),
        };
      },
    }),
  });
  return {
    arm: () => {
      armed = true;
    },
    disarm: () => {
      armed = false;
    },
  };
}
const storedProfiles = () => db.dexie.table('profiles').orderBy('id').toArray();

describe('live observables', () => {
  describe('first emission', () => {
    it("emits the user's current profile soon after subscribe", async () => {
      const ada = await user('Ada');
      const created = await ada.profileRelation().create({ bio: 'hello' });

      const profile = await watch(ada.profile$).nth(1);

      expect(profile).toBeInstanceOf(Profile);
      expect(profile?.id).toBe(created.id);
      expect(profile?.bio).toBe('hello');
    });

    it('emits null for a user without a profile', async () => {
      const ada = await user('Ada');

      expect(await watch(ada.profile$).nth(1)).toBeNull();
    });

    it("emits the profile's user through profile.user$", async () => {
      const ada = await user('Ada');
      const profile = await ada.profileRelation().create({ bio: 'hello' });

      expect((await watch(profile.user$).nth(1))?.name).toBe('Ada');
    });
  });

  describe('emits again after each committed change to the result', () => {
    it('after create', async () => {
      const ada = await user('Ada');
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      await ada.profileRelation().create({ bio: 'created' });

      expect(bioOf(await profiles.nth(2))).toBe('created');
      expect(profiles.values.map(bioOf)).toEqual([null, 'created']);
    });

    it('after save through the relation', async () => {
      const ada = await user('Ada');
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      await ada.profileRelation().save(new Profile({ bio: 'saved' }));

      expect(bioOf(await profiles.nth(2))).toBe('saved');
    });

    it('after associate followed by save', async () => {
      const ada = await user('Ada');
      const orphan = await Profile.create({ user_id: null, bio: 'orphan' });
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      ada.profileRelation().associate(orphan);
      await orphan.save();

      const profile = await profiles.nth(2);
      expect(profile?.id).toBe(orphan.id);
      expect(profiles.values.map(bioOf)).toEqual([null, 'orphan']);
    });

    it('after dissociate', async () => {
      const ada = await user('Ada');
      await ada.profileRelation().create({ bio: 'leaving' });
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      await ada.profileRelation().dissociate();

      expect(await profiles.nth(2)).toBeNull();
      expect(profiles.values.map(bioOf)).toEqual(['leaving', null]);
    });

    it('after delete', async () => {
      const ada = await user('Ada');
      const profile = await ada.profileRelation().create({ bio: 'doomed' });
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      await profile.delete();

      expect(await profiles.nth(2)).toBeNull();
    });

    it('after an edit of the related profile', async () => {
      const ada = await user('Ada');
      const profile = await ada.profileRelation().create({ bio: 'before' });
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      profile.bio = 'after';
      await profile.save();

      const edited = await profiles.nth(2);
      expect(edited?.bio).toBe('after');
      expect(edited).not.toBe(profile);
      expect(profiles.values.map(bioOf)).toEqual(['before', 'after']);
    });

    it("from model.observe(): the edited model, then null once it's deleted", async () => {
      const ada = await user('Ada');
      const models = watch(ada.observe());
      expect((await models.nth(1))?.name).toBe('Ada');

      ada.name = 'Ada L.';
      await ada.save();
      expect((await models.nth(2))?.name).toBe('Ada L.');

      await ada.delete();
      expect(await models.nth(3)).toBeNull();
    });
  });

  describe('a foreign key moved from one user to another', () => {
    it("sends the old user's stream to null, the new user's to the profile, and user$ along", async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      const profile = await ada.profileRelation().create({ bio: 'moving' });
      const adas = watch(ada.profile$);
      const bobs = watch(bob.profile$);
      const owners = watch(profile.user$);
      await Promise.all([adas.nth(1), bobs.nth(1), owners.nth(1)]);

      await bob.profileRelation().save(profile);

      expect(await adas.nth(2)).toBeNull();
      expect((await bobs.nth(2))?.id).toBe(profile.id);
      expect((await owners.nth(2))?.name).toBe('Bob');
      expect(adas.values.map(bioOf)).toEqual(['moving', null]);
      expect(bobs.values.map(bioOf)).toEqual([null, 'moving']);
      expect(owners.values.map((owner) => owner?.name)).toEqual(['Ada', 'Bob']);
      expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: bob.id, bio: 'moving' }]);
    });

    it('is seen by profile.user$ when the move is written by a plain update', async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      const profile = await ada.profileRelation().create({ bio: 'moving' });
      const owners = watch(profile.user$);
      await owners.nth(1);

      await Profile.query()
        .where('id', profile.id as number)
        .update({ user_id: bob.id });

      expect((await owners.nth(2))?.name).toBe('Bob');
    });
  });

  describe('does not emit', () => {
    it("when another user's profile is created, edited or deleted", async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      const adasProfile = await ada.profileRelation().create({ bio: 'ada 1' });
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      const bobsProfile = await bob.profileRelation().create({ bio: 'bob 1' });
      bobsProfile.bio = 'bob 2';
      await bobsProfile.save();
      await bobsProfile.delete();
      adasProfile.bio = 'ada 2';
      await adasProfile.save();

      await profiles.nth(2);
      expect(profiles.values.map(bioOf)).toEqual(['ada 1', 'ada 2']);
    });

    it('the same content twice in a row, even when Dexie re-runs the query', async () => {
      const ada = await user('Ada');
      const profile = await ada.profileRelation().create({ bio: 'same' });
      const profiles = watch(ada.profile$);
      // A raw Dexie live query on the same row: it emits on every re-run, repeats included.
      const raw = watch(
        from(liveQuery(() => db.dexie.table('profiles').get(profile.id as number))),
      );
      await Promise.all([profiles.nth(1), raw.nth(1)]);

      await Profile.query()
        .where('id', profile.id as number)
        .update({ bio: 'same' });
      await raw.nth(2);
      profile.bio = 'changed';
      await profile.save();

      await profiles.nth(2);
      expect(profiles.values.map(bioOf)).toEqual(['same', 'changed']);
    });

    it('for a query whose eager-loaded relations did not change', async () => {
      const ada = await user('Ada');
      await ada.profileRelation().create({ bio: 'one' });
      const lists = watch(User.query().with('profile').observe());
      await lists.nth(1);

      await User.query()
        .where('id', ada.id as number)
        .update({ name: 'Ada' });
      ada.name = 'Ada L.';
      await ada.save();

      await lists.nth(2);
      expect(lists.values.map((users) => users.map((u) => u.name))).toEqual([['Ada'], ['Ada L.']]);
    });
  });

  describe('never shows uncommitted data', () => {
    it('nothing written by a db.transaction that was rolled back', async () => {
      const ada = await user('Ada');
      const profiles = watch(ada.profile$);
      const all = watch(Profile.query().observe());
      await Promise.all([profiles.nth(1), all.nth(1)]);
      const undo = new Error('undo');

      await expect(
        db.transaction(async () => {
          await ada.profileRelation().create({ bio: 'ghost' });
          throw undo;
        }),
      ).rejects.toBe(undo);
      expect(await storedProfiles()).toEqual([]);
      await ada.profileRelation().create({ bio: 'real' });

      await Promise.all([profiles.nth(2), all.nth(2)]);
      expect(profiles.values.map(bioOf)).toEqual([null, 'real']);
      expect(all.values.map((list) => list.map(bioOf))).toEqual([[], ['real']]);
    });

    it('nothing from writes that IndexedDB refused (unique index, one per parent, bulk)', async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      await ada.profileRelation().create({ bio: 'ada' });
      const profiles = watch(ada.profile$);
      const bobs = watch(bob.profile$);
      const all = watch(Profile.query().observe());
      await Promise.all([profiles.nth(1), bobs.nth(1), all.nth(1)]);

      await expect(new Profile({ user_id: ada.id, bio: 'dup' }).save()).rejects.toBeInstanceOf(
        UniqueConstraintError,
      );
      await expect(ada.profileRelation().create({ bio: 'second' })).rejects.toBeInstanceOf(
        UniqueConstraintError,
      );
      await expect(
        Profile.createMany([
          { user_id: bob.id, bio: 'bob' },
          { user_id: ada.id, bio: 'dup in a batch' },
        ]),
      ).rejects.toBeInstanceOf(UniqueConstraintError);
      expect(await storedProfiles()).toHaveLength(1);
      await bob.profileRelation().create({ bio: 'bob for real' });

      await Promise.all([bobs.nth(2), all.nth(2)]);
      expect(profiles.values.map(bioOf)).toEqual(['ada']);
      expect(bobs.values.map(bioOf)).toEqual([null, 'bob for real']);
      expect(all.values.map((list) => list.map(bioOf))).toEqual([['ada'], ['ada', 'bob for real']]);
    });
  });

  it('receives writes made through a second Database instance on the same name', async () => {
    const ada = await user('Ada');
    // The newest Database binds the models, so the observer below reads through `second`,
    // while the writes go through `db` (inside its transactions) and its raw Dexie table.
    const second = new Database(db.name, { models: [User, Profile] });
    others.push(second);
    const profiles = watch(ada.profile$);
    await profiles.nth(1);

    await db.transaction(() => ada.profileRelation().create({ bio: 'from the first' }));
    expect(bioOf(await profiles.nth(2))).toBe('from the first');

    await db.dexie
      .table('profiles')
      .where('user_id')
      .equals(ada.id as number)
      .modify({
        bio: 'raw from the first',
      });
    expect(bioOf(await profiles.nth(3))).toBe('raw from the first');
    expect(profiles.values.map(bioOf)).toEqual([null, 'from the first', 'raw from the first']);
  });

  it('keeps reading the Database it was made on when a newer Database binds the models', async () => {
    const ada = await user('Ada');
    await ada.profileRelation().create({ bio: 'on the first' });
    const profiles = watch(ada.profile$);
    expect(bioOf(await profiles.nth(1))).toBe('on the first');

    // A Database on another name now serves model calls made outside a transaction.
    const elsewhere = freshDatabase();
    others.push(elsewhere);
    expect(await User.count()).toBe(0);

    await db.transaction(async () => {
      const profile = await ada.profileRelation().getResults();
      profile!.bio = 'edited on the first';
      await profile!.save();
    });
    expect(bioOf(await profiles.nth(2))).toBe('edited on the first');
    expect(profiles.values.map(bioOf)).toEqual(['on the first', 'edited on the first']);
    await elsewhere.delete();
  });

  describe('teardown', () => {
    it('stops reading once the last subscriber unsubscribes, while writes go on', async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      const adasProfile = await ada.profileRelation().create({ bio: 'ada 0' });
      const bobsProfile = await bob.profileRelation().create({ bio: 'bob 0' });
      const adas = watch(ada.profile$);
      const bobs = watch(bob.profile$);
      await Promise.all([adas.nth(1), bobs.nth(1)]);
      const liveReads = () => counter.count({ table: 'profiles', mode: 'readonly' });
      const edit = async (profile: Profile, bio: string) => {
        profile.bio = bio;
        await profile.save();
      };

      // Control: while subscribed, Ada's stream reads when her profile changes.
      counter.reset();
      await edit(adasProfile, 'ada 1');
      await edit(bobsProfile, 'bob 1');
      await Promise.all([adas.nth(2), bobs.nth(2)]);
      const readsForBoth = liveReads();
      counter.reset();
      await edit(bobsProfile, 'bob 2');
      await bobs.nth(3);
      const readsForBob = liveReads();
      expect(readsForBob).toBeGreaterThan(0);
      expect(readsForBoth).toBeGreaterThan(readsForBob);

      adas.unsubscribe();
      counter.reset();
      await edit(adasProfile, 'ada 2');
      await edit(adasProfile, 'ada 3');
      await edit(bobsProfile, 'bob 3');
      await bobs.nth(4);

      expect(liveReads()).toBe(readsForBob);
      expect(adas.values.map(bioOf)).toEqual(['ada 0', 'ada 1']);
    });

    it('errors with DatabaseClosedError when the database is closed', async () => {
      const ada = await user('Ada');
      const profiles = watch(ada.profile$);
      const lists = watch(User.query().with('profile').observe());
      await Promise.all([profiles.nth(1), lists.nth(1)]);

      db.close();

      expect(await profiles.failure()).toBeInstanceOf(DatabaseClosedError);
      expect(await lists.failure()).toBeInstanceOf(DatabaseClosedError);
    });

    it('errors with DatabaseClosedError when the database is deleted', async () => {
      const ada = await user('Ada');
      const profiles = watch(ada.profile$);
      await profiles.nth(1);

      await db.delete();

      expect(await profiles.failure()).toBeInstanceOf(DatabaseClosedError);
    });

    it('errors with DatabaseClosedError when subscribed after the database was closed', async () => {
      const ada = await user('Ada');
      db.close();

      const profiles = watch(ada.profile$);

      expect(await profiles.failure()).toBeInstanceOf(DatabaseClosedError);
      expect(profiles.values).toEqual([]);
    });
  });

  describe('a re-read that fails', () => {
    it('errors profile$, user$ and model.observe() observers with StorageError, after what they showed', async () => {
      const reads = failReadsOf(db.dexie, 'profiles');
      const ada = await user('Ada');
      const profile = await ada.profileRelation().create({ bio: 'first' });
      const viaRelation = watch(ada.profile$);
      const viaModel = watch(profile.observe());
      const viaInverse = watch(profile.user$);
      await Promise.all([viaRelation.nth(1), viaModel.nth(1), viaInverse.nth(1)]);

      reads.arm();
      profile.bio = 'second';
      await profile.save();

      const relationFailure = await viaRelation.failure();
      expect(relationFailure).toBeInstanceOf(StorageError);
      // The relation's read names what it read.
      expect(relationFailure).toMatchObject({ model: 'Profile', table: 'profiles' });
      expect(String((relationFailure as StorageError).cause)).toContain(
        'injected: the read failed',
      );
      expect(await viaModel.failure()).toBeInstanceOf(StorageError);
      // profile.user$ re-reads the stored profile first, and that read fails.
      expect(await viaInverse.failure()).toBeInstanceOf(StorageError);
      expect(viaInverse.values.map((owner) => owner?.name)).toEqual(['Ada']);
      expect(viaRelation.values.map(bioOf)).toEqual(['first']);
      expect(viaModel.values.map(bioOf)).toEqual(['first']);
      reads.disarm();
      expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'second' }]);
    });

    it('errors live lists, counts and pages of one table with StorageError, after what they showed', async () => {
      const reads = failReadsOf(db.dexie, 'users');
      await user('Bob');
      await user('Ada');
      const names = watch(User.query().orderBy('name').observe());
      const count = watch(User.where('name', '>=', 'A').observeCount());
      const page = watch(User.query().orderBy('name').observePage(1, 1));
      expect((await names.nth(1)).map((found) => found.name)).toEqual(['Ada', 'Bob']);
      expect(await count.nth(1)).toBe(2);
      expect((await page.nth(1)).total).toBe(2);

      reads.arm();
      await user('Cid');

      for (const failure of [await names.failure(), await count.failure(), await page.failure()]) {
        expect(failure).toBeInstanceOf(StorageError);
        expect(failure).toMatchObject({ model: 'User', table: 'users' });
        expect(String((failure as StorageError).cause)).toContain('injected: the read failed');
      }
      expect([names.values.length, count.values.length, page.values.length]).toEqual([1, 1, 1]);
      reads.disarm();
      const stored = await db.dexie.table('users').orderBy('name').toArray();
      expect(stored.map((row) => row.name)).toEqual(['Ada', 'Bob', 'Cid']);
    });
  });

  describe('sharing', () => {
    it('runs one live query for all subscribers of the same relation', async () => {
      const ada = await user('Ada');
      const profile = await ada.profileRelation().create({ bio: 'shared 0' });
      const sameAda = await User.findOrFail(ada.id as number);
      const liveReads = () => counter.count({ mode: 'readonly' });

      counter.reset();
      const alone = watch(ada.profile$);
      await alone.nth(1);
      const readsForOne = liveReads();
      alone.unsubscribe();
      expect(readsForOne).toBeGreaterThan(0);

      counter.reset();
      const three = [watch(ada.profile$), watch(ada.profile$), watch(sameAda.profile$)];
      await Promise.all(three.map((r) => r.nth(1)));
      expect(liveReads()).toBe(readsForOne);

      counter.reset();
      profile.bio = 'shared 1';
      await profile.save();
      const [first, second, third] = await Promise.all(three.map((r) => r.nth(2)));
      expect(first?.bio).toBe('shared 1');
      expect(second).toBe(first);
      expect(third).toBe(first);
      expect(liveReads()).toBe(readsForOne);
    });

    it('gives a late subscriber the latest value at once', async () => {
      const ada = await user('Ada');
      await ada.profileRelation().create({ bio: 'latest' });
      const early = watch(ada.profile$);
      await early.nth(1);
      counter.reset();

      const late = watch(ada.profile$);

      expect(late.values.map(bioOf)).toEqual(['latest']);
      expect(counter.reads).toEqual([]);
    });
  });

  describe("query().with('profile').observe()", () => {
    it('re-emits when an eager-loaded profile is created, edited or deleted', async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      const profile = await ada.profileRelation().create({ bio: 'ada 1' });
      const lists = watch(User.query().orderBy('id').with('profile').observe());
      const bios = () =>
        lists.values.map((users: Array<User & WithRelations<User, 'profile'>>) =>
          users.map((u) => bioOf(u.profile)),
        );
      await lists.nth(1);

      profile.bio = 'ada 2';
      await profile.save();
      await lists.nth(2);
      await bob.profileRelation().create({ bio: 'bob 1' });
      await lists.nth(3);
      await profile.delete();
      await lists.nth(4);

      expect(bios()).toEqual([
        ['ada 1', null],
        ['ada 2', null],
        ['ada 2', 'bob 1'],
        [null, 'bob 1'],
      ]);
      const last = lists.values[3]!;
      expect(last[1]!.profile).toBeInstanceOf(Profile);
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, SchemaError, ValidationError, type WithRelations } from '../src/index.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { installReadCounter, type ReadCounter } from './support/read-counter.js';
import { removeDatabase } from './support/session.js';

let databases: Database[] = [];
let db: Database;
let counter: ReadCounter;

/** A fresh database with a read counter, deleted after the test. */
function open(): { db: Database; counter: ReadCounter } {
  const opened = freshDatabase();
  databases.push(opened);
  return { db: opened, counter: installReadCounter(opened.dexie) };
}

beforeEach(() => {
  ({ db, counter } = open());
});

afterEach(async () => {
  for (const opened of databases) await removeDatabase(opened);
  databases = [];
});

/** `count` users, the odd-numbered ones (1st, 3rd, ...) with a profile. */
async function seed(count: number): Promise<User[]> {
  const users = await User.createMany(
    Array.from({ length: count }, (_, i) => ({ name: `user ${i}`, email: `u${i}@example.com` })),
  );
  await Profile.createMany(
    users.filter((_, i) => i % 2 === 0).map((u) => ({ user_id: u.id, bio: `bio of ${u.name}` })),
  );
  return users;
}

describe('eager loading', () => {
  describe("query().with('profile')", () => {
    it('sets profile on each user: its Profile, or null when it has none', async () => {
      await seed(3);

      const users = await User.query().orderBy('id').with('profile').get();

      expect(users.map((u) => u.relationLoaded('profile'))).toEqual([true, true, true]);
      expect(users[0]!.profile).toBeInstanceOf(Profile);
      expect(users.map((u) => u.profile?.bio ?? null)).toEqual([
        'bio of user 0',
        null,
        'bio of user 2',
      ]);
      expect(users[1]!.profile).toBeNull();
      for (const u of users) if (u.profile) expect(u.profile.user_id).toBe(u.id);
    });

    it('loads the inverse side too', async () => {
      await seed(2);
      await Profile.create({ user_id: null, bio: 'orphan' });

      const profiles = await Profile.query().orderBy('id').with('user').get();

      expect(profiles.map((p) => p.user?.name ?? null)).toEqual(['user 0', null]);
      expect(profiles[0]!.user).toBeInstanceOf(User);
    });

    it("nests a dotted path: 'profile.user' loads each profile's user", async () => {
      await seed(3);

      const users = await User.query().orderBy('id').with('profile.user').get();

      const first = users[0]!;
      expect(first.profile?.user).toBeInstanceOf(User);
      expect(first.profile?.user?.id).toBe(first.id);
      expect(first.profile?.user?.name).toBe('user 0');
      expect(users[1]!.profile).toBeNull();
      expect(users[2]!.profile?.user?.email).toBe('u2@example.com');
    });

    it('rejects an unknown relation name with SchemaError naming it', () => {
      // @ts-expect-error relation names are checked at compile time as well
      expect(() => User.query().with('friends')).toThrow(SchemaError);
      // @ts-expect-error
      expect(() => User.query().with('friends')).toThrow(/friends/);
      // @ts-expect-error
      expect(() => User.query().with('profile.nothing')).toThrow(SchemaError);
    });

    it('runs no relation query at all when there are no parents', async () => {
      await seed(2);
      counter.reset();

      const users = await User.query().where('name', 'nobody').with('profile.user').get();

      expect(users).toEqual([]);
      expect(counter.count({ table: 'profiles' })).toBe(0);
      expect(counter.count({ table: 'users' })).toBe(1);
    });

    it('reads the same number of times for 1 parent as for 500: one read per relation level', async () => {
      const one = open();
      await seed(1);
      one.counter.reset();
      const single = await User.query().with('profile.user').get();
      const readsForOne = one.counter.byTable();

      const many = open();
      await seed(500);
      many.counter.reset();
      const all = await User.query().with('profile.user').get();
      const readsForMany = many.counter.byTable();

      expect(single).toHaveLength(1);
      expect(all).toHaveLength(500);
      expect(all.filter((u) => u.profile !== null)).toHaveLength(250);
      expect(all.every((u) => u.profile === null || u.profile.user?.id === u.id)).toBe(true);
      // users: the query itself and the profile.user level; profiles: the profile level.
      expect(readsForOne).toEqual({ users: 2, profiles: 1 });
      expect(readsForMany).toEqual(readsForOne);
    });
  });

  describe('parents whose keys are close together or far apart', () => {
    /** Each user's profile bio as loaded, or null; keyed by user id. */
    const loaded = (users: (User & { profile: Profile | null })[]) =>
      Object.fromEntries(users.map((u) => [u.id, u.profile?.bio ?? null]));

    it("loads exactly the parents' profiles when their keys leave gaps in between", async () => {
      const users = await User.createMany(
        Array.from({ length: 12 }, (_, i) => ({ name: `u${i}`, email: `u${i}@example.com` })),
      );
      await Profile.createMany(users.map((u) => ({ user_id: u.id, bio: `bio ${u.id}` })));
      // Close together: 2..7 spans six keys for four parents; the profiles of 3 and 6 lie between.
      const close = await User.query().whereIn('id', [2, 4, 5, 7]).with('profile').get();
      expect(loaded(close)).toEqual({ 2: 'bio 2', 4: 'bio 4', 5: 'bio 5', 7: 'bio 7' });
      // Far apart: 1 and 12.
      const far = await User.query().whereIn('id', [1, 12]).with('profile').get();
      expect(loaded(far)).toEqual({ 1: 'bio 1', 12: 'bio 12' });
    });

    it('matches the same profiles through the query builder whichever way it reads', async () => {
      const users = await User.createMany(
        Array.from({ length: 8 }, (_, i) => ({ name: `u${i}`, email: `u${i}@example.com` })),
      );
      await Profile.createMany(users.map((u) => ({ user_id: u.id, bio: `bio ${u.id}` })));
      await Profile.create({ bio: 'nobody', user_id: null });
      const bios = async (keys: number[]) =>
        (await Profile.query().whereIn('user_id', keys).get()).map((p) => p.bio).sort();
      expect(await bios([3, 4, 6])).toEqual(['bio 3', 'bio 4', 'bio 6']);
      expect(await bios([1, 8])).toEqual(['bio 1', 'bio 8']);
      expect(await Profile.query().whereIn('user_id', [3, 4, 6]).count()).toBe(3);
    });
  });

  describe('model.load()', () => {
    it('loads a relation onto a model already in hand and resolves to the same model', async () => {
      const [first] = await seed(1);
      const ada = await User.findOrFail(first!.id as number);

      const loaded = await ada.load('profile');

      expect(loaded).toBe(ada);
      expect(ada.relationLoaded('profile')).toBe(true);
      expect(loaded.profile?.bio).toBe('bio of user 0');
    });

    it('sets null for a user without a profile and nests dotted paths', async () => {
      const [withProfile, without] = await seed(2);

      const [a, b] = await Promise.all([
        withProfile!.load('profile.user'),
        without!.load('profile'),
      ]);

      expect(a.profile?.user?.id).toBe(withProfile!.id);
      expect(b.profile).toBeNull();
    });

    it('rejects an unknown relation name with SchemaError', async () => {
      const [ada] = await seed(1);

      // @ts-expect-error relation names are checked at compile time as well
      await expect(ada!.load('nothing')).rejects.toBeInstanceOf(SchemaError);
    });
  });

  describe('loaded relations', () => {
    it('are not attributes: not dirty, and never written by save()', async () => {
      const [first] = await seed(1);
      const [ada] = await User.query().with('profile').get();
      expect(ada!.isDirty()).toBe(false);

      ada!.name = 'Ada';
      await ada!.save();

      expect(await db.dexie.table('users').get(first!.id as number)).toEqual({
        id: first!.id,
        name: 'Ada',
        email: 'u0@example.com',
      });
      expect(await db.dexie.table('profiles').toArray()).toEqual([
        { id: 1, user_id: first!.id, bio: 'bio of user 0' },
      ]);
    });

    it('are nested by toJSON() as plain objects', async () => {
      await seed(2);

      const users: Array<User & WithRelations<User, 'profile.user'>> = await User.query()
        .orderBy('id')
        .with('profile.user')
        .get();

      expect(JSON.parse(JSON.stringify(users))).toEqual([
        {
          id: 1,
          name: 'user 0',
          email: 'u0@example.com',
          profile: {
            id: 1,
            user_id: 1,
            bio: 'bio of user 0',
            user: { id: 1, name: 'user 0', email: 'u0@example.com' },
          },
        },
        { id: 2, name: 'user 1', email: 'u1@example.com', profile: null },
      ]);
    });

    it('are told apart from attributes by own name only: names of Object.prototype members work', async () => {
      const [first] = await seed(1);
      const ada = await User.findOrFail(first!.id as number);

      expect(ada.relationLoaded('toString')).toBe(false);
      expect(ada.relationLoaded('constructor')).toBe(false);
      ada.setRelation('hasOwnProperty', null);
      ada.setRelation('valueOf', null);
      expect(() => ada.setRelation('__proto__', null)).toThrow(ValidationError);

      expect(ada.relationLoaded('hasOwnProperty')).toBe(true);
      expect(ada.relationLoaded('valueOf')).toBe(true);
      expect(ada.loadedRelations().sort()).toEqual(['hasOwnProperty', 'valueOf']);
      expect(ada).toBeInstanceOf(User);
      expect(ada.isDirty()).toBe(false);

      // Filled as an attribute, the name stops being a loaded relation and is saved.
      ada.fill({ name: 'Ada' });
      ada.setRelation('name', null);
      expect(ada.relationLoaded('name')).toBe(true);
      ada.fill({ name: 'Ada Lovelace' });
      expect(ada.relationLoaded('name')).toBe(false);
      await ada.save();
      expect(await db.dexie.table('users').get(first!.id as number)).toEqual({
        id: first!.id,
        name: 'Ada Lovelace',
        email: 'u0@example.com',
      });
    });

    it('are kept per model: a name one model of a result stops loading stays loaded on the others', async () => {
      await seed(3);
      const [a, b, c] = await User.query().orderBy('id').with('profile').get();
      b!.setRelation('name', null);
      c!.setRelation('name', null);

      a!.setRelation('valueOf', null);
      b!.fill({ name: 'B' });

      expect(a!.loadedRelations()).toEqual(['profile', 'valueOf']);
      expect(b!.loadedRelations()).toEqual(['profile']);
      expect(c!.loadedRelations()).toEqual(['profile', 'name']);
      expect(c!.relationLoaded('name')).toBe(true);

      c!.fill({ name: 'user 2' });
      expect(c!.loadedRelations()).toEqual(['profile']);
      expect(c!.isDirty()).toBe(false);
      expect(b!.getDirty()).toEqual({ name: 'B' });
      await b!.save();
      await c!.save();
      expect(await db.dexie.table('users').toArray()).toEqual([
        { id: 1, name: 'user 0', email: 'u0@example.com' },
        { id: 2, name: 'B', email: 'u1@example.com' },
        { id: 3, name: 'user 2', email: 'u2@example.com' },
      ]);
    });
  });
});

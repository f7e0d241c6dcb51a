import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BelongsTo,
  Database,
  HasOne,
  Model,
  UniqueConstraintError,
  UnsavedModelError,
} from '../src/index.js';
import { freshDatabase, Profile, User, user } from './support/models.js';
import { record } from './support/observe.js';
import { installReadCounter, type ReadCounter } from './support/read-counter.js';
import { removeDatabase } from './support/session.js';

/** A pair declared with the constructor form and no keys at all, to exercise the defaults. */
interface OwnerAttributes {
  id?: number;
  name: string;
}
interface PassportAttributes {
  id?: number;
  owner_id?: number | null;
  number: string;
}

class Owner extends Model<OwnerAttributes> {
  static override table = 'owners';

  passportRelation(): HasOne<Owner, Passport> {
    return new HasOne(this, Passport);
  }
}

class Passport extends Model<PassportAttributes> {
  static override table = 'passports';

  ownerRelation(): BelongsTo<Passport, Owner> {
    return new BelongsTo(this, Owner);
  }
}

let db: Database;
let counter: ReadCounter;

beforeEach(() => {
  db = freshDatabase();
  counter = installReadCounter(db.dexie);
});

afterEach(async () => {
  await removeDatabase(db);
});

const storedProfiles = () => db.dexie.table('profiles').orderBy('id').toArray();

/** Both ways of declaring the relation must behave identically. */
const forms = [
  {
    form: "this.hasOne(Profile, 'user_id', 'id')",
    relationOf: (parent: User) => parent.profileRelation(),
  },
  {
    form: "new HasOne(this, Profile, 'user_id', 'id')",
    relationOf: (parent: User) => new HasOne(parent, Profile, 'user_id', 'id'),
  },
];

describe('HasOne', () => {
  describe.each(forms)('declared as $form', ({ relationOf }) => {
    describe('addConstraints', () => {
      it("filters the related table to the rows whose user_id is the user's key", async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        await Profile.create({ user_id: ada.id, bio: 'ada' });
        await Profile.create({ user_id: bob.id, bio: 'bob' });
        const query = Profile.query();

        const constrained = relationOf(bob).addConstraints(query);

        expect(constrained).toBe(query);
        const found = await constrained.get();
        expect(found.map((p) => p.bio)).toEqual(['bob']);
      });

      it('matches nothing for an unsaved user, not the profiles whose user_id is null', async () => {
        await Profile.create({ user_id: null, bio: 'orphan' });

        const found = await relationOf(new User({ name: 'New', email: 'n@example.com' }))
          .addConstraints(Profile.query())
          .get();

        expect(found).toEqual([]);
      });
    });

    describe('query', () => {
      it('returns a query builder already constrained to the user, open to more clauses', async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        await Profile.create({ user_id: ada.id, bio: 'ada' });
        await Profile.create({ user_id: bob.id, bio: 'bob' });

        expect((await relationOf(ada).query().get()).map((p) => p.bio)).toEqual(['ada']);
        expect(await relationOf(ada).query().where('bio', 'bob').first()).toBeNull();
        expect(await relationOf(bob).query().count()).toBe(1);
      });
    });

    describe('getResults', () => {
      it('resolves to the related profile as a Profile', async () => {
        const ada = await user('Ada');
        const created = await Profile.create({ user_id: ada.id, bio: 'mathematician' });

        const profile = await relationOf(ada).getResults();

        expect(profile).toBeInstanceOf(Profile);
        expect(profile?.id).toBe(created.id);
        expect(profile?.bio).toBe('mathematician');
        expect(profile?.exists).toBe(true);
      });

      it('resolves to null when the user has no profile', async () => {
        const ada = await user('Ada');
        await Profile.create({ user_id: null, bio: 'orphan' });

        expect(await relationOf(ada).getResults()).toBeNull();
      });
    });

    describe('create', () => {
      it("inserts a profile whose user_id is the user's key and reads its key back", async () => {
        const ada = await user('Ada');

        const profile = await relationOf(ada).create({ bio: 'hello' });

        expect(profile).toBeInstanceOf(Profile);
        expect(profile.exists).toBe(true);
        expect(profile.user_id).toBe(ada.id);
        expect(profile.isDirty()).toBe(false);
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'hello' }]);
      });

      it("uses the user's key over a user_id given in the attributes", async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');

        const profile = await relationOf(ada).create({ bio: 'mine', user_id: bob.id });

        expect(profile.user_id).toBe(ada.id);
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'mine' }]);
      });

      it('runs its check and its write in one readwrite transaction', async () => {
        const ada = await user('Ada');
        counter.reset();

        await relationOf(ada).create({ bio: 'hello' });

        expect(counter.transactions).toEqual({ readwrite: 1 });
        expect(counter.count({ mode: 'readonly' })).toBe(0);
        expect(counter.count({ table: 'profiles', mode: 'readwrite' })).toBeGreaterThan(0);
      });

      it('rejects a second profile for the same user and writes nothing', async () => {
        const ada = await user('Ada');
        const first = await relationOf(ada).create({ bio: 'first' });
        counter.reset();

        const attempt = relationOf(ada).create({ bio: 'second' });

        await expect(attempt).rejects.toBeInstanceOf(UniqueConstraintError);
        await expect(attempt).rejects.toMatchObject({ table: 'profiles', field: 'user_id' });
        expect(counter.writes).toEqual({});
        expect(await storedProfiles()).toEqual([{ id: first.id, user_id: ada.id, bio: 'first' }]);
      });

      it('lets exactly one of two concurrent creates for the same user succeed', async () => {
        const ada = await user('Ada');

        const results = await Promise.allSettled([
          relationOf(ada).create({ bio: 'left' }),
          relationOf(ada).create({ bio: 'right' }),
        ]);

        const fulfilled = results.filter((r) => r.status === 'fulfilled');
        const rejected = results.filter((r) => r.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(1);
        expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(UniqueConstraintError);
        const stored = await storedProfiles();
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({ user_id: ada.id });
      });

      it('rejects with UnsavedModelError for an unsaved user and writes nothing', async () => {
        const unsaved = new User({ name: 'New', email: 'new@example.com' });

        await expect(relationOf(unsaved).create({ bio: 'x' })).rejects.toBeInstanceOf(
          UnsavedModelError,
        );
        expect(await storedProfiles()).toEqual([]);
        expect(await db.dexie.table('users').count()).toBe(0);
      });
    });

    describe('save', () => {
      it('sets user_id on an unsaved profile and inserts it', async () => {
        const ada = await user('Ada');
        const profile = new Profile({ bio: 'fresh' });

        const saved = await relationOf(ada).save(profile);

        expect(saved).toBe(profile);
        expect(profile.exists).toBe(true);
        expect(profile.user_id).toBe(ada.id);
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'fresh' }]);
      });

      it('moves a stored profile without a user to the user', async () => {
        const ada = await user('Ada');
        const profile = await Profile.create({ user_id: null, bio: 'orphan' });

        await relationOf(ada).save(profile);

        expect(profile.isDirty()).toBe(false);
        expect(await storedProfiles()).toEqual([
          { id: profile.id, user_id: ada.id, bio: 'orphan' },
        ]);
      });

      it('just saves the profile that is already related', async () => {
        const ada = await user('Ada');
        const profile = await relationOf(ada).create({ bio: 'before' });
        profile.bio = 'after';

        await expect(relationOf(ada).save(profile)).resolves.toBe(profile);

        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'after' }]);
      });

      it('rejects a different profile when the user has one, restores its user_id and writes nothing', async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        const existing = await relationOf(ada).create({ bio: 'existing' });
        const other = await Profile.create({ user_id: bob.id, bio: 'other' });
        const before = await storedProfiles();
        counter.reset();

        await expect(relationOf(ada).save(other)).rejects.toBeInstanceOf(UniqueConstraintError);

        expect(other.user_id).toBe(bob.id);
        expect(other.isDirty()).toBe(false);
        expect(counter.writes).toEqual({});
        expect(await storedProfiles()).toEqual(before);
        expect(before.map((row) => row.id)).toEqual([existing.id, other.id]);
      });

      it('leaves an unsaved profile without user_id after a rejected save', async () => {
        const ada = await user('Ada');
        await relationOf(ada).create({ bio: 'existing' });
        const fresh = new Profile({ bio: 'fresh' });

        await expect(relationOf(ada).save(fresh)).rejects.toBeInstanceOf(UniqueConstraintError);

        expect(Object.hasOwn(fresh, 'user_id')).toBe(false);
        expect(fresh.exists).toBe(false);
        expect(await storedProfiles()).toHaveLength(1);
      });

      it('rejects with UnsavedModelError for an unsaved user and leaves the profile alone', async () => {
        const profile = new Profile({ bio: 'fresh' });

        await expect(
          relationOf(new User({ name: 'New', email: 'new@example.com' })).save(profile),
        ).rejects.toBeInstanceOf(UnsavedModelError);

        expect(profile.exists).toBe(false);
        expect(Object.hasOwn(profile, 'user_id')).toBe(false);
        expect(await storedProfiles()).toEqual([]);
      });
    });

    describe('associate', () => {
      it('sets user_id on the profile and returns it without writing', async () => {
        const ada = await user('Ada');
        const profile = await Profile.create({ user_id: null, bio: 'orphan' });
        counter.reset();

        const returned = relationOf(ada).associate(profile);

        expect(returned).toBe(profile);
        expect(profile.user_id).toBe(ada.id);
        expect(profile.isDirty('user_id')).toBe(true);
        expect(counter.writes).toEqual({});
        expect(counter.transactions).toEqual({});
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: null, bio: 'orphan' }]);
      });

      it('is persisted by a later save of the profile', async () => {
        const ada = await user('Ada');
        const profile = new Profile({ bio: 'later' });

        await relationOf(ada).associate(profile).save();

        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'later' }]);
        expect((await relationOf(ada).getResults())?.id).toBe(profile.id);
      });

      it('throws UnsavedModelError for an unsaved user and leaves the profile alone', () => {
        const profile = new Profile({ bio: 'x' });

        expect(() =>
          relationOf(new User({ name: 'New', email: 'new@example.com' })).associate(profile),
        ).toThrow(UnsavedModelError);
        expect(Object.hasOwn(profile, 'user_id')).toBe(false);
      });
    });

    describe('dissociate', () => {
      it("sets the related profile's user_id to null and saves it", async () => {
        const ada = await user('Ada');
        const profile = await relationOf(ada).create({ bio: 'leaving' });
        counter.reset();

        await expect(relationOf(ada).dissociate()).resolves.toBeUndefined();

        expect(counter.transactions).toEqual({ readwrite: 1 });
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: null, bio: 'leaving' }]);
        expect(await relationOf(ada).getResults()).toBeNull();
      });

      it('resolves and writes nothing when nothing is related', async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        await Profile.create({ user_id: bob.id, bio: 'bob' });
        const before = await storedProfiles();
        counter.reset();

        await expect(relationOf(ada).dissociate()).resolves.toBeUndefined();

        expect(counter.writes).toEqual({});
        expect(await storedProfiles()).toEqual(before);
      });
    });

    describe('firstOrCreate', () => {
      it('returns the existing profile and writes nothing', async () => {
        const ada = await user('Ada');
        const existing = await relationOf(ada).create({ bio: 'existing' });
        counter.reset();

        const found = await relationOf(ada).firstOrCreate({ bio: 'ignored' });

        expect(found.id).toBe(existing.id);
        expect(found.bio).toBe('existing');
        expect(counter.writes).toEqual({});
        expect(await storedProfiles()).toEqual([
          { id: existing.id, user_id: ada.id, bio: 'existing' },
        ]);
      });

      it('creates the profile, in one readwrite transaction, when there is none', async () => {
        const ada = await user('Ada');
        counter.reset();

        const created = await relationOf(ada).firstOrCreate({ bio: 'new', user_id: 999 });

        expect(counter.transactions).toEqual({ readwrite: 1 });
        expect(created.user_id).toBe(ada.id);
        expect(await storedProfiles()).toEqual([{ id: created.id, user_id: ada.id, bio: 'new' }]);
      });

      it('rejects with UnsavedModelError for an unsaved user', async () => {
        await expect(
          relationOf(new User({ name: 'New', email: 'n@example.com' })).firstOrCreate({ bio: 'x' }),
        ).rejects.toBeInstanceOf(UnsavedModelError);
        expect(await storedProfiles()).toEqual([]);
      });
    });

    describe('updateOrCreate', () => {
      it('fills and saves the existing profile, keeping its key', async () => {
        const ada = await user('Ada');
        const existing = await relationOf(ada).create({ bio: 'old', location: 'London' });
        counter.reset();

        const updated = await relationOf(ada).updateOrCreate({ bio: 'new' });

        expect(counter.transactions).toEqual({ readwrite: 1 });
        expect(updated.id).toBe(existing.id);
        expect(updated.bio).toBe('new');
        expect(await storedProfiles()).toEqual([
          { id: existing.id, user_id: ada.id, bio: 'new', location: 'London' },
        ]);
      });

      it('creates the profile when there is none', async () => {
        const ada = await user('Ada');

        const created = await relationOf(ada).updateOrCreate({ bio: 'new' });

        expect(await storedProfiles()).toEqual([{ id: created.id, user_id: ada.id, bio: 'new' }]);
      });

      it('keeps the profile with the user even when the attributes name another user', async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        const existing = await relationOf(ada).create({ bio: 'old' });

        await relationOf(ada).updateOrCreate({ bio: 'new', user_id: bob.id });

        expect(await storedProfiles()).toEqual([{ id: existing.id, user_id: ada.id, bio: 'new' }]);
      });

      it('rejects with UnsavedModelError for an unsaved user', async () => {
        await expect(
          relationOf(new User({ name: 'New', email: 'n@example.com' })).updateOrCreate({
            bio: 'x',
          }),
        ).rejects.toBeInstanceOf(UnsavedModelError);
        expect(await storedProfiles()).toEqual([]);
      });
    });

    describe('with an unsaved user', () => {
      it('getResults resolves to null without reading anything', async () => {
        await db.open();
        await Profile.create({ user_id: null, bio: 'orphan' });
        counter.reset();

        const result = await relationOf(
          new User({ name: 'New', email: 'n@example.com' }),
        ).getResults();

        expect(result).toBeNull();
        expect(counter.reads).toEqual([]);
      });

      it('observe emits null without reading anything', async () => {
        await db.open();
        await Profile.create({ user_id: null, bio: 'orphan' });
        counter.reset();

        const recording = record(
          relationOf(new User({ name: 'New', email: 'n@example.com' })).observe(),
        );

        expect(await recording.nth(1)).toBeNull();
        recording.unsubscribe();
        expect(counter.reads).toEqual([]);
        expect(counter.transactions).toEqual({});
      });
    });
  });

  describe('default keys', () => {
    it("defaults the foreign key to <singular parent table>_<parent key> and the local key to the parent's key", () => {
      const relation = new User({ name: 'Ada', email: 'a@example.com' }).hasOne(Profile);

      expect(relation.foreignKey).toBe('user_id');
      expect(relation.localKey).toBe('id');
    });

    it('derives a unique index on the defaulted foreign key of a constructor-form relation', async () => {
      await removeDatabase(db);
      db = new Database(`${db.name}-owners`, { models: [Owner, Passport] });

      expect(db.schema).toEqual({ owners: '++id', passports: '++id, &owner_id' });
      const owner = await Owner.create({ name: 'Ada' });
      const passport = await owner.passportRelation().create({ number: 'X1' });

      expect(passport.owner_id).toBe(owner.id);
      expect(await db.dexie.table('passports').toArray()).toEqual([
        { id: passport.id, owner_id: owner.id, number: 'X1' },
      ]);
      await expect(owner.passportRelation().create({ number: 'X2' })).rejects.toBeInstanceOf(
        UniqueConstraintError,
      );
      expect(await db.dexie.table('passports').count()).toBe(1);
      expect((await passport.ownerRelation().getResults())?.name).toBe('Ada');
    });
  });
});

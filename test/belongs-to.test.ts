import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BelongsTo, type Database, UnsavedModelError } from '../src/index.js';
import { freshDatabase, Profile, User, user } from './support/models.js';
import { record } from './support/observe.js';
import { installReadCounter, type ReadCounter } from './support/read-counter.js';
import { removeDatabase } from './support/session.js';

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
    form: "this.belongsTo(User, 'user_id', 'id')",
    relationOf: (child: Profile) => child.userRelation(),
  },
  {
    form: "new BelongsTo(this, User, 'user_id', 'id')",
    relationOf: (child: Profile) => new BelongsTo(child, User, 'user_id', 'id'),
  },
];

describe('BelongsTo', () => {
  describe.each(forms)('declared as $form', ({ relationOf }) => {
    describe('getResults', () => {
      it('resolves to the owning user as a User', async () => {
        await user('Ada');
        const bob = await user('Bob');
        const profile = await Profile.create({ user_id: bob.id, bio: 'bob' });

        const owner = await relationOf(profile).getResults();

        expect(owner).toBeInstanceOf(User);
        expect(owner?.id).toBe(bob.id);
        expect(owner?.name).toBe('Bob');
      });

      it('resolves to null when user_id is null, without reading users', async () => {
        await user('Ada');
        const profile = await Profile.create({ user_id: null, bio: 'orphan' });
        counter.reset();

        expect(await relationOf(profile).getResults()).toBeNull();
        expect(counter.count({ table: 'users' })).toBe(0);
      });

      it('resolves to null when the user it points at is gone', async () => {
        const ada = await user('Ada');
        const profile = await Profile.create({ user_id: ada.id, bio: 'ada' });
        await ada.delete();

        expect(await relationOf(profile).getResults()).toBeNull();
      });

      it('follows the in-memory user_id of an unsaved profile', async () => {
        const ada = await user('Ada');

        const owner = await relationOf(new Profile({ user_id: ada.id, bio: 'draft' })).getResults();

        expect(owner?.id).toBe(ada.id);
      });
    });

    describe('associate', () => {
      it("sets user_id to the user's key and returns the profile without writing", async () => {
        const ada = await user('Ada');
        const profile = await Profile.create({ user_id: null, bio: 'orphan' });
        counter.reset();

        const returned = relationOf(profile).associate(ada);

        expect(returned).toBe(profile);
        expect(profile.user_id).toBe(ada.id);
        expect(profile.isDirty('user_id')).toBe(true);
        expect(counter.writes).toEqual({});
        expect(counter.transactions).toEqual({});
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: null, bio: 'orphan' }]);
      });

      it('is persisted by a later save of the profile', async () => {
        const ada = await user('Ada');
        const profile = new Profile({ bio: 'new' });

        await relationOf(profile).associate(ada).save();

        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'new' }]);
        expect((await relationOf(profile).getResults())?.id).toBe(ada.id);
      });

      it('throws UnsavedModelError for an unsaved user and leaves the profile alone', async () => {
        const bob = await user('Bob');
        const profile = await Profile.create({ user_id: bob.id, bio: 'bob' });

        expect(() =>
          relationOf(profile).associate(new User({ name: 'New', email: 'n@example.com' })),
        ).toThrow(UnsavedModelError);

        expect(profile.user_id).toBe(bob.id);
        expect(profile.isDirty()).toBe(false);
      });
    });

    describe('dissociate', () => {
      it('sets user_id to null and returns the profile without writing', async () => {
        const ada = await user('Ada');
        const profile = await Profile.create({ user_id: ada.id, bio: 'ada' });
        counter.reset();

        const returned = relationOf(profile).dissociate();

        expect(returned).toBe(profile);
        expect(profile.user_id).toBeNull();
        expect(counter.writes).toEqual({});
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: ada.id, bio: 'ada' }]);

        await profile.save();
        expect(await storedProfiles()).toEqual([{ id: profile.id, user_id: null, bio: 'ada' }]);
      });
    });

    describe('query', () => {
      it("returns a query builder constrained to the profile's user", async () => {
        await user('Ada');
        const bob = await user('Bob');
        const profile = await Profile.create({ user_id: bob.id, bio: 'bob' });

        expect((await relationOf(profile).query().get()).map((u) => u.name)).toEqual(['Bob']);
        expect(await relationOf(profile).query().where('name', 'Ada').first()).toBeNull();
      });

      it('matches nothing when user_id is null', async () => {
        await user('Ada');
        const profile = await Profile.create({ user_id: null, bio: 'orphan' });

        expect(await relationOf(profile).query().get()).toEqual([]);
        expect(await relationOf(profile).query().count()).toBe(0);
      });
    });

    describe('observe', () => {
      it('emits the owner, then the new owner when the stored user_id moves', async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        const profile = await Profile.create({ user_id: ada.id, bio: 'p' });
        const owners = record(relationOf(profile).observe());

        expect((await owners.nth(1))?.name).toBe('Ada');
        await bob.profileRelation().save(profile);

        expect((await owners.nth(2))?.name).toBe('Bob');
        owners.unsubscribe();
        expect(owners.values.map((owner) => owner?.name)).toEqual(['Ada', 'Bob']);
      });

      it('emits the edited owner, and null once the owner is deleted', async () => {
        const ada = await user('Ada');
        const profile = await Profile.create({ user_id: ada.id, bio: 'p' });
        const owners = record(relationOf(profile).observe());
        await owners.nth(1);

        ada.name = 'Ada Lovelace';
        await ada.save();
        expect((await owners.nth(2))?.name).toBe('Ada Lovelace');

        await ada.delete();
        expect(await owners.nth(3)).toBeNull();
        owners.unsubscribe();
      });

      it('follows the stored profile rather than an unsaved in-memory change', async () => {
        const ada = await user('Ada');
        const bob = await user('Bob');
        const profile = await Profile.create({ user_id: ada.id, bio: 'p' });
        const owners = record(relationOf(profile).observe());
        await owners.nth(1);

        relationOf(profile).associate(bob);
        await Profile.query()
          .where('id', profile.id as number)
          .update({ bio: 'edited' });
        await profile.save();

        expect((await owners.nth(2))?.name).toBe('Bob');
        owners.unsubscribe();
        expect(owners.values.map((owner) => owner?.name)).toEqual(['Ada', 'Bob']);
      });
    });
  });

  describe('observe, through an owner key other than the primary key', () => {
    it('emits the owner, the edited owner, the new owner, then null', async () => {
      const ada = await user('Ada');
      const bob = await user('Bob');
      // The profile's website column holds the owner's email: `users.email` is a unique index.
      const profile = await Profile.create({ bio: 'p', website: ada.email });
      const byEmail = (child: Profile) => new BelongsTo(child, User, 'website', 'email');
      const owners = record(byEmail(profile).observe());
      expect((await owners.nth(1))?.name).toBe('Ada');

      ada.name = 'Ada Lovelace';
      await ada.save();
      expect((await owners.nth(2))?.name).toBe('Ada Lovelace');

      byEmail(profile).associate(bob);
      await profile.save();
      expect((await owners.nth(3))?.name).toBe('Bob');

      await bob.delete();
      expect(await owners.nth(4)).toBeNull();
      owners.unsubscribe();
      expect(await storedProfiles()).toEqual([
        { id: profile.id, bio: 'p', website: 'bob@example.com' },
      ]);
    });
  });

  describe('default keys', () => {
    it("defaults the foreign key to <singular owner table>_<owner key> and the owner key to the owner's key", () => {
      const relation = new Profile({ bio: 'x' }).belongsTo(User);

      expect(relation.foreignKey).toBe('user_id');
      expect(relation.ownerKey).toBe('id');
    });
  });
});

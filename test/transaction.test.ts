import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, StorageError, UniqueConstraintError } from '../src/index.js';
import { rejectionOf } from './support/failures.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { removeDatabase } from './support/session.js';

let db: Database;

beforeEach(() => {
  db = freshDatabase();
});

afterEach(async () => {
  await removeDatabase(db);
});

/** Every stored row of both tables, to compare before and after a transaction. */
async function storedState(): Promise<{ users: unknown[]; profiles: unknown[] }> {
  return {
    users: await db.dexie.table('users').toArray(),
    profiles: await db.dexie.table('profiles').toArray(),
  };
}

/** A user with a profile and a second user without one, stored before the test's transaction. */
async function seed(): Promise<{ ada: User; grace: User; profile: Profile }> {
  const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
  const grace = await User.create({ name: 'Grace', email: 'grace@example.com' });
  const profile = await ada.profileRelation().create({ bio: 'poet' });
  return { ada, grace, profile };
}

describe('Database', () => {
  describe('transaction', () => {
    it("resolves to the function's value", async () => {
      const value = { answer: 42 };
      expect(await db.transaction(async () => value)).toBe(value);
      expect(await db.transaction(() => 'sync')).toBe('sync');
    });

    it('commits every write the function made', async () => {
      const user = await db.transaction(async () => {
        const created = await User.create({ name: 'Ada', email: 'ada@example.com' });
        await created.profileRelation().create({ bio: 'poet' });
        created.name = 'Ada Lovelace';
        return created.save();
      });
      expect(await storedState()).toEqual({
        users: [{ id: user.id, name: 'Ada Lovelace', email: 'ada@example.com' }],
        profiles: [{ id: 1, user_id: user.id, bio: 'poet' }],
      });
    });

    it('rolls back every write when the function throws, and rejects with that error', async () => {
      const { ada, grace } = await seed();
      const before = await storedState();
      const failure = new Error('changed my mind');
      const error = await rejectionOf(
        db.transaction(async () => {
          await User.create({ name: 'Linus', email: 'linus@example.com' });
          await User.createMany([
            { name: 'Barbara', email: 'barbara@example.com' },
            { name: 'Edsger', email: 'edsger@example.com' },
          ]);
          ada.name = 'Renamed';
          await ada.save();
          await grace.profileRelation().create({ bio: 'admiral' });
          await User.where('name', 'Grace').update({ email: 'changed@example.com' });
          await Profile.query().where('bio', 'poet').delete();
          throw failure;
        }),
      );
      expect(error).toBe(failure);
      expect(await storedState()).toEqual(before);
    });

    it('rolls back when the function returns a rejected promise', async () => {
      await seed();
      const before = await storedState();
      const failure = new TypeError('rejected');
      const error = await rejectionOf(
        db.transaction(() =>
          User.create({ name: 'Linus', email: 'linus@example.com' }).then(() =>
            Promise.reject(failure),
          ),
        ),
      );
      expect(error).toBe(failure);
      expect(await storedState()).toEqual(before);
    });

    it('rejects, rather than throws, when the function throws synchronously', async () => {
      const failure = new Error('at once');
      const promise = db.transaction(() => {
        throw failure;
      });
      expect(promise).toBeInstanceOf(Promise);
      expect(await rejectionOf(promise)).toBe(failure);
    });

    it('rolls back earlier writes when a later write breaks a unique index', async () => {
      await seed();
      const before = await storedState();
      const error = await rejectionOf(
        db.transaction(async () => {
          await User.create({ name: 'Linus', email: 'linus@example.com' });
          await User.create({ name: 'Copy', email: 'ada@example.com' });
        }),
      );
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect((error as UniqueConstraintError).field).toBe('email');
      expect((error as UniqueConstraintError).message).toContain('"ada@example.com"');
      expect(await storedState()).toEqual(before);
    });

    it('keeps later writes from escaping once a failed write has aborted the transaction', async () => {
      await seed();
      const before = await storedState();
      let swallowed: unknown;
      const error = await rejectionOf(
        db.transaction(async () => {
          await User.create({ name: 'Copy', email: 'ada@example.com' }).catch((failure) => {
            swallowed = failure;
          });
          await User.create({ name: 'Late', email: 'late@example.com' });
        }),
      );
      expect(swallowed).toBeInstanceOf(UniqueConstraintError);
      // The later write is refused, naming the failure that doomed the transaction.
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).cause).toBeInstanceOf(UniqueConstraintError);
      expect(await storedState()).toEqual(before);
    });

    it('rolls back when a write failed but the function caught it and returned', async () => {
      await seed();
      const before = await storedState();
      const error = await rejectionOf(
        db.transaction(async () => {
          await User.create({ name: 'Linus', email: 'linus@example.com' });
          await User.create({ name: 'Copy', email: 'ada@example.com' }).catch(() => undefined);
          return 'done';
        }),
      );
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect(await storedState()).toEqual(before);
    });

    it("lets model reads inside see the transaction's own writes", async () => {
      await seed();
      const seen = await db.transaction(async () => {
        const linus = await User.create({ name: 'Linus', email: 'linus@example.com' });
        await User.where('name', 'Ada').update({ name: 'Ada Lovelace' });
        await linus.profileRelation().create({ bio: 'kernel' });
        return {
          found: (await User.find(linus.id!))?.name,
          count: await User.count(),
          names: (await User.query().orderBy('name').get()).map((user) => user.name),
          profile: (await linus.profileRelation().getResults())?.bio,
        };
      });
      expect(seen).toEqual({
        found: 'Linus',
        count: 3,
        names: ['Ada Lovelace', 'Grace', 'Linus'],
        profile: 'kernel',
      });
    });

    it('runs a nested transaction inside the outer one', async () => {
      const failure = new Error('outer fails');
      const error = await rejectionOf(
        db.transaction(async () => {
          await db.transaction(async () => {
            await User.create({ name: 'Ada', email: 'ada@example.com' });
          });
          throw failure;
        }),
      );
      expect(error).toBe(failure);
      expect(await db.dexie.table('users').count()).toBe(0);
    });
  });
});

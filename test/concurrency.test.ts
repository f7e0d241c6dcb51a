import { afterEach, describe, expect, it } from 'vitest';
import { Database, UniqueConstraintError } from '../src/index.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { record, snapshotTables } from './support/snapshot.js';

const open: Database[] = [];
const names: string[] = [];
afterEach(async () => {
  for (const database of open.splice(0)) database.close();
  // Deleting through a fresh handle also covers databases whose handles were closed above.
  for (const name of names.splice(0))
    await new Database(name, { models: [User, Profile] }).delete();
});

/** A fresh database, plus a second connection to the same name (constructed last, so it binds). */
function twoConnections(): [Database, Database] {
  const first = freshDatabase();
  const second = new Database(first.name, { models: [User, Profile] });
  open.push(first, second);
  names.push(first.name);
  return [first, second];
}

function oneConnection(): Database {
  const db = freshDatabase();
  open.push(db);
  names.push(db.name);
  return db;
}

/** Splits settled results into fulfilled values and rejection reasons. */
function split<T>(results: PromiseSettledResult<T>[]): { values: T[]; reasons: unknown[] } {
  return {
    values: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    reasons: results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])),
  };
}

describe('concurrency', () => {
  describe('two overlapping HasOne.create() calls for one parent', () => {
    it('from one Database: stores exactly one profile and rejects the other with UniqueConstraintError', async () => {
      const db = oneConnection();
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const before = await snapshotTables(db);

      const { values, reasons } = split(
        await Promise.allSettled([
          ada.profileRelation().create({ bio: 'first' }),
          ada.profileRelation().create({ bio: 'second' }),
        ]),
      );

      expect(values).toHaveLength(1);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(UniqueConstraintError);
      const after = await snapshotTables(db);
      expect(after.users).toEqual(before.users);
      expect(after.profiles).toEqual([{ id: values[0]?.id, user_id: ada.id, bio: values[0]?.bio }]);
      expect((await ada.profileRelation().getResults())?.toJSON()).toEqual(values[0]?.toJSON());
    });

    it('from two Database instances on one name: stores exactly one profile and rejects the other', async () => {
      const [first, second] = twoConnections();
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const before = await snapshotTables(second);

      const { values, reasons } = split(
        await Promise.allSettled([
          first.transaction(() => ada.profileRelation().create({ bio: 'from the first tab' })),
          second.transaction(() => ada.profileRelation().create({ bio: 'from the second tab' })),
        ]),
      );

      expect(values).toHaveLength(1);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(UniqueConstraintError);
      for (const connection of [first, second]) {
        const after = await snapshotTables(connection);
        expect(after.users).toEqual(before.users);
        expect(after.profiles).toEqual([
          { id: values[0]?.id, user_id: ada.id, bio: values[0]?.bio },
        ]);
      }
    });

    it('from two connections, one updateOrCreate and one firstOrCreate: one profile, both callers see it', async () => {
      const [first, second] = twoConnections();
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });

      const [updated, found] = await Promise.all([
        first.transaction(() => ada.profileRelation().updateOrCreate({ bio: 'updated' })),
        second.transaction(() => ada.profileRelation().firstOrCreate({ bio: 'created' })),
      ]);

      const stored = (await snapshotTables(first)).profiles as { id: number; bio: string }[];
      expect(stored).toHaveLength(1);
      expect(updated.id).toBe(stored[0]?.id);
      expect(found.id).toBe(stored[0]?.id);
      // Whichever ran second saw the first one's profile instead of creating another.
      expect(['updated', 'created']).toContain(stored[0]?.bio);
    });
  });

  describe('interleaved writes from two connections', () => {
    it('lose no update: read-modify-write transactions from both connections all land', async () => {
      const [first, second] = twoConnections();
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const profile = await ada.profileRelation().create({ bio: '' });
      const rounds = 15;

      const append = (connection: Database, mark: string) =>
        connection.transaction(async () => {
          const current = await Profile.findOrFail(profile.id as number);
          current.bio = `${current.bio}${mark}`;
          await current.save();
        });
      const writer = async (connection: Database, mark: string) => {
        for (let i = 0; i < rounds; i++) await append(connection, mark);
      };
      await Promise.all([writer(first, 'a'), writer(second, 'b')]);

      for (const connection of [first, second]) {
        const [row] = (await snapshotTables(connection)).profiles as { bio: string }[];
        expect(row?.bio).toHaveLength(2 * rounds);
        expect(row?.bio.replaceAll('b', '')).toBe('a'.repeat(rounds));
        expect(row?.bio.replaceAll('a', '')).toBe('b'.repeat(rounds));
      }
    });

    it('keep at most one profile per user while both move profiles between users, and an observer sees the end state', async () => {
      const [first, second] = twoConnections();
      const users: User[] = [];
      for (const name of ['Ada', 'Grace', 'Linus']) {
        users.push(await User.create({ name, email: `${name.toLowerCase()}@example.com` }));
      }
      const profiles: Profile[] = [];
      for (const bio of ['p1', 'p2']) profiles.push(await Profile.create({ bio, user_id: null }));
      // Models bind to the connection constructed last (second); the writes below go through both.
      const watcher = record(Profile.query().observe());
      await watcher.waitFor((value) => value.length === 2);

      const move = (connection: Database, profileIndex: number, userIndex: number) =>
        connection.transaction(async () => {
          const profile = await Profile.findOrFail(profiles[profileIndex]?.id as number);
          const user = await User.findOrFail(users[userIndex]?.id as number);
          await user.profileRelation().save(profile);
        });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 24 }, (_, i) =>
          move(i % 2 === 0 ? first : second, i % 2, (i * 7) % 3),
        ),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          expect(outcome.reason).toBeInstanceOf(UniqueConstraintError);
      }
      expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);

      const states = await Promise.all([first, second].map(snapshotTables));
      expect(states[0]).toEqual(states[1]);
      const stored = states[0]?.profiles as { id: number; user_id: number | null; bio: string }[];
      expect(stored.map((p) => p.bio).sort()).toEqual(['p1', 'p2']);
      const owners = stored.map((p) => p.user_id).filter((id) => id !== null);
      expect(new Set(owners).size).toBe(owners.length);
      const latest = await watcher.waitFor(
        (value) => JSON.stringify(value.map((p) => p.toJSON())) === JSON.stringify(stored),
      );
      expect(latest.map((p) => p.toJSON())).toEqual(stored);
      watcher.unsubscribe();
    });
  });
});

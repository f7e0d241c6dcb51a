import { describe, expect, it } from 'vitest';
import { freshDatabase, User } from './support/models.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => freshDatabase());

/** The live reads of the users table since the last reset: live queries read in readonly ones. */
const liveReads = () => session.counter.count({ table: 'users', mode: 'readonly' });

describe('live queries the planner answers with one key of one index', () => {
  it('re-run as that one read: where(unique index).observeFirst()', async () => {
    await User.create({ name: 'Ada', email: 'ada@example.com' });
    const ada = session.watch(User.where('email', 'ada@example.com').observeFirst());
    expect((await ada.nth(1))?.name).toBe('Ada');
    session.counter.reset();
    await User.where('email', 'ada@example.com').update({ name: 'Ada L.' });
    expect((await ada.nth(2))?.name).toBe('Ada L.');
    expect(liveReads()).toBe(1);
    expect(session.counter.records('users')).toBe(2); // the update's read, then the live one
  });

  it('re-run as that one read: where(plain index).observe(), in primary-key order', async () => {
    await User.createMany([
      { name: 'Ada', email: 'a1@example.com' },
      { name: 'Bob', email: 'b@example.com' },
      { name: 'Ada', email: 'a2@example.com' },
    ]);
    const adas = session.watch(User.where('name', 'Ada').observe());
    expect((await adas.nth(1)).map((user) => user.email)).toEqual([
      'a1@example.com',
      'a2@example.com',
    ]);
    session.counter.reset();
    await User.create({ name: 'Ada', email: 'a3@example.com' });
    expect((await adas.nth(2)).map((user) => user.email)).toEqual([
      'a1@example.com',
      'a2@example.com',
      'a3@example.com',
    ]);
    expect(liveReads()).toBe(1);
  });

  it('share one live query between model.observe() and where(primaryKey).observeFirst()', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const byModel = session.watch(ada.observe());
    const byQuery = session.watch(User.where('id', ada.id!).observeFirst());
    expect((await byModel.nth(1))?.name).toBe('Ada');
    expect((await byQuery.nth(1))?.name).toBe('Ada');
    session.counter.reset();
    await User.where('id', ada.id!).update({ name: 'Ada L.' });
    expect((await byModel.nth(2))?.name).toBe('Ada L.');
    expect((await byQuery.nth(2))?.name).toBe('Ada L.');
    expect(liveReads()).toBe(1);
    expect(await session.db.dexie.table('users').get(ada.id!)).toMatchObject({ name: 'Ada L.' });
  });

  it('leave to the planner a query with an order, a second clause or a limit', async () => {
    await User.createMany([
      { name: 'Ada', email: 'a1@example.com' },
      { name: 'Ada', email: 'a2@example.com' },
    ]);
    const ordered = session.watch(User.where('name', 'Ada').orderBy('email', 'desc').observe());
    expect((await ordered.nth(1)).map((user) => user.email)).toEqual([
      'a2@example.com',
      'a1@example.com',
    ]);
    const limited = session.watch(User.where('name', 'Ada').limit(1).observe());
    expect((await limited.nth(1)).map((user) => user.email)).toEqual(['a1@example.com']);
    await User.create({ name: 'Ada', email: 'a3@example.com' });
    expect((await ordered.nth(2)).map((user) => user.email)).toEqual([
      'a3@example.com',
      'a2@example.com',
      'a1@example.com',
    ]);
    expect(limited.values).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { freshDatabase, Profile, User } from './support/models.js';

let db: Database;
afterEach(async () => { await db?.delete(); });

describe('smoke', () => {
  it('creates and reads', async () => {
    db = freshDatabase();
    expect(db.schema).toEqual({ users: '++id, &email, name', profiles: '++id, &user_id' });
    const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
    expect(user.id).toBe(1);
    const profile = await user.profileRelation().create({ bio: 'hi' });
    expect(profile.user_id).toBe(1);
    const users = await User.query().with('profile').get();
    expect(users[0]!.profile!.bio).toBe('hi');
    expect(JSON.parse(JSON.stringify(users[0]))).toEqual({ id: 1, name: 'Ada', email: 'ada@example.com', profile: { id: 1, user_id: 1, bio: 'hi' } });
    const found = await Profile.find(1);
    expect((await found!.userRelation().getResults())!.name).toBe('Ada');
  });
});

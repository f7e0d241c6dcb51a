import { describe, expect, it } from 'vitest';
import { SchemaError } from '../src/index.js';
import { blogDatabase, Post, User } from './support/blog.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

const day = (n: number) => new Date(Date.UTC(2026, 0, n));

async function seed() {
  const [ada, bob, cy] = await User.createMany([{ name: 'Ada' }, { name: 'Bob' }, { name: 'Cy' }]);
  await Post.createMany([
    { title: 'a-old', user_id: ada!.id, created_at: day(1), likes: 5 },
    { title: 'a-new', user_id: ada!.id, created_at: day(9), likes: 2 },
    { title: 'a-mid', user_id: ada!.id, created_at: day(5), likes: 2 },
    { title: 'b-tie1', user_id: bob!.id, created_at: day(3), likes: 1 },
    { title: 'b-tie2', user_id: bob!.id, created_at: day(3), likes: 1 },
  ]);
  return { ada: ada!, bob: bob!, cy: cy! };
}

describe('HasOneOfMany (latestOfMany, oldestOfMany, ofMany)', () => {
  it('picks the greatest or least field; ties go to the greater primary key', async () => {
    const { ada, bob, cy } = await seed();
    expect((await ada.latestPostRelation().getResults())?.title).toBe('a-new');
    expect((await ada.firstPostRelation().getResults())?.title).toBe('a-old');
    expect((await ada.leastLikedPostRelation().getResults())?.title).toBe('a-mid');
    expect((await bob.latestPostRelation().getResults())?.title).toBe('b-tie2');
    expect((await bob.firstPostRelation().getResults())?.title).toBe('b-tie2');
    expect(await cy.latestPostRelation().getResults()).toBeNull();
    expect(await new User({ name: 'new' }).latestPostRelation().getResults()).toBeNull();
  });

  it('derives no unique index: the HasMany foreign-key index serves it', () => {
    expect(session.db.schema.posts).toBe('++id, user_id');
  });

  it('eager-loads in one read for all parents, and takes a constraint', async () => {
    await seed();
    session.counter.reset();
    const users = await User.with('latestPost', 'firstPost').get();
    expect(users.map((user) => [user.latestPost?.title, user.firstPost?.title])).toEqual([
      ['a-new', 'a-old'],
      ['b-tie2', 'b-tie2'],
      [undefined, undefined],
    ]);
    expect(session.counter.count({ table: 'posts' })).toBe(2);
    // A constraint filters the one model picked; it never picks another (Ada's latest has 2 likes).
    const liked = await User.with({ latestPost: (q) => q.where('likes', '>', 2) }).get();
    expect(liked.map((user) => user.latestPost?.title ?? null)).toEqual([null, null, null]);
    const few = await User.with({ latestPost: (q) => q.where('likes', '<', 3) }).get();
    expect(few.map((user) => user.latestPost?.title ?? null)).toEqual(['a-new', 'b-tie2', null]);
  });

  it('answers relation queries and counts at most one', async () => {
    await seed();
    expect((await User.has('latestPost').get()).map((user) => user.name)).toEqual(['Ada', 'Bob']);
    const counted = await User.withCount('latestPost').get();
    expect(counted.map((user) => user.latestPost_count)).toEqual([1, 1, 0]);
  });

  it('is live: a newer post takes over, a deleted one hands back', async () => {
    const { ada } = await seed();
    const latest = session.watch(ada.latestPostRelation().observe());
    expect((await latest.nth(1))?.title).toBe('a-new');
    const newest = await ada.postsRelation().create({ title: 'a-newest', created_at: day(20) });
    expect((await latest.nth(2))?.title).toBe('a-newest');
    await newest.delete();
    expect((await latest.nth(3))?.title).toBe('a-new');
  });

  it('queries the one model picked, and is read-only', async () => {
    const { ada, bob, cy } = await seed();
    const titles = (await ada.latestPostRelation().query().get()).map((post) => post.title);
    expect(titles).toEqual(['a-new']);
    expect(await ada.latestPostRelation().query().where('likes', 5).first()).toBeNull();
    // Alternatives stay within the one model picked: likes 5 is an older post, 2 the latest.
    const either = ada.latestPostRelation().query().where('likes', 5).orWhere('likes', 2);
    expect((await either.get()).map((post) => post.title)).toEqual(['a-new']);
    // On a tie, query() and getResults() pick the same model: the greater primary key.
    expect((await bob.firstPostRelation().query().first())?.title).toBe('b-tie2');
    expect((await bob.firstPostRelation().getResults())?.title).toBe('b-tie2');
    expect(await cy.latestPostRelation().query().get()).toEqual([]);
    expect(await new User({ name: 'new' }).latestPostRelation().query().count()).toBe(0);
    expect('create' in ada.latestPostRelation()).toBe(false);
  });

  it('filters and counts by the one model picked, not by any related model', async () => {
    const { ada } = await seed();
    // Ada's latest post has 2 likes; an older one has 5.
    expect(await User.whereHas('latestPost', (q) => q.where('likes', 5)).get()).toEqual([]);
    const liked = await User.whereHas('latestPost', (q) => q.where('likes', 2)).get();
    expect(liked.map((user) => user.id)).toEqual([ada.id]);
    const counted = await User.withCount({ latestPost: (q) => q.where('likes', 5) }).get();
    expect(counted.map((user) => user.latestPost_count)).toEqual([0, 0, 0]);
    expect(await User.whereDoesntHave('latestPost', (q) => q.where('likes', 5)).count()).toBe(3);
  });

  it('refuses a field that is not an attribute or an unknown aggregate', () => {
    const relation = new User({ name: 'x' }).postsRelation();
    expect(() => relation.latestOfMany('author' as 'likes')).toThrow(SchemaError);
    expect(() => relation.ofMany('likes', 'avg' as 'max')).toThrow(SchemaError);
  });
});

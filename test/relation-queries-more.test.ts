import { describe, expect, it } from 'vitest';
import { SchemaError } from '../src/index.js';
import { blogDatabase, Post, Tag, User } from './support/blog.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

/** Ada: two posts (one published, 5 likes; one draft, 1 like); Grace: one (2 likes); Alan: none. */
async function seed() {
  const [ada, grace, alan] = await User.createMany([
    { name: 'Ada' },
    { name: 'Grace' },
    { name: 'Alan' },
  ]);
  await ada!.postsRelation().createMany([
    { title: 'p1', published: true, likes: 5 },
    { title: 'p2', published: false, likes: 1 },
  ]);
  await grace!.postsRelation().create({ title: 'p3', published: true, likes: 2 });
  return { ada: ada!, grace: grace!, alan: alan! };
}

const names = (users: readonly User[]) => users.map((user) => user.name);

describe('orHas, orWhereHas, orDoesntHave', () => {
  it('keep what passes the query so far or the relation filter', async () => {
    await seed();
    expect(names(await User.query().where('name', 'Alan').orHas('posts').get())).toEqual([
      'Ada',
      'Grace',
      'Alan',
    ]);
    expect(
      names(
        await User.query()
          .has('posts', '>=', 2)
          .orWhereHas('posts', (q) => q.where('likes', 2))
          .get(),
      ),
    ).toEqual(['Ada', 'Grace']);
    expect(
      names(
        await User.query()
          .doesntHave('posts')
          .orWhereHas('posts', (q) => q.where('published', false))
          .get(),
      ),
    ).toEqual(['Ada', 'Alan']);
    expect(names(await User.query().where('name', 'Ada').orDoesntHave('posts').get())).toEqual([
      'Ada',
      'Alan',
    ]);
    expect(
      names(
        await User.query()
          .where('name', 'Nobody')
          .orHas('posts', '>=', 2)
          .orDoesntHave('posts')
          .get(),
      ),
    ).toEqual(['Ada', 'Alan']);
    expect(await User.query().where('name', 'Alan').orHas('posts').count()).toBe(3);
  });

  it('a filter after the alternatives applies to all of them', async () => {
    await seed();
    const found = await User.query()
      .where('name', 'Alan')
      .orHas('posts')
      .where('name', '!=', 'Ada')
      .get();
    expect(names(found)).toEqual(['Grace', 'Alan']);
  });
});

describe('whereRelation and orWhereRelation', () => {
  it('filter on a field of the related models', async () => {
    await seed();
    const posts = await Post.query().whereRelation('author', 'name', 'Ada').orderBy('title').get();
    expect(posts.map((post) => post.title)).toEqual(['p1', 'p2']);
    expect(names(await User.query().whereRelation('posts', 'likes', '>', 3).get())).toEqual([
      'Ada',
    ]);
    expect(
      names(
        await User.query()
          .whereRelation('posts', 'likes', '>', 3)
          .orWhereRelation('posts', 'likes', 2)
          .get(),
      ),
    ).toEqual(['Ada', 'Grace']);
  });
});

describe('withWhereHas', () => {
  it('filters by and loads the same constrained models', async () => {
    await seed();
    const users = await User.query()
      .withWhereHas('posts', (q) => q.where('published', true))
      .get();
    expect(users.map((user) => [user.name, user.posts.map((post) => post.title)])).toEqual([
      ['Ada', ['p1']],
      ['Grace', ['p3']],
    ]);
  });

  it('keeps the query’s other filters, loads and counts', async () => {
    await seed();
    const users = await User.query()
      .where('name', '!=', 'Grace')
      .withWhereHas('posts', (q) => q.where('published', true))
      .withCount('posts')
      .orderBy('name')
      .get();
    expect(
      users.map((user) => [user.name, user.posts.map((p) => p.title), user.posts_count]),
    ).toEqual([['Ada', ['p1'], 2]]);
  });

  it('applies the relation filters of its constraint to the filter and to the load', async () => {
    const { ada } = await seed();
    const tag = await Tag.create({ name: 'math' });
    const p2 = await Post.where('title', 'p2').firstOrFail();
    await p2.tagsRelation().attach(tag.id!);
    const users = await User.query()
      .withWhereHas('posts', (q) => q.has('tags'))
      .get();
    expect(users.map((user) => [user.name, user.posts.map((post) => post.title)])).toEqual([
      ['Ada', ['p2']],
    ]);
    expect(users[0]!.id).toBe(ada.id);
  });

  it('reads once per level, for 1 parent as for 500', async () => {
    const countsFor = async (users: number) => {
      const made = await User.createMany(
        Array.from({ length: users }, (_, i) => ({ name: `u${i}` })),
      );
      await Post.createMany(
        made.map((user) => ({ title: `of ${user.name}`, user_id: user.id!, published: true })),
      );
      session.counter.reset();
      const found = await User.query()
        .withWhereHas('posts', (q) => q.where('published', true))
        .get();
      expect(found.length).toBeGreaterThanOrEqual(users);
      const counts = session.counter.byTable();
      await session.db.dexie.transaction('rw', session.db.dexie.tables, () =>
        Promise.all(session.db.dexie.tables.map((table) => table.clear())),
      );
      return counts;
    };
    const one = await countsFor(1);
    expect(await countsFor(500)).toEqual(one);
    // The posts are read once: for the filter and for the load.
    expect(one).toEqual({ users: 1, posts: 1 });
  });

  it('live: re-emits for a related write, not for an unrelated one', async () => {
    const { grace } = await seed();
    const live = session.watch(
      User.query()
        .withWhereHas('posts', (q) => q.where('published', true))
        .observe(),
    );
    expect(names(await live.nth(1))).toEqual(['Ada', 'Grace']);
    await Post.where('title', 'p3').update({ published: false });
    expect(names(await live.nth(2))).toEqual(['Ada']);
    await User.create({ name: 'Unrelated' });
    await grace.postsRelation().create({ title: 'draft', published: false });
    await Post.where('title', 'p1').update({ likes: 6 });
    expect((await live.nth(3))[0]!.posts[0]!.likes).toBe(6);
    expect(live.values).toHaveLength(3);
  });
});

describe('withAggregate', () => {
  it('computes sum, min, max, avg and count of a field', async () => {
    await seed();
    await Post.create({
      title: 'no likes',
      user_id: (await User.where('name', 'Grace').firstOrFail()).id!,
    });
    const users = await User.query()
      .withAggregate('posts', 'likes', 'sum')
      .withAggregate('posts', 'likes', 'max')
      .withAggregate('posts', 'likes', 'avg')
      .withAggregate('posts', 'likes', 'count')
      .get();
    expect(
      users.map((user) => [
        user.name,
        user.posts_sum_likes,
        user.posts_max_likes,
        user.posts_avg_likes,
        user.posts_count_likes,
      ]),
    ).toEqual([
      ['Ada', 6, 5, 3, 2],
      ['Grace', 2, 2, 2, 1],
      ['Alan', null, null, null, 0],
    ]);
  });

  it('refuses another kind with a SchemaError', () => {
    expect(() => User.query().withAggregate('posts', 'likes', 'median' as 'sum')).toThrow(
      SchemaError,
    );
  });
});

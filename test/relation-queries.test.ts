import { describe, expect, it } from 'vitest';
import { type QueryBuilder, SchemaError, ValidationError } from '../src/index.js';
import { blogDatabase, Comment, Country, Post, Tag, User, Video } from './support/blog.js';
import { freshDatabase, Profile, User as ProfileUser } from './support/models.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

const names = (users: readonly { name: string }[]) => users.map((user) => user.name);
const titles = (posts: readonly { title: string }[]) => posts.map((post) => post.title);

/**
 * Ada: 3 posts (2 published), the first with 2 comments and 2 tags; Bob: 1 draft with 1
 * comment; Cy: nothing. Ada and Bob live in France, Cy in Peru.
 */
async function seedBlog() {
  const [france, peru] = await Country.createMany([{ name: 'France' }, { name: 'Peru' }]);
  const [ada, bob, cy] = await User.createMany([
    { name: 'Ada', country_id: france!.id },
    { name: 'Bob', country_id: france!.id },
    { name: 'Cy', country_id: peru!.id },
  ]);
  const [a1, a2, a3] = await ada!.postsRelation().createMany([
    { title: 'a1', published: true, likes: 10 },
    { title: 'a2', published: true, likes: 4 },
    { title: 'a3', published: false, likes: 1 },
  ]);
  const [b1] = await bob!.postsRelation().createMany([{ title: 'b1', published: false }]);
  await a1!.commentsRelation().createMany([{ body: 'nice' }, { body: 'spam' }]);
  await b1!.commentsRelation().create({ body: 'ok' });
  const [news, tech] = await Tag.createMany([{ name: 'news' }, { name: 'tech' }]);
  await a1!.tagsRelation().attach([news!, tech!]);
  await a2!.tagsRelation().attach(tech!);
  const video = await Video.create({ title: 'v' });
  await video.commentsRelation().create({ body: 'on a video' });
  return { ada: ada!, bob: bob!, cy: cy!, a1: a1!, a2: a2!, a3: a3!, b1: b1!, france: france! };
}

describe('relation queries', () => {
  describe('has / doesntHave', () => {
    it('keeps the models with at least one related model, or none', async () => {
      await seedBlog();
      expect(names(await User.query().has('posts').get())).toEqual(['Ada', 'Bob']);
      expect(names(await User.has('posts').get())).toEqual(['Ada', 'Bob']);
      expect(names(await User.doesntHave('posts').get())).toEqual(['Cy']);
    });

    it('compares the count with an operator', async () => {
      await seedBlog();
      expect(names(await User.has('posts', '>=', 2).get())).toEqual(['Ada']);
      expect(names(await User.has('posts', '=', 1).get())).toEqual(['Bob']);
      expect(names(await User.has('posts', '<', 3).get())).toEqual(['Bob', 'Cy']);
      expect(names(await User.has('posts', '!=', 3).get())).toEqual(['Bob', 'Cy']);
      expect(names(await User.has('posts', '>', 0).get())).toEqual(['Ada', 'Bob']);
      expect(names(await User.has('posts', '<=', 0).get())).toEqual(['Cy']);
    });

    it('follows dotted paths: the last level is counted, the outer ones need one', async () => {
      await seedBlog();
      expect(names(await User.has('posts.comments').get())).toEqual(['Ada', 'Bob']);
      expect(names(await User.has('posts.comments', '>=', 2).get())).toEqual(['Ada']);
      expect(names(await User.has('posts.tags', '=', 1).get())).toEqual(['Ada']);
      // A negation applies to the whole path: no post with a comment.
      expect(names(await User.doesntHave('posts.comments').get())).toEqual(['Cy']);
    });

    it('works for every relation kind', async () => {
      await seedBlog();
      expect(titles(await Post.has('author').get())).toEqual(['a1', 'a2', 'a3', 'b1']);
      expect(titles(await Post.has('tags').get())).toEqual(['a1', 'a2']);
      expect(titles(await Post.has('tags', '>', 1).get())).toEqual(['a1']);
      expect(titles(await Post.has('comments').get())).toEqual(['a1', 'b1']);
      expect((await Comment.has('commentable').get()).length).toBe(4);
      expect((await Country.has('posts').get()).map((c) => c.name)).toEqual(['France']);
      expect((await Country.has('firstPost').get()).map((c) => c.name)).toEqual(['France']);
      expect((await Video.doesntHave('thumbnail').get()).length).toBe(1);
    });

    it("counts a MorphTo's owners from their primary keys, reading no owner", async () => {
      await seedBlog();
      session.counter.reset();
      const found = await Comment.has('commentable').get();
      expect(found.length).toBe(4);
      expect(session.counter.records('posts')).toBe(0);
      expect(session.counter.records('videos')).toBe(0);
      expect(session.counter.count({ table: 'posts' })).toBeGreaterThan(0);
    });

    it('filters before paging and counting', async () => {
      await seedBlog();
      expect(names(await User.has('posts').offset(1).limit(1).get())).toEqual(['Bob']);
      expect(await User.has('posts').count()).toBe(2);
      expect((await User.doesntHave('posts').first())?.name).toBe('Cy');
      expect(await User.has('posts', '>', 5).exists()).toBe(false);
      expect(names(await User.has('posts').orderBy('name', 'desc').get())).toEqual(['Bob', 'Ada']);
    });
  });

  describe('whereHas / whereDoesntHave', () => {
    it('counts only the related models matching the callback', async () => {
      await seedBlog();
      const published = (query: QueryBuilder<Post>) => query.where('published', true);
      expect(names(await User.whereHas('posts', published).get())).toEqual(['Ada']);
      expect(names(await User.query().whereDoesntHave('posts', published).get())).toEqual([
        'Bob',
        'Cy',
      ]);
      expect(
        names(await User.whereHas('posts', (q) => q.where('likes', '>', 3), '>=', 2).get()),
      ).toEqual(['Ada']);
    });

    it('constrains the last level of a dotted path', async () => {
      await seedBlog();
      const spam = await User.whereHas('posts.comments', (q) => q.where('body', 'spam')).get();
      expect(names(spam)).toEqual(['Ada']);
      const tagged = await User.whereHas('posts.tags', (q) => q.where('name', 'news')).get();
      expect(names(tagged)).toEqual(['Ada']);
      expect(
        names(await User.whereDoesntHave('posts.comments', (q) => q.where('body', 'ok')).get()),
      ).toEqual(['Ada', 'Cy']);
    });

    it('takes nested relation filters inside the callback', async () => {
      await seedBlog();
      const users = await User.whereHas('posts', (q) =>
        q.where('published', false).has('comments'),
      ).get();
      expect(names(users)).toEqual(['Bob']);
    });

    it('applies to update() and delete(), which write only the matching models', async () => {
      await seedBlog();
      expect(await User.doesntHave('posts').update({ name: 'Lurker' })).toBe(1);
      expect(names(await User.all())).toEqual(['Ada', 'Bob', 'Lurker']);
      expect(await User.whereHas('posts', (q) => q.where('title', 'b1')).delete()).toBe(1);
      expect(names(await User.all())).toEqual(['Ada', 'Lurker']);
    });
  });

  describe('withCount and the other aggregates', () => {
    it('adds <name>_count; a record form counts what its callback matches', async () => {
      await seedBlog();
      const users = await User.query()
        .withCount('posts')
        .withCount({ posts: (q) => q.where('published', true) })
        .get();
      // The record form replaces the plain one: one posts_count.
      expect(users.map((user) => user.posts_count)).toEqual([2, 0, 0]);
      const all = await User.withCount('posts').get();
      expect(all.map((user) => user.posts_count)).toEqual([3, 1, 0]);
      const posts = await Post.query().withCount('tags', 'comments').get();
      expect(posts.map((post) => [post.tags_count, post.comments_count])).toEqual([
        [2, 2],
        [1, 0],
        [0, 0],
        [0, 1],
      ]);
    });

    it('adds <name>_exists and the sum, min, max and avg of a field (null for none)', async () => {
      await seedBlog();
      const users = await User.query()
        .withExists('posts')
        .withSum('posts', 'likes')
        .withMin('posts', 'likes')
        .withMax('posts', 'likes')
        .withAvg('posts', 'likes')
        .get();
      expect(
        users.map((u) => [
          u.posts_exists,
          u.posts_sum_likes,
          u.posts_min_likes,
          u.posts_max_likes,
          u.posts_avg_likes,
        ]),
      ).toEqual([
        [true, 15, 1, 10, 5],
        [true, null, null, null, null],
        [false, null, null, null, null],
      ]);
    });

    it('are never saved and never dirty, and show in toJSON()', async () => {
      const { ada } = await seedBlog();
      const [loaded] = await User.where('id', ada.id!).withCount('posts').get();
      expect(loaded!.posts_count).toBe(3);
      expect(loaded!.isDirty()).toBe(false);
      expect(loaded!.toJSON()).toEqual({ id: ada.id, name: 'Ada', country_id: 1, posts_count: 3 });
      loaded!.name = 'Ada L.';
      await loaded!.save();
      expect(await session.db.dexie.table('users').get(ada.id!)).toEqual({
        id: ada.id,
        name: 'Ada L.',
        country_id: 1,
      });
    });

    it('refuses a field that is not an attribute, and a path', () => {
      expect(() => User.query().withSum('posts', 'author' as 'likes')).toThrow(SchemaError);
      expect(() => User.query().withCount('posts.comments' as 'posts')).toThrow(SchemaError);
    });
  });

  describe('constrained eager loading', () => {
    it('filters and orders the related models, and pages them per parent', async () => {
      await seedBlog();
      const users = await User.query()
        .with({ posts: (q) => q.orderBy('likes', 'desc').limit(2) })
        .get();
      expect(users.map((user) => titles(user.posts))).toEqual([['a1', 'a2'], ['b1'], []]);
      const second = await User.with({ posts: (q) => q.orderBy('id').offset(1).limit(1) }).get();
      expect(second.map((user) => titles(user.posts))).toEqual([['a2'], [], []]);
    });

    it('mixes names and records; a dotted key constrains a nested level', async () => {
      await seedBlog();
      const posts = await Post.query()
        .with('author', { tags: (q) => q.where('name', 'tech'), 'author.posts': (q) => q.limit(1) })
        .get();
      expect(posts.map((post) => post.author?.name)).toEqual(['Ada', 'Ada', 'Ada', 'Bob']);
      expect(posts.map((post) => post.tags.map((tag) => tag.name))).toEqual([
        ['tech'],
        ['tech'],
        [],
        [],
      ]);
      expect(titles(posts[0]!.author!.posts)).toEqual(['a1']);
    });

    it('takes nested eager loads and counts inside the callback', async () => {
      await seedBlog();
      const users = await User.with({
        posts: (q) => q.where('published', true).with('tags').withCount('comments'),
      }).get();
      const ada = users[0]!;
      expect(titles(ada.posts)).toEqual(['a1', 'a2']);
      const first = ada.posts[0] as unknown as { tags: Tag[]; comments_count: number };
      expect(first.tags.map((tag) => tag.name)).toEqual(['news', 'tech']);
      expect(first.comments_count).toBe(2);
    });

    it('refuses a MorphTo constraint and a constraint that is not a function', () => {
      expect(() => Comment.with({ commentable: () => undefined })).toThrow(SchemaError);
      expect(() => User.with({ posts: 'published' as never })).toThrow(SchemaError);
    });
  });

  describe('bad input', () => {
    it('refuses unknown relations and operators with SchemaError, counts with ValidationError', () => {
      expect(() => User.has('nope' as 'posts')).toThrow(SchemaError);
      expect(() => User.has('posts.nope' as 'posts')).toThrow(SchemaError);
      expect(() => User.has('posts', '~' as '=')).toThrow(SchemaError);
      expect(() => User.has('posts', '>', -1)).toThrow(ValidationError);
      expect(() => User.has('posts', '>', 1.5)).toThrow(ValidationError);
      expect(() => User.whereHas('posts', 5 as never)).toThrow(SchemaError);
    });
  });

  describe('cost: one read per relation level for all parents', () => {
    async function seedMany(count: number) {
      const users = await User.createMany(
        Array.from({ length: count }, (_, i) => ({ name: `u${i}` })),
      );
      await Post.createMany(
        users.flatMap((user, i) =>
          i % 2 === 0 ? [{ title: `p${i}`, user_id: user.id, likes: i }] : [],
        ),
      );
    }

    for (const count of [1, 500]) {
      it(`has, whereHas, withCount and a limited eager load over ${count} users`, async () => {
        await seedMany(count);
        session.counter.reset();
        const having = await User.has('posts').withCount('posts').get();
        expect(having.length).toBe(Math.ceil(count / 2));
        // The filter and the count each read the foreign-key index once, whatever the count.
        expect(session.counter.count({ table: 'users' })).toBe(1);
        expect(session.counter.count({ table: 'posts' })).toBeLessThanOrEqual(2);
        session.counter.reset();
        await User.whereHas('posts', (q) => q.where('likes', '>', 2))
          .with({ posts: (q) => q.limit(1) })
          .get();
        // At most one: when no post matches, no user can, and none is read.
        expect(session.counter.count({ table: 'users' })).toBeLessThanOrEqual(1);
        expect(session.counter.count({ table: 'posts' })).toBeLessThanOrEqual(2);
        session.counter.reset();
        await Post.has('tags').get();
        expect(session.counter.byTable()).toEqual({ posts: 1, post_tag: 1 });
      });
    }
  });

  describe('live', () => {
    it('re-emits when a related model is added, moved, edited in or out, or removed', async () => {
      const { ada, bob, cy } = await seedBlog();
      const published = session.watch(
        User.whereHas('posts', (q) => q.where('published', true))
          .withCount('posts')
          .observe(),
      );
      const view = (users: readonly User[]) =>
        users.map((user) => `${user.name}:${(user as User & { posts_count: number }).posts_count}`);
      expect(view(await published.nth(1))).toEqual(['Ada:3']);
      const c1 = await cy.postsRelation().create({ title: 'c1', published: true });
      expect(view(await published.nth(2))).toEqual(['Ada:3', 'Cy:1']);
      c1.user_id = bob.id;
      await c1.save();
      expect(view(await published.nth(3))).toEqual(['Ada:3', 'Bob:2']);
      c1.published = false;
      await c1.save();
      expect(view(await published.nth(4))).toEqual(['Ada:3']);
      await (await Post.where('title', 'a3').firstOrFail()).delete();
      expect(view(await published.nth(5))).toEqual(['Ada:2']);
      expect(ada.exists).toBe(true);
    });

    it('does not re-emit for unrelated writes', async () => {
      await seedBlog();
      const counted = session.watch(User.has('posts').withCount('posts').observe());
      await counted.nth(1);
      await Tag.create({ name: 'unrelated' });
      await Video.create({ title: 'other' });
      const sentinel = session.watch(Tag.query().observe());
      await sentinel.nth(1);
      await Tag.create({ name: 'after' });
      await sentinel.nth(2);
      expect(counted.values.length).toBe(1);
    });

    it('observeCount() and observeFirst() follow relation filters', async () => {
      const { cy } = await seedBlog();
      const count = session.watch(User.has('posts').observeCount());
      const first = session.watch(User.doesntHave('posts').observeFirst());
      expect(await count.nth(1)).toBe(2);
      expect((await first.nth(1))?.name).toBe('Cy');
      await cy.postsRelation().create({ title: 'c1' });
      expect(await count.nth(2)).toBe(3);
      expect(await first.nth(2)).toBeNull();
    });
  });

  describe('HasOne', () => {
    const one = databaseSession(() => freshDatabase());

    it('filters and counts with the unique index keys', async () => {
      const [ada, bob] = await ProfileUser.createMany([
        { name: 'Ada', email: 'ada@example.com' },
        { name: 'Bob', email: 'bob@example.com' },
      ]);
      await ada!.profileRelation().create({ bio: 'hi' });
      expect(names(await ProfileUser.has('profile').get())).toEqual(['Ada']);
      expect(names(await ProfileUser.doesntHave('profile').get())).toEqual(['Bob']);
      const counted = await ProfileUser.withCount('profile').get();
      expect(counted.map((user) => user.profile_count)).toEqual([1, 0]);
      expect((await Profile.has('user').get()).length).toBe(1);
      expect(one.db.isOpen()).toBe(true);
      expect(bob!.exists).toBe(true);
    });
  });
});

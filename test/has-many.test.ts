import { describe, expect, it } from 'vitest';
import { UnsavedModelError, ValidationError } from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { blogDatabase, Post, User } from './support/blog.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

const storedPosts = () => session.db.dexie.table('posts').orderBy('id').toArray();
const titles = (posts: readonly Post[]) => posts.map((post) => post.title);

describe('HasMany', () => {
  it('derives a plain index on the foreign key', () => {
    expect(session.db.schema.posts).toBe('++id, user_id');
  });

  describe('getResults', () => {
    it('resolves the related models in primary-key order', async () => {
      const ada = await User.create({ name: 'Ada' });
      const bob = await User.create({ name: 'Bob' });
      await Post.createMany([
        { title: 'a1', user_id: ada.id },
        { title: 'b1', user_id: bob.id },
        { title: 'a2', user_id: ada.id },
      ]);
      expect(titles(await ada.postsRelation().getResults())).toEqual(['a1', 'a2']);
      expect(titles(await bob.postsRelation().getResults())).toEqual(['b1']);
    });

    it('resolves [] without querying for a parent that has no key', async () => {
      session.counter.reset();
      expect(await new User({ name: 'new' }).postsRelation().getResults()).toEqual([]);
      expect(session.counter.count()).toBe(0);
    });
  });

  describe('create', () => {
    it('inserts a related model; the parent key wins over a foreign key given', async () => {
      const ada = await User.create({ name: 'Ada' });
      const post = await ada.postsRelation().create({ title: 'hello', user_id: 99 });
      expect(post.user_id).toBe(ada.id);
      expect(await storedPosts()).toEqual([{ id: post.id, title: 'hello', user_id: ada.id }]);
    });

    it('rejects with UnsavedModelError for an unsaved parent, writing nothing', async () => {
      await expect(
        new User({ name: 'x' }).postsRelation().create({ title: 't' }),
      ).rejects.toBeInstanceOf(UnsavedModelError);
      expect(await storedPosts()).toEqual([]);
    });
  });

  describe('createMany', () => {
    it('inserts all in one transaction and reads the keys back', async () => {
      const ada = await User.create({ name: 'Ada' });
      session.counter.reset();
      const posts = await ada.postsRelation().createMany([{ title: 'one' }, { title: 'two' }]);
      expect(session.counter.transactions.readwrite).toBe(1);
      expect(posts.map((post) => post.id)).toEqual([1, 2]);
      expect(posts.every((post) => post.exists)).toBe(true);
      expect(await storedPosts()).toEqual([
        { id: 1, title: 'one', user_id: ada.id },
        { id: 2, title: 'two', user_id: ada.id },
      ]);
    });

    it('stores none when one record cannot be stored', async () => {
      const ada = await User.create({ name: 'Ada' });
      await expect(
        ada
          .postsRelation()
          .createMany([{ title: 'ok' }, { title: (() => 1) as unknown as string }]),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await storedPosts()).toEqual([]);
    });

    it('leaves nothing stored when a fault hits any of its writes', async () => {
      const writes = await expectAtomicAtEveryStep(
        blogDatabase,
        () => User.create({ name: 'Ada' }),
        (ada) => ada.postsRelation().createMany([{ title: 'a' }, { title: 'b' }, { title: 'c' }]),
      );
      expect(writes).toBeGreaterThan(0);
    });
  });

  describe('save and saveMany', () => {
    it('moves existing models to the parent', async () => {
      const ada = await User.create({ name: 'Ada' });
      const bob = await User.create({ name: 'Bob' });
      const [one, two] = await bob.postsRelation().createMany([{ title: 'one' }, { title: 'two' }]);
      await ada.postsRelation().save(one!);
      expect(titles(await ada.postsRelation().getResults())).toEqual(['one']);
      await ada.postsRelation().saveMany([two!, new Post({ title: 'three' })]);
      expect(titles(await ada.postsRelation().getResults())).toEqual(['one', 'two', 'three']);
      expect(await bob.postsRelation().getResults()).toEqual([]);
      expect((await storedPosts()).map((row) => row.user_id)).toEqual([ada.id, ada.id, ada.id]);
    });

    it('saveMany leaves every record as it was when a fault hits any write', async () => {
      await expectAtomicAtEveryStep(
        blogDatabase,
        async () => {
          const ada = await User.create({ name: 'Ada' });
          const bob = await User.create({ name: 'Bob' });
          const posts = await bob.postsRelation().createMany([{ title: 'one' }, { title: 'two' }]);
          return { ada, posts };
        },
        ({ ada, posts }) => ada.postsRelation().saveMany([...posts, new Post({ title: 'new' })]),
      );
    });
  });

  describe('firstOrCreate and updateOrCreate', () => {
    it('firstOrCreate finds the first match in primary-key order, else creates', async () => {
      const ada = await User.create({ name: 'Ada' });
      const posts = ada.postsRelation();
      const first = await posts.create({ title: 'same', likes: 1 });
      await posts.create({ title: 'same', likes: 2 });
      expect((await posts.firstOrCreate({ title: 'same' }, { likes: 9 })).id).toBe(first.id);
      const created = await posts.firstOrCreate({ title: 'other' }, { likes: 9 });
      expect(await session.db.dexie.table('posts').get(created.id!)).toEqual({
        id: created.id,
        title: 'other',
        likes: 9,
        user_id: ada.id,
      });
      expect(await session.db.dexie.table('posts').count()).toBe(3);
    });

    it('updateOrCreate fills the first match, else creates from search and values', async () => {
      const ada = await User.create({ name: 'Ada' });
      const posts = ada.postsRelation();
      const post = await posts.create({ title: 'draft', likes: 0 });
      const updated = await posts.updateOrCreate({ title: 'draft' }, { likes: 5 });
      expect(updated.id).toBe(post.id);
      const created = await posts.updateOrCreate({ title: 'new' }, { likes: 1 });
      expect(await storedPosts()).toEqual([
        { id: post.id, title: 'draft', likes: 5, user_id: ada.id },
        { id: created.id, title: 'new', likes: 1, user_id: ada.id },
      ]);
    });

    it('does not find a match of another parent', async () => {
      const ada = await User.create({ name: 'Ada' });
      const bob = await User.create({ name: 'Bob' });
      await bob.postsRelation().create({ title: 'shared' });
      const mine = await ada.postsRelation().firstOrCreate({ title: 'shared' });
      expect(mine.user_id).toBe(ada.id);
      expect(await session.db.dexie.table('posts').count()).toBe(2);
    });
  });

  describe('query', () => {
    it('is constrained to the parent', async () => {
      const ada = await User.create({ name: 'Ada' });
      const bob = await User.create({ name: 'Bob' });
      await ada.postsRelation().createMany([
        { title: 'a', likes: 3 },
        { title: 'b', likes: 1 },
      ]);
      await bob.postsRelation().create({ title: 'c', likes: 5 });
      const popular = await ada.postsRelation().query().where('likes', '>', 2).get();
      expect(titles(popular)).toEqual(['a']);
      expect(await ada.postsRelation().query().count()).toBe(2);
    });
  });

  describe('eager loading', () => {
    it('loads lists for every parent with one read, for 1 and for 500 parents', async () => {
      for (const size of [1, 500]) {
        await Post.query().delete();
        await User.query().delete();
        const users = await User.createMany(
          Array.from({ length: size }, (_, i) => ({ name: `u${i}` })),
        );
        await Post.createMany(
          users.flatMap((user, i) =>
            i % 3 === 2
              ? []
              : [
                  { title: `${i}a`, user_id: user.id },
                  { title: `${i}b`, user_id: user.id },
                ],
          ),
        );
        session.counter.reset();
        const loaded = await User.query().with('posts').get();
        expect(session.counter.byTable()).toEqual({ users: 1, posts: 1 });
        expect(loaded).toHaveLength(size);
        loaded.forEach((user, i) => {
          expect(titles(user.posts)).toEqual(i % 3 === 2 ? [] : [`${i}a`, `${i}b`]);
        });
      }
    });

    it('nests through dotted paths and loads onto models in hand', async () => {
      const ada = await User.create({ name: 'Ada' });
      await ada.postsRelation().createMany([{ title: 'x' }, { title: 'y' }]);
      const [user] = await User.query().with('posts.author').get();
      expect(user!.posts.map((post) => post.author?.name)).toEqual(['Ada', 'Ada']);
      const loaded = await ada.load('posts');
      expect(titles(loaded.posts)).toEqual(['x', 'y']);
      expect(loaded.toJSON()).toEqual({
        id: ada.id,
        name: 'Ada',
        posts: [
          { id: 1, title: 'x', user_id: ada.id },
          { id: 2, title: 'y', user_id: ada.id },
        ],
      });
      // A loaded list is never written.
      session.counter.reset();
      await ada.save();
      expect(session.counter.writes).toEqual({});
    });
  });

  describe('observe', () => {
    it('re-emits on create, edit, move and delete, and not for other parents', async () => {
      const ada = await User.create({ name: 'Ada' });
      const bob = await User.create({ name: 'Bob' });
      const posts = session.watch(ada.posts$);
      expect(await posts.nth(1)).toEqual([]);
      const post = await ada.postsRelation().create({ title: 'one' });
      expect(titles(await posts.nth(2))).toEqual(['one']);
      await bob.postsRelation().create({ title: 'not hers' });
      post.title = 'one, edited';
      await post.save();
      expect(titles(await posts.nth(3))).toEqual(['one, edited']);
      await bob.postsRelation().save(post);
      expect(await posts.nth(4)).toEqual([]);
      await ada.postsRelation().create({ title: 'two' });
      expect(titles(await posts.nth(5))).toEqual(['two']);
      await Post.where('title', 'two').delete();
      expect(await posts.nth(6)).toEqual([]);
      expect(posts.values).toHaveLength(6);
    });

    it('emits the list getResults() reads, in primary-key order, after a post moves in', async () => {
      const ada = await User.create({ name: 'Ada' });
      const bob = await User.create({ name: 'Bob' });
      await ada.postsRelation().create({ title: 'first' });
      const moving = await bob.postsRelation().create({ title: 'second' });
      await ada.postsRelation().create({ title: 'third' });
      const posts = session.watch(ada.posts$);
      expect(titles(await posts.nth(1))).toEqual(['first', 'third']);

      await ada.postsRelation().save(moving);

      const moved = await posts.nth(2);
      expect(titles(moved)).toEqual(['first', 'second', 'third']);
      expect(moved.every((post) => post instanceof Post)).toBe(true);
      expect(moved).toEqual(await ada.postsRelation().getResults());
      expect((await storedPosts()).map((post) => post.user_id)).toEqual([ada.id, ada.id, ada.id]);
    });

    it('emits [] without querying for a parent without a key', async () => {
      const posts = session.watch(new User({ name: 'new' }).posts$);
      expect(await posts.nth(1)).toEqual([]);
    });

    it('keeps eager-loaded lists live', async () => {
      const ada = await User.create({ name: 'Ada' });
      const users = session.watch(User.query().with('posts').observe());
      expect((await users.nth(1))[0]?.posts).toEqual([]);
      await ada.postsRelation().create({ title: 'live' });
      expect(titles((await users.nth(2))[0]!.posts)).toEqual(['live']);
    });
  });
});

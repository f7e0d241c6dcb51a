import { describe, expect, it } from 'vitest';
import {
  Database,
  IntegrityError,
  ModelNotFoundError,
  UnsavedModelError,
  ValidationError,
} from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { BLOG_MODELS, blogDatabase, Post, Tag, User } from './support/blog.js';
import { databaseSession } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

const session = databaseSession(() => blogDatabase());

const pivotRows = () => session.db.dexie.table('post_tag').toArray();
const names = (tags: readonly Tag[]) => tags.map((tag) => tag.name);

async function seed() {
  const post = await Post.create({ title: 'hello' });
  const tags = await Tag.createMany([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  return { post, tags };
}

describe('BelongsToMany, keys given twice and unsaved parents', () => {
  it('counts a key given twice once, in the writes and in the result', async () => {
    const { post, tags } = await seed();
    const [a, b] = [tags[0]!.id!, tags[1]!.id!];
    expect(await post.tagsRelation().sync([a, a])).toEqual({
      attached: [a],
      detached: [],
      updated: [],
    });
    expect(await post.tagsRelation().syncWithoutDetaching([b, b])).toEqual({
      attached: [b],
      detached: [],
      updated: [],
    });
    expect(await post.tagsRelation().toggle([b, b])).toEqual({ attached: [], detached: [b] });
    expect(await post.tagsRelation().toggle([b, b])).toEqual({ attached: [b], detached: [] });
    expect((await pivotRows()).map((row) => row.tag_id).sort()).toEqual([a, b].sort());
    await post.tagsRelation().attach([a, a, tags[2]!, tags[2]!]);
    expect(await pivotRows()).toHaveLength(3);
    expect(await post.tagsRelation().detach([a, a])).toBe(1);
  });

  it('rejects detach() on a parent without a key, writing nothing', async () => {
    const { post } = await seed();
    await post.tagsRelation().attach(1);
    const before = await pivotRows();
    await expect(new Post({ title: 'unsaved' }).tagsRelation().detach()).rejects.toThrow(
      UnsavedModelError,
    );
    await expect(new Post({ title: 'unsaved' }).tagsRelation().detach([1])).rejects.toThrow(
      UnsavedModelError,
    );
    expect(await pivotRows()).toEqual(before);
  });
});

describe('BelongsToMany', () => {
  it('derives one pivot table for both sides, keyed by the pair, both keys indexed', () => {
    expect(session.db.schema.post_tag).toBe('[post_id+tag_id], post_id, tag_id');
  });

  describe('attach', () => {
    it('pairs keys, models and arrays of either, with pivot attributes', async () => {
      const { post, tags } = await seed();
      await post.tagsRelation().attach(tags[0]!.id!, { added_by: 'ada' });
      await post.tagsRelation().attach([tags[1]!, tags[2]!.id!]);
      expect(await pivotRows()).toEqual([
        { post_id: post.id, tag_id: 1, added_by: 'ada' },
        { post_id: post.id, tag_id: 2 },
        { post_id: post.id, tag_id: 3 },
      ]);
      const attached = await post.tagsRelation().getResults();
      expect(names(attached)).toEqual(['a', 'b', 'c']);
      expect(attached[0]!.pivot).toEqual({ post_id: post.id, tag_id: 1, added_by: 'ada' });
    });

    it('keeps one row per pair, updating its pivot attributes when given', async () => {
      const { post, tags } = await seed();
      await post.tagsRelation().attach(tags[0]!, { added_by: 'ada' });
      await post.tagsRelation().attach(tags[0]!);
      await post.tagsRelation().attach(tags[0]!, { added_by: 'bob' });
      expect(await pivotRows()).toEqual([{ post_id: post.id, tag_id: 1, added_by: 'bob' }]);
    });

    it('rejects a key with no related record with ModelNotFoundError, writing nothing', async () => {
      const { post, tags } = await seed();
      const error = await post
        .tagsRelation()
        .attach([tags[0]!.id!, 99])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect((error as ModelNotFoundError).key).toBe(99);
      expect((error as Error).message).toContain('tags');
      expect(await pivotRows()).toEqual([]);
    });

    it('rejects an unsaved parent or model with UnsavedModelError, and a bad key', async () => {
      const { post } = await seed();
      await expect(new Post({ title: 'x' }).tagsRelation().attach(1)).rejects.toBeInstanceOf(
        UnsavedModelError,
      );
      await expect(post.tagsRelation().attach(new Tag({ name: 'new' }))).rejects.toBeInstanceOf(
        UnsavedModelError,
      );
      await expect(post.tagsRelation().attach(Number.NaN)).rejects.toBeInstanceOf(ValidationError);
      expect(await pivotRows()).toEqual([]);
    });

    it('leaves nothing stored when a fault hits any of its writes', async () => {
      await expectAtomicAtEveryStep(blogDatabase, seed, ({ post, tags }) =>
        post.tagsRelation().attach(tags, { added_by: 'x' }),
      );
    });

    it('from two connections attaching the same pair at once: one row', async () => {
      const { post, tags } = await seed();
      const other = new Database(session.db.name, { models: BLOG_MODELS });
      try {
        await Promise.all([
          session.db.transaction(() => post.tagsRelation().attach(tags[0]!)),
          other.transaction(() => post.tagsRelation().attach(tags[0]!)),
        ]);
        expect(await pivotRows()).toEqual([{ post_id: post.id, tag_id: tags[0]!.id }]);
      } finally {
        other.close();
      }
    });
  });

  describe('pivot on the related models', () => {
    it('is never saved, never dirty, and part of toJSON()', async () => {
      const { post, tags } = await seed();
      await post.tagsRelation().attach(tags[0]!, { added_by: 'ada' });
      const [tag] = await post.tagsRelation().getResults();
      expect(tag!.isDirty()).toBe(false);
      tag!.name = 'renamed';
      session.counter.reset();
      await tag!.save();
      expect(await session.db.dexie.table('tags').get(tag!.id!)).toEqual({
        id: tag!.id,
        name: 'renamed',
      });
      expect(tag!.toJSON()).toEqual({
        id: tag!.id,
        name: 'renamed',
        pivot: { post_id: post.id, tag_id: tag!.id, added_by: 'ada' },
      });
    });
  });

  describe('detach', () => {
    it('removes the pairs given, or all of them, and counts what it removed', async () => {
      const { post, tags } = await seed();
      await post.tagsRelation().attach(tags);
      expect(await post.tagsRelation().detach([tags[0]!, 99])).toBe(1);
      expect((await pivotRows()).map((row) => row.tag_id)).toEqual([2, 3]);
      expect(await post.tagsRelation().detach()).toBe(2);
      expect(await pivotRows()).toEqual([]);
    });
  });

  describe('sync, syncWithoutDetaching and toggle', () => {
    it('sync makes the set exactly the keys given', async () => {
      const { post } = await seed();
      await post.tagsRelation().attach([1, 2]);
      expect(await post.tagsRelation().sync([2, 3])).toEqual({
        attached: [3],
        detached: [1],
        updated: [],
      });
      expect((await pivotRows()).map((row) => row.tag_id)).toEqual([2, 3]);
    });

    it('sync with a record keeps numeric keys numbers and reports updated pivots', async () => {
      const { post } = await seed();
      await post.tagsRelation().attach(1, { added_by: 'ada' });
      const result = await post
        .tagsRelation()
        .sync({ 1: { added_by: 'bob' }, 2: { added_by: 'cy' } });
      expect(result).toEqual({ attached: [2], detached: [], updated: [1] });
      expect(await pivotRows()).toEqual([
        { post_id: post.id, tag_id: 1, added_by: 'bob' },
        { post_id: post.id, tag_id: 2, added_by: 'cy' },
      ]);
    });

    it('sync with a missing key writes nothing', async () => {
      const { post } = await seed();
      await post.tagsRelation().attach([1]);
      await expect(post.tagsRelation().sync([2, 42])).rejects.toBeInstanceOf(ModelNotFoundError);
      expect((await pivotRows()).map((row) => row.tag_id)).toEqual([1]);
    });

    it('syncWithoutDetaching removes nothing', async () => {
      const { post } = await seed();
      await post.tagsRelation().attach([1]);
      expect(await post.tagsRelation().syncWithoutDetaching([2])).toEqual({
        attached: [2],
        detached: [],
        updated: [],
      });
      expect((await pivotRows()).map((row) => row.tag_id)).toEqual([1, 2]);
    });

    it('toggle attaches the absent and detaches the present', async () => {
      const { post } = await seed();
      await post.tagsRelation().attach([1, 2]);
      expect(await post.tagsRelation().toggle([2, 3])).toEqual({ attached: [3], detached: [2] });
      expect((await pivotRows()).map((row) => row.tag_id)).toEqual([1, 3]);
    });

    it.each([
      ['sync', (post: Post, tags: Tag[]) => post.tagsRelation().sync([tags[1]!, tags[2]!])],
      ['toggle', (post: Post, tags: Tag[]) => post.tagsRelation().toggle(tags)],
    ])('%s leaves nothing changed when a fault hits any of its writes', async (_, act) => {
      await expectAtomicAtEveryStep(
        blogDatabase,
        async () => {
          const seeded = await seed();
          await seeded.post.tagsRelation().attach(seeded.tags[0]!);
          return seeded;
        },
        ({ post, tags }) => act(post, tags),
      );
    });
  });

  describe('updateExistingPivot and create', () => {
    it('updateExistingPivot updates one pair, or resolves 0', async () => {
      const { post } = await seed();
      await post.tagsRelation().attach(1);
      expect(await post.tagsRelation().updateExistingPivot(1, { added_by: 'ada' })).toBe(1);
      expect(await post.tagsRelation().updateExistingPivot(2, { added_by: 'ada' })).toBe(0);
      expect(await pivotRows()).toEqual([{ post_id: post.id, tag_id: 1, added_by: 'ada' }]);
    });

    it('create inserts a related model and attaches it, atomically', async () => {
      const { post } = await seed();
      const tag = await post.tagsRelation().create({ name: 'new' }, { added_by: 'ada' });
      expect(tag.pivot).toEqual({ post_id: post.id, tag_id: tag.id, added_by: 'ada' });
      expect(await session.db.dexie.table('tags').get(tag.id!)).toEqual({
        id: tag.id,
        name: 'new',
      });
      await expectAtomicAtEveryStep(blogDatabase, seed, ({ post: other }) =>
        other.tagsRelation().create({ name: 'new' }, { added_by: 'x' }),
      );
    });
  });

  describe('query', () => {
    it('selects the related models attached to the parent', async () => {
      const { post } = await seed();
      const other = await Post.create({ title: 'other' });
      await post.tagsRelation().attach([1, 3]);
      await other.tagsRelation().attach([2]);
      expect(names(await post.tagsRelation().query().get())).toEqual(['a', 'c']);
      expect(await post.tagsRelation().query().where('name', 'c').count()).toBe(1);
      expect(
        names(
          await (await Tag.findOrFail(2))
            .postsRelation()
            .query()
            .get()
            .then(() => []),
        ),
      ).toEqual([]);
      const posts = await (await Tag.findOrFail(2)).postsRelation().getResults();
      expect(posts.map((p) => p.title)).toEqual(['other']);
    });
  });

  describe('deleting either side', () => {
    it('removes its pivot rows in the same transaction', async () => {
      const { post, tags } = await seed();
      const other = await Post.create({ title: 'other' });
      await post.tagsRelation().attach(tags);
      await other.tagsRelation().attach(tags[0]!);
      await tags[0]!.delete();
      expect((await pivotRows()).map((row) => [row.post_id, row.tag_id])).toEqual([
        [post.id, 2],
        [post.id, 3],
      ]);
      await Post.where('title', 'hello').delete();
      expect(await pivotRows()).toEqual([]);
    });

    it('refuses a raw Dexie delete whose transaction lacks the pivot table, deleting nothing', async () => {
      const { post, tags } = await seed();
      await post.tagsRelation().attach(tags);
      const before = await snapshotTables(session.db);
      for (const write of [
        () => session.db.dexie.table('tags').delete(1),
        () => session.db.dexie.table('tags').clear(),
      ]) {
        const error = await write().catch((e: unknown) => e);
        const cause = (error as { inner?: unknown }).inner ?? error;
        expect(cause).toBeInstanceOf(IntegrityError);
        expect((cause as Error).message).toContain('"post_tag"');
      }
      expect(await snapshotTables(session.db)).toEqual(before);
      await session.db.dexie.transaction('rw', ['tags', 'post_tag'], () =>
        session.db.dexie.table('tags').delete(1),
      );
      expect((await pivotRows()).map((row) => row.tag_id)).toEqual([2, 3]);
    });

    it('a fault at any step of deleting a model with pivot rows leaves everything as it was', async () => {
      await expectAtomicAtEveryStep(
        blogDatabase,
        async () => {
          const seeded = await seed();
          await seeded.post.tagsRelation().attach(seeded.tags);
          return seeded;
        },
        ({ post }) => post.delete(),
      );
    });
  });

  describe('eager loading', () => {
    it('costs two reads per level for 1 and for 500 parents', async () => {
      await Tag.createMany([{ name: 'x' }, { name: 'y' }, { name: 'z' }]);
      for (const size of [1, 500]) {
        await Post.query().delete();
        const posts = await Post.createMany(
          Array.from({ length: size }, (_, i) => ({ title: `p${i}` })),
        );
        await session.db.transaction(async () => {
          for (const [i, post] of posts.entries())
            await post.tagsRelation().attach(i % 2 ? [1, 3] : [2]);
        });
        session.counter.reset();
        const loaded = await Post.query().with('tags').get();
        expect(session.counter.byTable()).toEqual({ posts: 1, post_tag: 1, tags: 1 });
        loaded.forEach((post, i) => {
          expect(names(post.tags)).toEqual(i % 2 ? ['x', 'z'] : ['y']);
          expect(post.tags[0]!.pivot.post_id).toBe(post.id);
        });
      }
    });

    it('nests across kinds: users → posts → tags', async () => {
      const ada = await User.create({ name: 'Ada' });
      const [first] = await ada.postsRelation().createMany([{ title: 'one' }, { title: 'two' }]);
      await Tag.createMany([{ name: 'x' }, { name: 'y' }]);
      await first!.tagsRelation().attach([1, 2]);
      const [user] = await User.query().with('posts.tags').get();
      expect(user!.posts.map((post) => names(post.tags))).toEqual([['x', 'y'], []]);
      expect(user!.posts[0]!.tags[1]!.pivot.tag_id).toBe(2);
    });
  });

  describe('observe', () => {
    it('re-emits on attach, detach, pivot updates and edits of attached models', async () => {
      const { post, tags } = await seed();
      const other = await Post.create({ title: 'other' });
      const live = session.watch(post.tags$);
      expect(await live.nth(1)).toEqual([]);
      await post.tagsRelation().attach(tags[0]!);
      expect(names(await live.nth(2))).toEqual(['a']);
      await post.tagsRelation().updateExistingPivot(tags[0]!, { added_by: 'ada' });
      expect((await live.nth(3))[0]!.pivot.added_by).toBe('ada');
      tags[0]!.name = 'a, renamed';
      await tags[0]!.save();
      expect(names(await live.nth(4))).toEqual(['a, renamed']);
      await other.tagsRelation().attach(tags[1]!);
      await tags[2]!.delete();
      await post.tagsRelation().detach();
      expect(await live.nth(5)).toEqual([]);
      expect(live.values).toHaveLength(5);
    });
  });
});

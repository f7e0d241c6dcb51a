import { describe, expect, it } from 'vitest';
import { Database, ModelNotFoundError, SchemaError, ValidationError } from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { BLOG_MODELS, blogDatabase, Post, Tag, User } from './support/blog.js';
import { databaseSession, removeDatabase } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

const session = databaseSession(() => blogDatabase());

function stored(table: string) {
  return session.db.dexie.table(table).toArray();
}

/** A second connection to the session's database; constructed last, it serves the models. */
function secondConnection(): Database {
  return session.track(new Database(session.db.name, { models: BLOG_MODELS }));
}

describe('model statics that find or write in one step', () => {
  it('firstOrCreate finds, or creates from match and values', async () => {
    const made = await Tag.firstOrCreate({ name: 'urgent' });
    const found = await Tag.firstOrCreate({ name: 'urgent' });
    expect(found.id).toBe(made.id);
    const user = await User.firstOrCreate({ name: 'Ada' }, { country_id: null });
    expect(user.exists).toBe(true);
    expect(await stored('tags')).toEqual([{ id: made.id, name: 'urgent' }]);
    expect(await stored('users')).toEqual([{ id: user.id, name: 'Ada', country_id: null }]);
  });

  it('firstOrCreate from two connections at once makes one record', async () => {
    const first = session.db;
    const second = secondConnection();
    const results = await Promise.all([
      first.transaction(() => Tag.firstOrCreate({ name: 'raced' })),
      second.transaction(() => Tag.firstOrCreate({ name: 'raced' })),
      first.transaction(() => Tag.firstOrCreate({ name: 'raced' })),
    ]);
    expect(new Set(results.map((tag) => tag.id)).size).toBe(1);
    expect(await stored('tags')).toHaveLength(1);
  });

  it('firstOrNew finds, or builds an unsaved model', async () => {
    const built = await Tag.firstOrNew({ name: 'later' });
    expect(built.exists).toBe(false);
    expect(await stored('tags')).toEqual([]);
    await built.save();
    expect((await Tag.firstOrNew({ name: 'later' })).id).toBe(built.id);
  });

  it('updateOrCreate creates, then fills and saves the one found', async () => {
    const post = await Post.updateOrCreate({ title: 'Draft' }, { likes: 1 });
    const again = await Post.updateOrCreate({ title: 'Draft' }, { likes: 5, published: true });
    expect(again.id).toBe(post.id);
    expect(await stored('posts')).toEqual([
      { id: post.id, title: 'Draft', likes: 5, published: true },
    ]);
  });

  it('upsert inserts the new and writes into the stored, in the order given', async () => {
    const [a] = await Post.createMany([{ title: 'a', likes: 1 }]);
    const models = await Post.upsert(
      [
        { title: 'b', likes: 2 },
        { title: 'a', likes: 10 },
        { title: 'c', likes: 3 },
      ],
      'title',
    );
    expect(models.map((post) => [post.title, post.likes, post.exists])).toEqual([
      ['b', 2, true],
      ['a', 10, true],
      ['c', 3, true],
    ]);
    expect(models[1]!.id).toBe(a!.id);
    const rows = await stored('posts');
    expect(rows.map((row) => [row.title, row.likes])).toEqual([
      ['a', 10],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('upsert refuses a record without its unique value, or one given twice; nothing written', async () => {
    const before = await snapshotTables(session.db);
    expect(() => Post.upsert([{ title: 'x' }, { title: 'x' }], 'title')).toThrow(SchemaError);
    expect(() => Post.upsert([{ likes: 1 } as never], 'title')).toThrow(SchemaError);
    expect(await snapshotTables(session.db)).toEqual(before);
  });

  it('upsert is atomic at every step', async () => {
    let db = session.db;
    const writes = await expectAtomicAtEveryStep(
      () => {
        db = blogDatabase();
        return db;
      },
      () => Post.createMany([{ title: 'a', likes: 1 }]),
      () =>
        Post.upsert(
          [
            { title: 'a', likes: 2 },
            { title: 'b', likes: 3 },
          ],
          'title',
        ),
    );
    expect(writes).toBeGreaterThanOrEqual(2);
    await removeDatabase(db);
  });
});

describe('increment and decrement', () => {
  it('add to the stored value, on a model and on a query', async () => {
    const post = await Post.create({ title: 'p', likes: 1 });
    await post.increment('likes');
    await post.increment('likes', 5);
    await post.decrement('likes', 2);
    expect(post.likes).toBe(5);
    expect(post.isDirty()).toBe(false);
    await Post.create({ title: 'q' });
    expect(await Post.query().increment('likes', 10)).toBe(2);
    expect((await stored('posts')).map((row) => row.likes)).toEqual([15, 10]);
    expect(await Post.where('title', 'q').decrement('likes')).toBe(1);
    expect((await stored('posts')).map((row) => row.likes)).toEqual([15, 9]);
  });

  it('from two connections at once, both count', async () => {
    const post = await Post.create({ title: 'p', likes: 0 });
    const second = secondConnection();
    const there = (await second.transaction(() => Post.find(post.id!)))!;
    await Promise.all([
      post.increment('likes'),
      there.increment('likes'),
      post.increment('likes'),
      there.increment('likes'),
    ]);
    expect((await stored('posts'))[0]!.likes).toBe(4);
  });

  it('refuse a field that is not a number, a bad amount, or a record that is gone', async () => {
    const post = await Post.create({ title: 'p', likes: 1 });
    await expect(post.increment('title' as 'likes')).rejects.toBeInstanceOf(ValidationError);
    await expect(post.increment('likes', Number.NaN)).rejects.toBeInstanceOf(ValidationError);
    await Post.where('id', post.id!).delete();
    await expect(post.increment('likes')).rejects.toBeInstanceOf(ModelNotFoundError);
    expect(await stored('posts')).toEqual([]);
  });
});

describe('loadMissing, loadCount and loadExists', () => {
  it('load what is not held yet, one read per missing level', async () => {
    const user = await User.create({ name: 'Ada' });
    const post = await user.postsRelation().create({ title: 'p' });
    await post.tagsRelation().attach([(await Tag.create({ name: 't' })).id!]);
    const fresh = (await User.find(user.id!))!;
    session.counter.reset();
    const loaded = await fresh.loadMissing('posts.tags');
    expect(loaded.posts.map((p) => p.tags.map((t) => t.name))).toEqual([['t']]);
    // posts, then post_tag and tags: one read per level, two for the pivot kind.
    expect(session.counter.byTable()).toEqual({ posts: 1, post_tag: 1, tags: 1 });
    session.counter.reset();
    await fresh.loadMissing('posts.tags', 'posts');
    expect(session.counter.count()).toBe(0);
    const counted = await (await fresh.loadCount('posts')).loadExists('posts');
    expect(counted.posts_count).toBe(1);
    expect(counted.posts_exists).toBe(true);
    expect(counted.toJSON()).toMatchObject({ posts_count: 1, posts_exists: true });
  });
});

import { describe, expect, it } from 'vitest';
import {
  SchemaError,
  UniqueConstraintError,
  UnsavedModelError,
  ValidationError,
} from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { blogDatabase, Comment, Post, Video } from './support/blog.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

const bodies = (comments: readonly Comment[]) => comments.map((comment) => comment.body);

describe('polymorphic relations', () => {
  it('derive a compound [type+id] index, unique for MorphOne', () => {
    expect(session.db.schema.comments).toBe('++id, [commentable_type+commentable_id]');
    expect(session.db.schema.images).toBe('++id, &[imageable_type+imageable_id]');
  });

  describe('MorphMany', () => {
    it('reads one key of the [type+id] index, once per live run, in key order', async () => {
      const post = await Post.create({ title: 'p' });
      const video = await Video.create({ title: 'v' });
      await post.commentsRelation().createMany([{ body: 'p1' }, { body: 'p2' }]);
      await video.commentsRelation().create({ body: 'v1' });
      session.counter.reset();
      expect(bodies(await post.commentsRelation().getResults())).toEqual(['p1', 'p2']);
      expect(session.counter.reads.map(({ table, method }) => `${table}.${method}`)).toEqual([
        'comments.query',
      ]);
      expect(session.counter.records('comments')).toBe(2);

      const live = session.watch(post.commentsRelation().observe());
      expect(bodies(await live.nth(1))).toEqual(['p1', 'p2']);
      session.counter.reset();
      await post.commentsRelation().create({ body: 'p3' });
      expect(bodies(await live.nth(2))).toEqual(['p1', 'p2', 'p3']);
      expect(session.counter.count({ table: 'comments', mode: 'readonly' })).toBe(1);
      expect(session.counter.records('comments')).toBe(3);
    });

    it('writes the parent table name and key, and reads only its own parent’s', async () => {
      const post = await Post.create({ title: 'p' });
      const video = await Video.create({ title: 'v' });
      // Same key, other table: must not mix.
      expect(post.id).toBe(video.id);
      const comment = await post.commentsRelation().create({ body: 'on the post' });
      await video.commentsRelation().createMany([{ body: 'v1' }, { body: 'v2' }]);
      expect(await session.db.dexie.table('comments').get(comment.id!)).toEqual({
        id: comment.id,
        body: 'on the post',
        commentable_type: 'posts',
        commentable_id: post.id,
      });
      expect(bodies(await post.commentsRelation().getResults())).toEqual(['on the post']);
      expect(bodies(await video.commentsRelation().getResults())).toEqual(['v1', 'v2']);
      expect(await video.commentsRelation().query().count()).toBe(2);
    });

    it('eager-loads with one read for any number of parents', async () => {
      for (const size of [1, 500]) {
        await Comment.query().delete();
        await Post.query().delete();
        const posts = await Post.createMany(
          Array.from({ length: size }, (_, i) => ({ title: `p${i}` })),
        );
        await Comment.createMany(
          posts.flatMap((post, i) => [
            { body: `${i}a`, commentable_type: 'posts', commentable_id: post.id },
            { body: `v${i}`, commentable_type: 'videos', commentable_id: post.id },
          ]),
        );
        session.counter.reset();
        const loaded = await Post.query().with('comments').get();
        expect(session.counter.byTable()).toEqual({ posts: 1, comments: 1 });
        loaded.forEach((post, i) => {
          expect(bodies(post.comments)).toEqual([`${i}a`]);
        });
      }
    });

    it('keeps observers live, and leaves nothing behind when saveMany fails midway', async () => {
      const post = await Post.create({ title: 'p' });
      const live = session.watch(post.commentsRelation().observe());
      expect(await live.nth(1)).toEqual([]);
      await post.commentsRelation().create({ body: 'first' });
      expect(bodies(await live.nth(2))).toEqual(['first']);
      await Video.create({ title: 'v' }).then((video) =>
        video.commentsRelation().create({ body: 'other' }),
      );
      const [first] = await post.commentsRelation().getResults();
      first!.body = 'edited';
      await first!.save();
      expect(bodies(await live.nth(3))).toEqual(['edited']);
      expect(live.values).toHaveLength(3);
      await expectAtomicAtEveryStep(
        blogDatabase,
        () => Post.create({ title: 'q' }),
        (parent) =>
          parent
            .commentsRelation()
            .saveMany([new Comment({ body: 'x' }), new Comment({ body: 'y' })]),
      );
    });
  });

  describe('MorphOne', () => {
    it('holds one per parent and dissociates both columns', async () => {
      const video = await Video.create({ title: 'v' });
      const image = await video.thumbnailRelation().create({ url: 'a.png' });
      await expect(video.thumbnailRelation().create({ url: 'b.png' })).rejects.toBeInstanceOf(
        UniqueConstraintError,
      );
      expect((await video.thumbnailRelation().getResults())?.id).toBe(image.id);
      await video.thumbnailRelation().dissociate();
      expect(await session.db.dexie.table('images').toArray()).toEqual([
        { id: image.id, url: 'a.png', imageable_type: null, imageable_id: null },
      ]);
      const [loaded] = await Video.query().with('thumbnail').get();
      expect(loaded!.thumbnail).toBeNull();
    });
  });

  describe('MorphTo', () => {
    it('resolves the owner in whichever model has the stored table', async () => {
      const post = await Post.create({ title: 'p' });
      const video = await Video.create({ title: 'v' });
      const onPost = await post.commentsRelation().create({ body: 'a' });
      const onVideo = await video.commentsRelation().create({ body: 'b' });
      const owner = await onPost.commentableRelation().getResults();
      expect(owner).toBeInstanceOf(Post);
      expect(await onVideo.commentableRelation().getResults()).toBeInstanceOf(Video);
      expect(await new Comment({ body: 'loose' }).commentableRelation().getResults()).toBeNull();
    });

    it('eager-loads with one read per type present', async () => {
      const posts = await Post.createMany([{ title: 'p1' }, { title: 'p2' }]);
      const video = await Video.create({ title: 'v' });
      await posts[0]!.commentsRelation().create({ body: 'a' });
      await posts[1]!.commentsRelation().create({ body: 'b' });
      await video.commentsRelation().create({ body: 'c' });
      await Comment.create({ body: 'loose' });
      session.counter.reset();
      const comments = await Comment.query().with('commentable').get();
      expect(session.counter.byTable()).toEqual({ comments: 1, posts: 1, videos: 1 });
      expect(
        comments.map((c) => (c.commentable as { title?: string } | null)?.title ?? null),
      ).toEqual(['p1', 'p2', 'v', null]);
    });

    it('refuses the text "1" as a key of auto-increment posts, even through db.dexie', async () => {
      const post = await Post.create({ title: 'p' });
      const byNumber = await post.commentsRelation().create({ body: 'by number' });
      const error = await session.db.dexie
        .table('comments')
        .add({ body: 'by text', commentable_type: 'posts', commentable_id: String(post.id) })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('commentable_id');
      expect((await Comment.all()).map((c) => c.body)).toEqual(['by number']);
      expect(await byNumber.commentableRelation().getResults()).toBeInstanceOf(Post);
      expect((await Comment.has('commentable').get()).map((c) => c.body)).toEqual(['by number']);
    });

    it('loads nested relations per owner class', async () => {
      const post = await Post.create({ title: 'p' });
      const video = await Video.create({ title: 'v' });
      await post.commentsRelation().create({ body: 'on p' });
      await video.commentsRelation().create({ body: 'on v' });
      const comments = await Comment.query().with('commentable.comments').get();
      expect(
        comments.map((c) => bodies((c.commentable as unknown as { comments: Comment[] }).comments)),
      ).toEqual([['on p'], ['on v']]);
    });

    it('associates and dissociates both columns, writing nothing', async () => {
      const video = await Video.create({ title: 'v' });
      const comment = await Comment.create({ body: 'c' });
      session.counter.reset();
      comment.commentableRelation().associate(video);
      expect([comment.commentable_type, comment.commentable_id]).toEqual(['videos', video.id]);
      comment.commentableRelation().dissociate();
      expect([comment.commentable_type, comment.commentable_id]).toEqual([null, null]);
      expect(session.counter.writes).toEqual({});
      expect(() => comment.commentableRelation().associate(new Video({ title: 'new' }))).toThrow(
        UnsavedModelError,
      );
    });

    it('rejects a stored type that names no table of its models with SchemaError', async () => {
      const comment = await Comment.create({
        body: 'c',
        commentable_type: 'images',
        commentable_id: 1,
      });
      await expect(comment.commentableRelation().getResults()).rejects.toBeInstanceOf(SchemaError);
      await expect(Comment.query().with('commentable').get()).rejects.toBeInstanceOf(SchemaError);
    });

    it('reads its owner by key, one get of the table its type names, as a query of it would', async () => {
      const post = await Post.create({ title: 'p' });
      const video = await Video.create({ title: 'v' });
      const onPost = await post.commentsRelation().create({ body: 'c' });
      const onVideo = await video.commentsRelation().create({ body: 'd' });
      session.counter.reset();
      expect((await onPost.commentableRelation().getResults())?.title).toBe('p');
      expect((await onVideo.commentableRelation().getResults())?.title).toBe('v');
      expect(session.counter.reads.map(({ table, method }) => `${table}.${method}`)).toEqual([
        'posts.get',
        'videos.get',
      ]);
      await post.delete();
      expect(await onPost.commentableRelation().getResults()).toBeNull();
    });

    it('follows a move of the owner live', async () => {
      const post = await Post.create({ title: 'p' });
      const video = await Video.create({ title: 'v' });
      const comment = await post.commentsRelation().create({ body: 'c' });
      const live = session.watch(comment.commentableRelation().observe());
      expect(await live.nth(1)).toBeInstanceOf(Post);
      const stored = await Comment.findOrFail(comment.id!);
      stored.commentableRelation().associate(video);
      await stored.save();
      expect(await live.nth(2)).toBeInstanceOf(Video);
      const image = await video.thumbnailRelation().create({ url: 'x' });
      expect((await image.imageableRelation().getResults())?.id).toBe(video.id);
    });
  });
});

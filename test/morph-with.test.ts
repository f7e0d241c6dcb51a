import { describe, expect, it } from 'vitest';
import { morphWith, SchemaError } from '../src/index.js';
import { blogDatabase, Comment, Post, Video } from './support/blog.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

/** A comment on a published post, one on a draft, one on a video that has two comments. */
async function seed() {
  const published = await Post.create({ title: 'out', published: true });
  const draft = await Post.create({ title: 'draft', published: false });
  const video = await Video.create({ title: 'talk' });
  await published.commentsRelation().create({ body: 'on out' });
  await draft.commentsRelation().create({ body: 'on draft' });
  await video.commentsRelation().create({ body: 'on talk' });
  await video.commentsRelation().create({ body: 'again on talk' });
}

describe('MorphTo with morphWith', () => {
  it('constrains each owner table and loads relations onto another', async () => {
    await seed();
    session.counter.reset();
    const comments = await Comment.query()
      .with({
        commentable: morphWith({
          posts: (query) => query.where('published', true),
          videos: ['comments'],
        }),
      })
      .orderBy('id')
      .get();
    expect(
      comments.map((comment) => {
        const owner = comment.commentable as ((Post | Video) & { comments?: Comment[] }) | null;
        return [comment.body, owner?.title ?? null, owner?.comments?.length ?? null];
      }),
    ).toEqual([
      ['on out', 'out', null],
      ['on draft', null, null],
      ['on talk', 'talk', 2],
      ['again on talk', 'talk', 2],
    ]);
    // The comments, one read per owner table, and the videos' comments.
    expect(session.counter.byTable()).toEqual({ comments: 2, posts: 1, videos: 1 });
  });

  it('refuses a table the MorphTo cannot reach, and a relation that is no MorphTo', () => {
    expect(() => Comment.query().with({ commentable: morphWith({ users: ['posts'] }) })).toThrow(
      SchemaError,
    );
    // @ts-expect-error the compile-time check: morphWith goes under a MorphTo only
    expect(() => Post.query().with({ comments: morphWith({ posts: ['tags'] }) })).toThrow(
      SchemaError,
    );
  });
});

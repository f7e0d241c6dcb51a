import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { blogDatabase, Comment, Post, Tag, User } from './support/blog.js';
import { databaseSession } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

const session = databaseSession(() => blogDatabase());

/** The error `write` rejects with, or undefined when it resolves. */
function failureOf(write: () => Promise<unknown>): Promise<unknown> {
  return write().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('foreign keys of the wrong type (blog models)', () => {
  it('are refused in pivot rows, relation writes, morph keys and query updates; nothing written', async () => {
    const user = await User.create({ name: 'Ada' });
    const post = await user.postsRelation().create({ title: 'p' });
    const tag = await Tag.create({ name: 't' });
    const before = await snapshotTables(session.db);
    const text = (key: number | undefined) => String(key) as unknown as number;
    const attempts: [string, () => Promise<unknown>][] = [
      ['pivot attach', () => post.tagsRelation().attach([text(tag.id)])],
      [
        'pivot via db.dexie',
        () => session.db.dexie.table('post_tag').add({ post_id: post.id, tag_id: text(tag.id) }),
      ],
      ['relation create', () => Post.create({ title: 'q', user_id: text(user.id) })],
      [
        'morph key',
        () =>
          Comment.create({ body: 'c', commentable_type: 'posts', commentable_id: text(post.id) }),
      ],
      ['query update', () => Post.query().update({ user_id: text(user.id) })],
    ];
    for (const [path, attempt] of attempts) {
      const error = await failureOf(attempt);
      expect(error, path).toBeInstanceOf(ValidationError);
    }
    expect(await snapshotTables(session.db)).toEqual(before);
    // A key of the right type still works on each path.
    await post.tagsRelation().attach([tag.id!]);
    expect(await post.tagsRelation().query().count()).toBe(1);
    expect(await User.query().withCount('posts').first()).toMatchObject({ posts_count: 1 });
  });

  it("leaves a morph type of another table alone: its key is that table's", async () => {
    const comment = await Comment.create({
      body: 'c',
      commentable_type: 'elsewhere',
      commentable_id: 7,
    });
    expect(comment.exists).toBe(true);
  });
});

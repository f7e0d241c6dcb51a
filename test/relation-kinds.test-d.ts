import { describe, expectTypeOf, it } from 'vitest';
import type { RelationName, WithPivot } from '../src/index.js';
import {
  Comment,
  Country,
  type Image,
  Post,
  type PostTagAttributes,
  type Tag,
  User,
  type Video,
} from './support/blog.js';

declare const post: Post;
declare const video: Video;

describe('relation kinds, typed', () => {
  it('names every kind’s relations and rejects others', () => {
    expectTypeOf<RelationName<Post>>().toEqualTypeOf<
      'author' | 'tags' | 'gracesTags' | 'stampedTags' | 'comments'
    >();
    expectTypeOf<RelationName<Video>>().toEqualTypeOf<'comments' | 'thumbnail'>();
    // @ts-expect-error: Post has no relation "nope"
    Post.query().with('nope');
    // @ts-expect-error: the nested level is checked too
    User.query().with('posts.nope');
  });

  it('types results: lists, pivots, morphs, through', async () => {
    expectTypeOf(post.tagsRelation().getResults()).toEqualTypeOf<
      Promise<WithPivot<Tag, PostTagAttributes>[]>
    >();
    const users = await User.query().with('posts.tags').get();
    expectTypeOf(users[0]!.posts).toEqualTypeOf<
      Array<Post & { tags: WithPivot<Tag, PostTagAttributes>[] }>
    >();
    expectTypeOf(users[0]!.posts[0]!.tags[0]!.pivot.added_by).toEqualTypeOf<string | undefined>();
    const comments = await Comment.query().with('commentable').get();
    expectTypeOf(comments[0]!.commentable).toEqualTypeOf<Post | Video | null>();
    const countries = await Country.query().with('posts', 'firstPost').get();
    expectTypeOf(countries[0]!.posts).toEqualTypeOf<Post[]>();
    expectTypeOf(countries[0]!.firstPost).toEqualTypeOf<Post | null>();
    expectTypeOf(video.thumbnailRelation().getResults()).toEqualTypeOf<Promise<Image | null>>();
  });

  it('types the writes', () => {
    // @ts-expect-error: Comment has no attribute "nope"
    post.commentsRelation().create({ nope: 1 });
    // @ts-expect-error: pivot attributes are typed
    post.tagsRelation().attach(1, { added_by: 3 });
    expectTypeOf(post.tagsRelation().sync([1])).resolves.toHaveProperty('attached');
  });
});

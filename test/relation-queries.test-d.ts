import { expectTypeOf, test } from 'vitest';
import { Post, type PostTagAttributes, type Tag, User } from './support/blog.js';

test('relation queries, constrained eager loads and aggregates are typed', async () => {
  const q1 = await Post.query()
    .with('author', { 'author.posts': (q) => q.limit(1) })
    .get();
  expectTypeOf(q1[0]!.author!.posts).toEqualTypeOf<Post[]>();
  const q3 = await Post.query()
    .with({ tags: (q) => q.where('name', 'x') })
    .get();
  expectTypeOf(q3[0]!.tags[0]!.pivot).toEqualTypeOf<PostTagAttributes>();
  expectTypeOf(q3[0]!.tags[0]!).toMatchTypeOf<Tag>();
  const q4 = await Post.query().with('author').get();
  expectTypeOf(q4[0]!.author).toEqualTypeOf<User | null>();
  const a = await User.with({ posts: (q) => q.where('likes', '>', 3) }).get();
  expectTypeOf(a[0]!.posts).toEqualTypeOf<Post[]>();
  const b = await User.with('posts').get();
  expectTypeOf(b[0]!.posts).toEqualTypeOf<Post[]>();
  const c = await User.withCount('posts', { posts: (q) => q.where('published', true) }).get();
  expectTypeOf(c[0]!.posts_count).toEqualTypeOf<number>();
  const d = await User.query()
    .withCount({ posts: (q) => q.where('published', true) })
    .withSum('posts', 'likes')
    .get();
  expectTypeOf(d[0]!.posts_count).toEqualTypeOf<number>();
  expectTypeOf(d[0]!.posts_sum_likes).toEqualTypeOf<number | null>();
  // @ts-expect-error not a field of Post
  User.query().withSum('posts', 'nope');
  // @ts-expect-error not an attribute
  User.whereHas('posts', (q) => q.where('nope', 1));
  // @ts-expect-error not a relation
  User.with({ nope: (q) => q });
  User.whereHas('posts', (q) => q.where('likes', '>', 3));
});
test('a constrained eager load types only what it loads', async () => {
  const q3 = await Post.query()
    .with({ tags: (q) => q.where('name', 'x') })
    .get();
  // @ts-expect-error author not loaded
  q3[0]!.author.name;
  const c = await User.withCount({ posts: (q) => q.where('published', true) }).get();
  expectTypeOf(c[0]!.posts_count).toEqualTypeOf<number>();
});

test('a one-of-many relation loads as one model or null', async () => {
  const users = await User.with('latestPost').get();
  expectTypeOf(users[0]!.latestPost).toEqualTypeOf<Post | null>();
  expectTypeOf(
    new User({ name: 'x' }).latestPostRelation().getResults(),
  ).resolves.toEqualTypeOf<Post | null>();
});

import { describe, expectTypeOf, it } from 'vitest';
import type { QueryBuilder } from '../src/index.js';
import { type Post, User } from './support/blog.js';

describe('relation query types', () => {
  it('checks whereRelation field names and values against the related model', () => {
    User.query().whereRelation('posts', 'likes', '>', 3);
    // @ts-expect-error posts have no 'name'
    User.query().whereRelation('posts', 'name', 'x');
    // @ts-expect-error likes are numbers
    User.query().whereRelation('posts', 'likes', 'many');
    // @ts-expect-error not a relation
    User.query().whereRelation('postz', 'likes', 1);
  });

  it('names aggregate results and types withWhereHas loads', () => {
    const summed = User.query().withAggregate('posts', 'likes', 'sum');
    expectTypeOf(summed).toEqualTypeOf<
      QueryBuilder<User, User & { posts_sum_likes: number | null }>
    >();
    const counted = User.query().withAggregate('posts', 'likes', 'count');
    expectTypeOf(counted).toEqualTypeOf<QueryBuilder<User, User & { posts_count_likes: number }>>();
    const loaded = User.query().withWhereHas('posts');
    expectTypeOf<Awaited<ReturnType<typeof loaded.first>>>().toMatchTypeOf<{
      posts: Post[];
    } | null>();
  });
});

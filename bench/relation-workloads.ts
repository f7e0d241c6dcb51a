import { Database } from '../src/index.js';
import { BLOG_MODELS, Post, type Tag, User } from '../test/support/blog.js';
import { type BenchEnvironment, type ResultRow, ratioRow, timePair } from './harness.js';

const PARENTS = 1_000;
const POSTS_PER_USER = 10;
const TAGS_PER_POST = 3;
const TAGS = 50;

interface Row {
  id?: number;
  [field: string]: unknown;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`bench sanity check failed: ${message}`);
}

/** Groups `rows` into lists by `field`, as hand-written eager loading does. */
function groupBy(rows: readonly Row[], field: string): Map<unknown, Row[]> {
  const groups = new Map<unknown, Row[]>();
  for (const row of rows) {
    const key = row[field];
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/**
 * 7. Eager loading of the relation kinds beyond HasOne, against hand-written Dexie code that
 * reads the same tables with the same indexes and groups the rows in memory.
 */
export async function relationWorkloads(env: BenchEnvironment): Promise<ResultRow[]> {
  env.log(`7. seeding ${PARENTS} users × ${POSTS_PER_USER} posts, posts × ${TAGS_PER_POST} tags`);
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const db = new Database(`dexorm-bench-relations-${suffix}`, { models: BLOG_MODELS });
  try {
    await db.open();
    const users = db.dexie.table<Row, number>('users');
    const posts = db.dexie.table<Row, number>('posts');
    const tags = db.dexie.table<Row, number>('tags');
    const pivot = db.dexie.table<Row, [number, number]>('post_tag');
    await users.bulkAdd(Array.from({ length: PARENTS }, (_, i) => ({ name: `u${i}` })));
    await posts.bulkAdd(
      Array.from({ length: PARENTS * POSTS_PER_USER }, (_, i) => ({
        title: `p${i}`,
        user_id: Math.floor(i / POSTS_PER_USER) + 1,
      })),
    );
    await tags.bulkAdd(Array.from({ length: TAGS }, (_, i) => ({ name: `t${i}` })));
    await pivot.bulkAdd(
      Array.from({ length: PARENTS * TAGS_PER_POST }, (_, i) => {
        const post = Math.floor(i / TAGS_PER_POST) + 1;
        return { post_id: post, tag_id: ((post * 7 + i) % TAGS) + 1 } as Row;
      }),
    );

    const usersWithPosts = () => User.query().with('posts').get();
    const handUsersWithPosts = async () => {
      const parents = await users.toArray();
      // One range read over the parents' keys and a filter: on fake-indexeddb, anyOf of 1,000
      // keys over 10,000 rows takes seconds.
      const ids = new Set(parents.map((row) => row.id!));
      const found = (
        await posts
          .where('user_id')
          .between(Math.min(...ids), Math.max(...ids), true, true)
          .toArray()
      ).filter((row) => ids.has(row.user_id as number));
      const byUser = groupBy(found, 'user_id');
      for (const parent of parents) parent.posts = byUser.get(parent.id) ?? [];
      return parents;
    };
    const postsWithTags = () => Post.query().limit(PARENTS).with('tags').get();
    const handPostsWithTags = async () => {
      const parents = await posts.limit(PARENTS).toArray();
      const ids = new Set(parents.map((row) => row.id!));
      const pairs = (
        await pivot
          .where('post_id')
          .between(Math.min(...ids), Math.max(...ids), true, true)
          .toArray()
      ).filter((pair) => ids.has(pair.post_id as number));
      const related = await tags.bulkGet([...new Set(pairs.map((pair) => pair.tag_id as number))]);
      const tagById = new Map(related.map((tag) => [tag!.id, tag]));
      const byPost = groupBy(pairs, 'post_id');
      for (const parent of parents) {
        parent.tags = (byPost.get(parent.id) ?? []).map((pair) => ({
          ...tagById.get(pair.tag_id as number),
          pivot: pair,
        }));
      }
      return parents;
    };

    const loaded = await usersWithPosts();
    const joined = await handUsersWithPosts();
    check(
      loaded.length === PARENTS &&
        loaded.every((user, i) => user.posts.length === (joined[i]!.posts as Row[]).length),
      'both loaders find 10 posts per user',
    );
    const tagged = await postsWithTags();
    const handTagged = await handPostsWithTags();
    const tagNames = (list: readonly { readonly name?: unknown }[]) =>
      list
        .map((tag) => String(tag.name))
        .sort()
        .join();
    check(
      tagged.every(
        (post, i) =>
          post.tags.length === TAGS_PER_POST &&
          tagNames(post.tags.map((tag: Tag) => tag.toJSON())) ===
            tagNames(handTagged[i]!.tags as { name?: unknown }[]),
      ),
      'both loaders find the same 3 tags per post',
    );

    const plan = {
      rounds: 4,
      time: 0,
      iterations: Math.max(3, Math.round(6 * env.scale)),
      warmupIterations: 2,
    };
    env.log(`7. with('posts') on ${PARENTS} users`);
    const hasMany = ratioRow(
      `7a. with('posts') on 1,000 users × 10 posts`,
      'ms',
      await timePair(usersWithPosts, handUsersWithPosts, plan),
      1.3,
    );
    env.log(`7. with('tags') on ${PARENTS} posts`);
    const belongsToMany = ratioRow(
      `7b. with('tags') on 1,000 posts × 3 tags`,
      'ms',
      await timePair(postsWithTags, handPostsWithTags, plan),
      1.3,
    );
    return [hasMany, belongsToMany];
  } finally {
    await db.delete().catch(() => undefined);
  }
}

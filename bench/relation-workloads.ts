import type { Table } from 'dexie';
import { Database } from '../src/index.js';
import { BLOG_MODELS, Comment, Country, Post, type Tag, User } from '../test/support/blog.js';
import {
  type BenchEnvironment,
  check,
  heapPerItem,
  type ResultRow,
  ratioRow,
  timePair,
} from './harness.js';

const PARENTS = 1_000;
const POSTS_PER_USER = 10;
const TAGS_PER_POST = 3;
const TAGS = 50;
const COMMENTS_PER_POST = 2;
const COUNTRIES = 10;

interface Row {
  id?: number;
  [field: string]: unknown;
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
 * The rows of `table` whose `field` is one of `keys`: one range read from the smallest key to the
 * largest and a filter, as the hand-written loaders do (on fake-indexeddb, anyOf of 1,000 keys
 * over 10,000 rows takes seconds).
 */
async function rowsWithAnyOf<K>(
  table: Table<Row, K>,
  field: string,
  keys: ReadonlySet<number>,
): Promise<Row[]> {
  const rows = await table
    .where(field)
    .between(Math.min(...keys), Math.max(...keys), true, true)
    .toArray();
  return rows.filter((row) => keys.has(row[field] as number));
}

/** The number of items in list `field` of a loaded parent (a model or a hand-joined row). */
function countOf(parent: object, field: string): number {
  return ((parent as Record<string, unknown>)[field] as unknown[]).length;
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
    const comments = db.dexie.table<Row, number>('comments');
    const countries = db.dexie.table<Row, number>('countries');
    await countries.bulkAdd(Array.from({ length: COUNTRIES }, (_, i) => ({ name: `c${i}` })));
    await users.bulkAdd(
      Array.from({ length: PARENTS }, (_, i) => ({
        name: `u${i}`,
        country_id: (i % COUNTRIES) + 1,
      })),
    );
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

    await comments.bulkAdd(
      Array.from({ length: PARENTS * COMMENTS_PER_POST }, (_, i) => ({
        body: `c${i}`,
        commentable_type: 'posts',
        commentable_id: Math.floor(i / COMMENTS_PER_POST) + 1,
      })),
    );

    const postsWithComments = () => Post.query().limit(PARENTS).with('comments').get();
    const handPostsWithComments = async () => {
      const parents = await posts.limit(PARENTS).toArray();
      const found = await comments
        .where('[commentable_type+commentable_id]')
        .anyOf(parents.map((row) => ['posts', row.id!]))
        .toArray();
      const byPost = groupBy(found, 'commentable_id');
      for (const parent of parents) parent.comments = byPost.get(parent.id) ?? [];
      return parents;
    };
    const countriesWithPosts = () => Country.query().with('posts').get();
    const handCountriesWithPosts = async () => {
      const parents = await countries.toArray();
      const ids = parents.map((row) => row.id!);
      // One range read and a filter, as for the posts below (anyOf hops slowly on fake-indexeddb).
      const wanted = new Set(ids);
      const members = await rowsWithAnyOf(users, 'country_id', wanted);
      const memberIds = new Set(members.map((row) => row.id!));
      const found = await rowsWithAnyOf(posts, 'user_id', memberIds);
      const countryOf = new Map(members.map((row) => [row.id, row.country_id]));
      const byCountry = new Map<unknown, Row[]>();
      for (const post of found) {
        const country = countryOf.get(post.user_id as number);
        const list = byCountry.get(country) ?? [];
        list.push(post);
        byCountry.set(country, list);
      }
      for (const parent of parents) parent.posts = byCountry.get(parent.id) ?? [];
      return parents;
    };

    const usersWithPosts = () => User.query().with('posts').get();
    const handUsersWithPosts = async () => {
      const parents = await users.toArray();
      // One range read over the parents' keys and a filter: on fake-indexeddb, anyOf of 1,000
      // keys over 10,000 rows takes seconds.
      const ids = new Set(parents.map((row) => row.id!));
      const found = await rowsWithAnyOf(posts, 'user_id', ids);
      const byUser = groupBy(found, 'user_id');
      for (const parent of parents) parent.posts = byUser.get(parent.id) ?? [];
      return parents;
    };
    const postsWithTags = () => Post.query().limit(PARENTS).with('tags').get();
    const handPostsWithTags = async () => {
      const parents = await posts.limit(PARENTS).toArray();
      const ids = new Set(parents.map((row) => row.id!));
      const pairs = await rowsWithAnyOf(pivot, 'post_id', ids);
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
    const commented = await postsWithComments();
    check(
      commented.every((post) => post.comments.length === COMMENTS_PER_POST),
      'every post has its 2 comments',
    );
    const reached = await countriesWithPosts();
    const handReached = await handCountriesWithPosts();
    check(
      reached.every(
        (country, i) => country.posts.length === (handReached[i]!.posts as Row[]).length,
      ),
      'both loaders find the same posts per country',
    );
    env.log(`7. with('comments') on ${PARENTS} posts (MorphMany)`);
    const morphMany = ratioRow(
      `7c. with('comments') on 1,000 posts × 2 (MorphMany)`,
      'ms',
      await timePair(postsWithComments, handPostsWithComments, plan),
      1.3,
    );
    env.log(`7. with('posts') on ${COUNTRIES} countries through their users (HasManyThrough)`);
    const through = ratioRow(
      `7d. with('posts') on 10 countries through 1,000 users (HasManyThrough)`,
      'ms',
      await timePair(countriesWithPosts, handCountriesWithPosts, plan),
      1.3,
    );
    const commentsWithOwners = () => Comment.query().with('commentable').get();
    const handCommentsWithOwners = async () => {
      const rows = await comments.toArray();
      // One read per owner table, as a MorphTo over several tables needs.
      const owners = new Map<string, Map<unknown, Row>>();
      for (const type of new Set(rows.map((row) => row.commentable_type as string))) {
        const ids = [
          ...new Set(
            rows.filter((row) => row.commentable_type === type).map((row) => row.commentable_id),
          ),
        ] as number[];
        const found = await db.dexie.table<Row, number>(type).bulkGet(ids);
        owners.set(type, new Map(found.map((row) => [row?.id, row!])));
      }
      for (const row of rows) {
        row.commentable =
          owners.get(row.commentable_type as string)?.get(row.commentable_id) ?? null;
      }
      return rows;
    };
    const owned = await commentsWithOwners();
    const handOwned = await handCommentsWithOwners();
    check(
      owned.length === handOwned.length &&
        owned.every(
          (comment, i) => comment.commentable?.id === (handOwned[i]!.commentable as Row).id,
        ),
      'both loaders find the same owner for every comment',
    );
    env.log(`7. with('commentable') on ${owned.length} comments (MorphTo)`);
    const morphTo = ratioRow(
      `7e. with('commentable') on 2,000 comments (MorphTo)`,
      'ms',
      await timePair(commentsWithOwners, handCommentsWithOwners, plan),
      1.3,
    );

    const countriesWithFirstPost = () => Country.query().with('firstPost').get();
    const handCountriesWithFirstPost = async () => {
      const parents = await handCountriesWithPosts();
      for (const parent of parents) {
        const list = parent.posts as Row[];
        parent.firstPost = list.reduce<Row | null>(
          (first, post) => (first === null || post.id! < first.id! ? post : first),
          null,
        );
        delete parent.posts;
      }
      return parents;
    };
    const firsts = await countriesWithFirstPost();
    const handFirsts = await handCountriesWithFirstPost();
    check(
      firsts.every((country, i) => country.firstPost?.id === (handFirsts[i]!.firstPost as Row).id),
      'both loaders find the same first post per country',
    );
    env.log(`7. with('firstPost') on ${COUNTRIES} countries (HasOneThrough)`);
    const oneThrough = ratioRow(
      `7f. with('firstPost') on 10 countries through 1,000 users (HasOneThrough)`,
      'ms',
      await timePair(countriesWithFirstPost, handCountriesWithFirstPost, plan),
      1.3,
    );
    env.log('7. memory per loaded model, by relation kind');
    const rounds = Math.max(2, Math.round(4 * env.scale));
    const heap = async (
      workload: string,
      load: () => Promise<readonly object[]>,
      handLoad: () => Promise<readonly object[]>,
      itemsOf: (parents: readonly object[]) => number,
    ) => ratioRow(workload, 'B', await heapPerItem(env, load, handLoad, itemsOf, rounds), 1.5);
    const memory = [
      await heap(
        `7g. heap per model, with('posts'): 1,000 users + 10,000 posts (HasMany)`,
        usersWithPosts,
        handUsersWithPosts,
        (parents) => parents.length + parents.reduce((n, user) => n + countOf(user, 'posts'), 0),
      ),
      await heap(
        `7h. heap per model, with('tags'): 1,000 posts + 3,000 tags (BelongsToMany)`,
        postsWithTags,
        handPostsWithTags,
        (parents) => parents.length + parents.reduce((n, post) => n + countOf(post, 'tags'), 0),
      ),
      await heap(
        `7i. heap per model, with('comments'): 1,000 posts + 2,000 comments (MorphMany)`,
        postsWithComments,
        handPostsWithComments,
        (parents) => parents.length + parents.reduce((n, post) => n + countOf(post, 'comments'), 0),
      ),
    ];
    return [hasMany, belongsToMany, morphMany, through, morphTo, oneThrough, ...memory];
  } finally {
    await db.delete().catch(() => undefined);
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database, type HasMany, Model } from '../src/index.js';
import { blogDatabase, Comment, Post, User } from './support/blog.js';
import { databaseSession } from './support/session.js';

/**
 * Property tests: relation queries equal a naive computation over every stored row, and a
 * cascade of deletes leaves no record pointing at a deleted one, for random data sets.
 */
const NUM_RUNS = 40;

/** Empties every table in one transaction over all of them, as delete rules need. */
function clearAll(db: Database): Promise<unknown> {
  const { dexie } = db;
  return dexie.transaction('rw', dexie.tables, () =>
    Promise.all(dexie.tables.map((table) => table.clear())),
  );
}

interface Data {
  readonly users: number;
  readonly posts: readonly { owner: number | null; likes: number; published: boolean }[];
  readonly comments: readonly number[];
}

const dataSets = fc.record({
  users: fc.integer({ min: 0, max: 5 }),
  posts: fc.array(
    fc.record({
      owner: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
      likes: fc.integer({ min: 0, max: 4 }),
      published: fc.boolean(),
    }),
    { maxLength: 12 },
  ),
  // Each comment on the post at this index (modulo the number of posts).
  comments: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 10 }),
});

const OPERATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
type Operator = (typeof OPERATORS)[number];

/** The reference meaning of each count operator, written apart from the library's. */
const HOLDS: Record<Operator, (count: number, expected: number) => boolean> = {
  '=': (count, expected) => count === expected,
  '!=': (count, expected) => count !== expected,
  '<': (count, expected) => count < expected,
  '<=': (count, expected) => count <= expected,
  '>': (count, expected) => count > expected,
  '>=': (count, expected) => count >= expected,
};

function compare(count: number, operator: Operator, expected: number): boolean {
  return HOLDS[operator](count, expected);
}

describe('relation queries equal a naive computation over all rows', () => {
  const session = databaseSession(() => blogDatabase());

  async function store(data: Data) {
    await clearAll(session.db);
    const users = await User.createMany(
      Array.from({ length: data.users }, (_, i) => ({ name: `u${i}` })),
    );
    const posts = await Post.createMany(
      data.posts.map((post, i) => ({
        title: `p${i}`,
        // An owner index past the users points at no one: a dangling foreign key.
        user_id: post.owner === null ? null : (users[post.owner]?.id ?? 1000 + post.owner),
        likes: post.likes,
        published: post.published,
      })),
    );
    const comments = posts.length === 0 ? [] : data.comments.map((i) => posts[i % posts.length]!);
    await Comment.createMany(
      comments.map((post, i) => ({
        body: `c${i}`,
        commentable_type: 'posts',
        commentable_id: post.id,
      })),
    );
    const rows = {
      users: await session.db.dexie.table('users').toArray(),
      posts: await session.db.dexie.table('posts').toArray(),
      comments: await session.db.dexie.table('comments').toArray(),
    };
    const postsOf = (user: { id: number }) => rows.posts.filter((p) => p.user_id === user.id);
    const commentsOf = (post: { id: number }) =>
      rows.comments.filter((c) => c.commentable_type === 'posts' && c.commentable_id === post.id);
    return { rows, postsOf, commentsOf };
  }

  const ids = (models: readonly { id?: number }[]) => models.map((model) => model.id);

  it('has, whereHas, doesntHave and nested paths', async () => {
    await fc.assert(
      fc.asyncProperty(
        dataSets,
        fc.constantFrom(...OPERATORS),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 4 }),
        async (data, operator, count, likes) => {
          const { rows, postsOf, commentsOf } = await store(data);
          const expected = (keep: (user: { id: number }) => boolean) =>
            rows.users.filter(keep).map((user) => user.id);
          expect(ids(await User.has('posts', operator, count).get())).toEqual(
            expected((user) => compare(postsOf(user).length, operator, count)),
          );
          expect(ids(await User.doesntHave('posts').get())).toEqual(
            expected((user) => postsOf(user).length === 0),
          );
          const liked = (post: { likes: number }) => post.likes > likes;
          expect(
            ids(
              await User.whereHas(
                'posts',
                (q) => q.where('likes', '>', likes),
                operator,
                count,
              ).get(),
            ),
          ).toEqual(
            expected((user) => compare(postsOf(user).filter(liked).length, operator, count)),
          );
          // `< 1` is doesntHave, which negates the whole path; otherwise the last level counts.
          const negated = operator === '<' && count === 1;
          expect(ids(await User.has('posts.comments', operator, count).get())).toEqual(
            expected((user) =>
              negated
                ? !postsOf(user).some((post) => commentsOf(post).length > 0)
                : postsOf(user).some((post) => compare(commentsOf(post).length, operator, count)),
            ),
          );
          expect(ids(await User.doesntHave('posts.comments').get())).toEqual(
            expected((user) => !postsOf(user).some((post) => commentsOf(post).length > 0)),
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('withCount, constrained withCount, withSum and withMax', async () => {
    await fc.assert(
      fc.asyncProperty(dataSets, async (data) => {
        const { rows, postsOf } = await store(data);
        const users = await User.query()
          .withCount('posts')
          .withExists('posts')
          .withSum('posts', 'likes')
          .withMax('posts', 'likes')
          .get();
        const published = await User.withCount({ posts: (q) => q.where('published', true) }).get();
        const sum = (values: number[]) =>
          values.length === 0 ? null : values.reduce((a, b) => a + b);
        expect(
          users.map((u) => [u.posts_count, u.posts_exists, u.posts_sum_likes, u.posts_max_likes]),
        ).toEqual(
          rows.users.map((user) => {
            const likes = postsOf(user).map((post) => post.likes as number);
            return [
              likes.length,
              likes.length > 0,
              sum(likes),
              likes.length ? Math.max(...likes) : null,
            ];
          }),
        );
        expect(published.map((user) => user.posts_count)).toEqual(
          rows.users.map((user) => postsOf(user).filter((post) => post.published).length),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

class Folder extends Model<{ id?: number; parent_id?: number | null }> {
  static override table = 'folders';
  childrenRelation(): HasMany<Folder, Folder> {
    return this.hasMany(Folder, 'parent_id').onDelete('cascade');
  }
  filesRelation(): HasMany<Folder, File> {
    return this.hasMany(File, 'folder_id').onDelete('setNull');
  }
}
class File extends Model<{ id?: number; folder_id?: number | null }> {
  static override table = 'files';
}

describe('a cascade leaves no record pointing at a deleted one', () => {
  let made = 0;
  const session = databaseSession(
    () => new Database(`dexorm-cascade-property-${++made}`, { models: [Folder, File] }),
  );

  it('for random folder graphs (cycles included) and files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.nat(9), { nil: null }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.option(fc.nat(9), { nil: null }), { maxLength: 10 }),
        fc.nat(9),
        async (parents, files, victim) => {
          await clearAll(session.db);
          const folders = await Folder.createMany(parents.map(() => ({})));
          const idOf = (index: number | null) =>
            index === null ? null : (folders[index % folders.length]!.id ?? null);
          // Parents point anywhere, cycles and self-references included.
          await session.db.dexie
            .table('folders')
            .bulkPut(folders.map((folder, i) => ({ id: folder.id, parent_id: idOf(parents[i]!) })));
          await File.createMany(files.map((folder) => ({ folder_id: idOf(folder) })));
          const before = await session.db.dexie.table('folders').toArray();
          const target = folders[victim % folders.length]!;

          // The naive closure: the target and every folder whose parent chain reaches it.
          const gone = new Set<number>([target.id!]);
          for (let grew = true; grew; ) {
            grew = false;
            for (const row of before) {
              if (!gone.has(row.id) && row.parent_id != null && gone.has(row.parent_id)) {
                gone.add(row.id);
                grew = true;
              }
            }
          }

          await (await Folder.findOrFail(target.id!)).delete();
          const left = await session.db.dexie.table('folders').toArray();
          const leftFiles = await session.db.dexie.table('files').toArray();
          const present = new Set(left.map((row) => row.id));
          expect(left.map((row) => row.id).sort((a, b) => a - b)).toEqual(
            before
              .map((row) => row.id)
              .filter((id) => !gone.has(id))
              .sort((a, b) => a - b),
          );
          for (const row of left) {
            if (row.parent_id != null) expect(present.has(row.parent_id)).toBe(true);
          }
          for (const row of leftFiles) {
            if (row.folder_id != null) expect(present.has(row.folder_id)).toBe(true);
          }
          expect(leftFiles.length).toBe(files.length);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

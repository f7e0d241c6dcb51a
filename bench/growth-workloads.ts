import type { Table } from 'dexie';
import { Database, type HasMany, Model } from '../src/index.js';
import { installReadCounter, type ReadCounter } from '../test/support/read-counter.js';
import {
  type BenchEnvironment,
  check,
  median,
  type PairPlan,
  type ResultRow,
  ratioRow,
  recordsRow,
  sizes,
  timePair,
} from './harness.js';

interface Row {
  id?: number;
  [field: string]: unknown;
}

/** Users with an index on their name, and their posts: the growth section's own tables. */
class User extends Model<{ id?: number; name: string }> {
  static override table = 'users';
  static override indexes = ['name'];
  postsRelation(): HasMany<User, Post> {
    return this.hasMany(Post, 'user_id');
  }
}
class Post extends Model<{ id?: number; user_id: number; title: string }> {
  static override table = 'posts';
}

/** One read of the growth section, written both ways over the same tables. */
interface GrowthRead {
  readonly id: string;
  readonly title: string;
  readonly dexorm: (fixture: Fixture) => Promise<number>;
  readonly dexie: (fixture: Fixture) => Promise<number>;
}

interface Fixture {
  readonly users: Table<Row, number>;
  readonly posts: Table<Row, number>;
  readonly size: number;
  /** The first user key of the ranges read: the middle of the table. */
  readonly from: number;
  /** The cursor of page 199 of 50 users by name, and the last user of that page. */
  readonly cursor: string;
  readonly lastOfPage: Row;
}

/** Posts of user `i`: 0 to 4, 2 on average. */
const postsOf = (i: number) => i % 5;
/** A name that does not follow the key order, so that an order by name reads another index. */
const nameOf = (i: number) => `user ${String((i * 7_919) % 1_000_003).padStart(7, '0')} ${i}`;

/** Hand-written: the users of keys `from` to `from + count - 1`, and their posts or post keys. */
function usersWithPosts(
  fixture: Fixture,
  count: number,
  keysOnly: true,
): Promise<[Row[], number[]]>;
function usersWithPosts(fixture: Fixture, count: number, keysOnly: false): Promise<[Row[], Row[]]>;
function usersWithPosts(
  { users, posts, from }: Fixture,
  count: number,
  keysOnly: boolean,
): Promise<[Row[], Row[] | number[]]> {
  const last = from + count - 1;
  const related = posts.where('user_id').between(from, last, true, true);
  return Promise.all([
    users.where('id').between(from, last, true, true).toArray(),
    keysOnly ? (related.keys() as Promise<number[]>) : related.toArray(),
  ]);
}

const READS: readonly GrowthRead[] = [
  {
    id: '11a',
    title: "orderBy('name').first()",
    dexorm: async () => ((await User.query().orderBy('name').first()) ? 1 : 0),
    dexie: async ({ users }) => ((await users.orderBy('name').first()) ? 1 : 0),
  },
  {
    id: '11b',
    title: "100 users of an id range, with('posts')",
    dexorm: async ({ from }) => {
      const found = await User.where('id', '>=', from)
        .where('id', '<=', from + 99)
        .with('posts')
        .get();
      return found.reduce((sum, user) => sum + 1 + user.posts.length, 0);
    },
    dexie: async (fixture) => {
      const [parents, children] = await usersWithPosts(fixture, 100, false);
      const byUser = new Map<unknown, Row[]>();
      for (const post of children) {
        const list = byUser.get(post.user_id);
        if (list) list.push(post);
        else byUser.set(post.user_id, [post]);
      }
      return parents.reduce((sum, user) => sum + 1 + (byUser.get(user.id)?.length ?? 0), 0);
    },
  },
  {
    id: '11c',
    title: "has('posts') over 1,000 users of an id range",
    dexorm: async ({ from }) =>
      (
        await User.query()
          .whereBetween('id', [from, from + 999])
          .has('posts')
          .get()
      ).length,
    dexie: async (fixture) => {
      const [parents, keys] = await usersWithPosts(fixture, 1_000, true);
      const having = new Set(keys);
      return parents.filter((user) => having.has(user.id as number)).length;
    },
  },
  {
    id: '11d',
    title: "withCount('posts') over 100 users of an id range",
    dexorm: async ({ from }) => {
      const found = await User.query()
        .whereBetween('id', [from, from + 99])
        .withCount('posts')
        .get();
      return found.reduce((sum, user) => sum + 1 + user.posts_count, 0);
    },
    dexie: async (fixture) => {
      const [parents, keys] = await usersWithPosts(fixture, 100, true);
      const counts = new Map<unknown, number>();
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      return parents.reduce((sum, user) => sum + 1 + (counts.get(user.id) ?? 0), 0);
    },
  },
  {
    id: '11e',
    title: 'keyset page 200 of 50 users by name',
    dexorm: async ({ cursor }) =>
      (await User.query().orderBy('name').cursorPaginate(50, cursor)).data.length,
    dexie: async ({ users, lastOfPage }) => {
      // The same keyset by hand: from the last name on, past the ties up to the last key.
      const name = lastOfPage.name as string;
      const id = lastOfPage.id as number;
      const page = await users
        .where('name')
        .aboveOrEqual(name)
        .filter((user) => user.name !== name || (user.id as number) > id)
        .limit(51)
        .toArray();
      return Math.min(page.length, 50);
    },
  },
];

/**
 * 11. Growth: the reads that scale with the table where a planner reads whole tables, over 10,000
 * and 100,000 users (2 posts each on average), against hand-written Dexie; per read, the time and
 * the records read per call at each size, and how much the time grows from the smallest to the
 * largest size (≤ 1.5: the cost follows the result, not the table).
 */
export async function growthWorkloads(
  env: BenchEnvironment,
  notes: string[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const times = new Map<string, number[]>();
  /** Hand-written Dexie's times: how much of the growth the storage itself shows. */
  const baselineTimes = new Map<string, number[]>();
  const plan: PairPlan = {
    rounds: 2,
    time: 150 * env.scale,
    iterations: Math.max(3, Math.round(8 * env.scale)),
    warmupIterations: 2,
  };
  for (const size of sizes()) {
    const { db, counter, fixture } = await fill(env, size);
    try {
      for (const read of READS) {
        env.log(`11. ${read.title}, ${size} users`);
        const ours = await read.dexorm(fixture);
        const theirs = await read.dexie(fixture);
        check(ours === theirs, `${read.id} finds the same on both sides (${ours} and ${theirs})`);
        counter.reset();
        await read.dexorm(fixture);
        const ourRecords = counter.records();
        counter.reset();
        await read.dexie(fixture);
        const theirRecords = counter.records();
        const samples = await timePair(
          () => read.dexorm(fixture),
          () => read.dexie(fixture),
          plan,
        );
        const label = `${read.id}. ${read.title} (${size.toLocaleString('en-US')} users)`;
        rows.push(ratioRow(label, 'ms', samples, 1.3));
        rows.push(
          recordsRow(
            `${read.id}. records read per call (${size.toLocaleString('en-US')})`,
            ourRecords,
            theirRecords,
          ),
        );
        times.set(read.id, [...(times.get(read.id) ?? []), median(samples.dexorm)]);
        baselineTimes.set(read.id, [
          ...(baselineTimes.get(read.id) ?? []),
          median(samples.baseline),
        ]);
      }
    } finally {
      await db.delete().catch(() => undefined);
    }
  }
  const [smallest, largest] = [sizes()[0]!, sizes().at(-1)!];
  for (const read of READS) {
    const measured = times.get(read.id)!;
    const growth = measured.at(-1)! / measured[0]!;
    rows.push({
      workload: `${read.id}. growth of dexorm's time, ${smallest.toLocaleString('en-US')} → ${largest.toLocaleString('en-US')} users`,
      unit: 'ms',
      dexorm: measured.at(-1)!,
      baseline: measured[0]!,
      baselineName: `dexorm at ${smallest.toLocaleString('en-US')}`,
      ratio: growth,
      target: '≤ 1.50',
      pass: growth <= 1.5,
      samples: `${measured.length} sizes`,
    });
    const theirs = baselineTimes.get(read.id)!;
    notes.push(
      `${read.id}: hand-written Dexie's time grows ${(theirs.at(-1)! / theirs[0]!).toFixed(2)}× ` +
        `over the same sizes (${theirs.map((ms) => ms.toFixed(3)).join(' → ')} ms)`,
    );
  }
  notes.push(`11. growth: ${sizes().join(', ')} users, 0 to 4 posts each (2 on average)`);
  return rows;
}

async function fill(
  env: BenchEnvironment,
  size: number,
): Promise<{ db: Database; counter: ReadCounter; fixture: Fixture }> {
  env.log(`11. filling ${size} users and their posts`);
  const db = new Database(`dexorm-bench-growth-${size}-${Date.now()}`, { models: [User, Post] });
  const counter = installReadCounter(db.dexie);
  await db.open();
  const users = db.dexie.table<Row, number>('users');
  const posts = db.dexie.table<Row, number>('posts');
  const batch = 10_000;
  for (let start = 0; start < size; start += batch) {
    const end = Math.min(size, start + batch);
    const userRows: Row[] = [];
    const postRows: Row[] = [];
    for (let i = start; i < end; i++) {
      userRows.push({ id: i + 1, name: nameOf(i + 1) });
      for (let p = 0; p < postsOf(i + 1); p++)
        postRows.push({ user_id: i + 1, title: `post ${p}` });
    }
    await db.dexie.transaction('rw', users, posts, async () => {
      await users.bulkAdd(userRows);
      await posts.bulkAdd(postRows);
    });
  }
  check((await users.count()) === size, `${size} users stored`);
  const from = Math.floor(size / 2);
  let page = await User.query().orderBy('name').cursorPaginate(50);
  for (let i = 2; i < 200; i++)
    page = await User.query().orderBy('name').cursorPaginate(50, page.nextCursor);
  const lastOfPage = page.data.at(-1)!.toJSON() as unknown as Row;
  return {
    db,
    counter,
    fixture: { users, posts, size, from, cursor: page.nextCursor!, lastOfPage },
  };
}

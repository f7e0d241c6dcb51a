import { Dexie } from 'dexie';
import { Database, type HasMany, Model } from '../src/index.js';
import { BLOG_MODELS, User } from '../test/support/blog.js';
import {
  type BenchEnvironment,
  check,
  type PairPlan,
  type ResultRow,
  ratioRow,
  timePair,
} from './harness.js';

/**
 * Users for 8a and 8b: 10,000 in a browser; 1,000 on fake-indexeddb, whose key cursors re-seek
 * at every step (reading 15,000 index keys took 58 s there, against milliseconds in Chromium).
 */
const usersFor = (env: BenchEnvironment) => (env.name.startsWith('Node') ? 1_000 : 10_000);
const POSTS_PER_AUTHOR = 3;
/** Records per cascading delete: 1 account, 37 projects, 962 tasks. */
const PROJECTS = 37;
const TASKS = 962;

interface Row {
  id?: number;
  [field: string]: unknown;
}

class Account extends Model<{ id?: number; name: string }> {
  static override table = 'accounts';
  projectsRelation(): HasMany<Account, Project> {
    return this.hasMany(Project, 'account_id').onDelete('cascade');
  }
}
class Project extends Model<{ id?: number; account_id: number }> {
  static override table = 'projects';
  tasksRelation(): HasMany<Project, Task> {
    return this.hasMany(Task, 'project_id').onDelete('cascade');
  }
}
class Task extends Model<{ id?: number; project_id: number }> {
  static override table = 'tasks';
}

/**
 * 8. Relation queries and delete rules: `whereHas` and `withCount` over 10,000 users (1,000 in
 * Node), and a
 * cascading delete of 1,000 records, each against hand-written Dexie code doing the same work.
 */
export async function relationQueryWorkloads(env: BenchEnvironment): Promise<ResultRow[]> {
  // Each sample reads 10,000 users and 15,000 posts' index keys: a few samples suffice, and on
  // fake-indexeddb, whose key cursors step one task at a time, a sample takes seconds.
  const plan: PairPlan = {
    rounds: 2,
    time: 0,
    iterations: Math.max(2, Math.round(3 * env.scale)),
    warmupIterations: 1,
  };
  return [...(await relationFilters(env, plan)), await cascadingDelete(env, plan)];
}

async function relationFilters(env: BenchEnvironment, plan: PairPlan): Promise<ResultRow[]> {
  const USERS = usersFor(env);
  const label = USERS.toLocaleString('en-US');
  env.log(`8. seeding ${USERS} users, every other one with ${POSTS_PER_AUTHOR} posts`);
  const db = new Database(`dexorm-bench-relation-queries-${suffix()}`, { models: BLOG_MODELS });
  try {
    await db.open();
    const users = db.dexie.table<Row, number>('users');
    const posts = db.dexie.table<Row, number>('posts');
    await users.bulkAdd(Array.from({ length: USERS }, (_, i) => ({ name: `u${i}` })));
    await posts.bulkAdd(
      Array.from({ length: (USERS / 2) * POSTS_PER_AUTHOR }, (_, i) => {
        const author = 2 * Math.floor(i / POSTS_PER_AUTHOR) + 1;
        // The first post of every fourth author is published.
        const published = i % POSTS_PER_AUTHOR === 0 && author % 4 === 1;
        return { title: `p${i}`, user_id: author, published, likes: i % 7 };
      }),
    );

    const whereHas = () => User.whereHas('posts', (query) => query.where('published', true)).get();
    const handWhereHas = async () => {
      const parents = await users.toArray();
      const ids = parents.map((row) => row.id!);
      const published = new Set(
        (await posts.where('user_id').between(ids[0]!, ids.at(-1)!, true, true).toArray())
          .filter((row) => row.published === true)
          .map((row) => row.user_id),
      );
      return parents.filter((row) => published.has(row.id));
    };
    const withCount = () => User.withCount('posts').get();
    const handWithCount = async () => {
      const parents = await users.toArray();
      const ids = parents.map((row) => row.id!);
      const counts = new Map<unknown, number>();
      for (const key of await posts
        .where('user_id')
        .between(ids[0]!, ids.at(-1)!, true, true)
        .keys()) {
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const parent of parents) parent.posts_count = counts.get(parent.id) ?? 0;
      return parents;
    };

    const filtered = await whereHas();
    const handFiltered = await handWhereHas();
    check(
      filtered.length === USERS / 4 && filtered.every((user, i) => user.id === handFiltered[i]!.id),
      'both find the same users with a published post',
    );
    const counted = await withCount();
    const handCounted = await handWithCount();
    check(
      counted.every((user, i) => user.posts_count === handCounted[i]!.posts_count),
      'both count the same posts per user',
    );

    env.log(`8. whereHas('posts', published) on ${USERS} users`);
    const filterRow = ratioRow(
      `8a. whereHas('posts', published) on ${label} users`,
      'ms',
      await timePair(whereHas, handWhereHas, plan),
      1.3,
    );
    env.log(`8. withCount('posts') on ${USERS} users`);
    const countRow = ratioRow(
      `8b. withCount('posts') on ${label} users`,
      'ms',
      await timePair(withCount, handWithCount, plan),
      1.3,
    );
    return [filterRow, countRow];
  } finally {
    await db.delete().catch(() => undefined);
  }
}

async function cascadingDelete(env: BenchEnvironment, plan: PairPlan): Promise<ResultRow> {
  const trees = plan.rounds * (plan.iterations + plan.warmupIterations) + 2;
  env.log(`8. seeding ${trees} accounts × ${PROJECTS} projects × ${TASKS / PROJECTS} tasks, twice`);
  const name = suffix();
  const db = new Database(`dexorm-bench-cascade-${name}`, { models: [Account, Project, Task] });
  // The baseline runs on a plain Dexie database of the same schema, without dexorm's write path.
  const plain = new Dexie(`dexorm-bench-cascade-plain-${name}`);
  plain.version(1).stores(db.schema);
  try {
    await db.open();
    for (const dexie of [db.dexie, plain]) await seedTrees(dexie, trees);
    let nextAccount = 1;
    let nextPlain = 1;
    const cascade = () => Account.findOrFail(nextAccount++).then((account) => account.delete());
    const handCascade = () =>
      plain.transaction('rw', ['accounts', 'projects', 'tasks'], async () => {
        const account = nextPlain++;
        const projectKeys = await plain
          .table('projects')
          .where('account_id')
          .equals(account)
          .primaryKeys();
        // One equality read per project, all issued at once (anyOf hops slowly on fake-indexeddb).
        const taskKeys = (
          await Promise.all(
            projectKeys.map((project) =>
              plain.table('tasks').where('project_id').equals(project).primaryKeys(),
            ),
          )
        ).flat();
        await plain.table('tasks').bulkDelete(taskKeys);
        await plain.table('projects').bulkDelete(projectKeys);
        await plain.table('accounts').delete(account);
      });

    await cascade();
    await handCascade();
    const remaining = async (dexie: Dexie) =>
      [await dexie.table('accounts').count(), await dexie.table('tasks').count()].join();
    check(
      (await remaining(db.dexie)) === (await remaining(plain)) &&
        (await db.dexie.table('tasks').where('project_id').belowOrEqual(PROJECTS).count()) === 0,
      'both delete one account with its projects and tasks',
    );
    env.log('8. cascading delete of 1,000 records');
    return ratioRow(
      '8c. cascading delete of 1,000 records (1 + 37 + 962)',
      'ms',
      await timePair(cascade, handCascade, plan),
      1.5,
    );
  } finally {
    await db.delete().catch(() => undefined);
    await plain.delete().catch(() => undefined);
  }
}

/** `count` accounts, each with PROJECTS projects sharing TASKS tasks. */
async function seedTrees(dexie: Dexie, count: number): Promise<void> {
  await dexie
    .table('accounts')
    .bulkAdd(Array.from({ length: count }, (_, i) => ({ name: `a${i}` })));
  await dexie.table('projects').bulkAdd(
    Array.from({ length: count * PROJECTS }, (_, i) => ({
      account_id: Math.floor(i / PROJECTS) + 1,
    })),
  );
  await dexie.table('tasks').bulkAdd(
    Array.from({ length: count * TASKS }, (_, i) => {
      const account = Math.floor(i / TASKS);
      return { project_id: account * PROJECTS + ((i % TASKS) % PROJECTS) + 1 };
    }),
  );
}

function suffix(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

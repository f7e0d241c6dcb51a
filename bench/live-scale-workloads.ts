import { type DBCore, Dexie, liveQuery, type Middleware } from 'dexie';
import type { Subscription } from 'rxjs';
import { Database } from '../src/index.js';
import { BLOG_MODELS, Post, User } from '../test/support/blog.js';
import {
  type BenchEnvironment,
  check,
  median,
  type ResultRow,
  ratioRow,
  settled,
  sleep,
} from './harness.js';

const OBSERVERS = 100;
const BULK = 1_000;
/** Bulk writes per side for rows 9a/9b, alternating which side writes first. */
const BULK_ROUNDS = 6;

interface Row {
  id?: number;
  [field: string]: unknown;
}

/** Counts the reads of `table` made in readonly transactions: the re-runs of live queries. */
function rerunCounter(table: string): { middleware: Middleware<DBCore>; count: () => number } {
  let reads = 0;
  const middleware: Middleware<DBCore> = {
    stack: 'dbcore',
    name: 'bench-rerun-counter',
    level: 50,
    create: (down) => ({
      ...down,
      table: (name) => {
        const inner = down.table(name);
        if (name !== table) return inner;
        return {
          ...inner,
          query: (request) => {
            const { mode } = request.trans as { mode?: string };
            if (mode === 'readonly') reads++;
            return inner.query(request);
          },
        };
      },
    }),
  };
  return { middleware, count: () => reads };
}

/** The {@link BULK} posts of `user` that one bulk write of rows 9a/9b inserts. */
function bulkOfPosts(label: string, user: number): { title: string; user_id: number }[] {
  return Array.from({ length: BULK }, (_, i) => ({ title: `${label}.${i}`, user_id: user }));
}

async function waitUntil(test: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`bench timed out waiting for ${what}`);
    await sleep(2);
  }
}

/**
 * 9. Live queries at scale: how many of 100 live `user.posts$` of other users re-run while one
 * `Post.createMany(1,000)` runs (against bare Dexie liveQuery under one bulkAdd), and the cost of
 * one write under 100 identical `query().observe()` subscribers against one subscriber.
 */
export async function liveScaleWorkloads(env: BenchEnvironment): Promise<ResultRow[]> {
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const counter = rerunCounter('posts');
  const db = new Database(`dexorm-bench-live-scale-${suffix}`, { models: BLOG_MODELS });
  db.dexie.use(counter.middleware);
  // The baseline runs on a plain Dexie database of the same schema, without dexorm's write path.
  const plainCounter = rerunCounter('posts');
  const plain = new Dexie(`dexorm-bench-live-scale-plain-${suffix}`);
  plain.use(plainCounter.middleware);
  plain.version(1).stores(db.schema);
  try {
    await db.open();
    const plainPosts = plain.table<Row, number>('posts');
    await plainPosts.bulkAdd(
      Array.from({ length: OBSERVERS }, (_, i) => ({ title: `first of ${i + 1}`, user_id: i + 1 })),
    );
    const users = db.dexie.table<Row, number>('users');
    const posts = db.dexie.table<Row, number>('posts');
    await users.bulkAdd(Array.from({ length: OBSERVERS + 2 }, (_, i) => ({ name: `u${i}` })));
    await posts.bulkAdd(
      Array.from({ length: OBSERVERS }, (_, i) => ({ title: `first of ${i + 1}`, user_id: i + 1 })),
    );
    const writer = OBSERVERS + 1;
    const rows: ResultRow[] = [];

    env.log(
      `9. ${OBSERVERS} live user.posts$ of other users under Post.createMany(${BULK}), ` +
        `${BULK_ROUNDS} rounds a side`,
    );
    const observed = await User.findMany(Array.from({ length: OBSERVERS }, (_, i) => i + 1));
    let firsts = 0;
    const ours: Subscription[] = observed.map((user) =>
      user.posts$.subscribe(() => {
        firsts++;
      }),
    );
    const theirs = observed.map((user) =>
      liveQuery(() => plainPosts.where('user_id').equals(user.id!).toArray()).subscribe(() => {
        firsts++;
      }),
    );
    await waitUntil(() => firsts === 2 * OBSERVERS, 'the first values of both sides’ observers');
    // Each side writes in turn (the order alternating per round) and its observers settle before
    // the other side writes, so the re-runs one write provokes are neither timed nor counted on
    // the other side.
    const sides = {
      dexorm: {
        counter,
        write: (round: number) => Post.createMany(bulkOfPosts(`bulk ${round}`, writer)),
        times: [] as number[],
        reruns: 0,
      },
      baseline: {
        counter: plainCounter,
        write: (round: number) =>
          plain.transaction('rw', plainPosts, () =>
            plainPosts.bulkAdd(bulkOfPosts(`bare ${round}`, writer)),
          ),
        times: [] as number[],
        reruns: 0,
      },
    };
    for (let round = 0; round < BULK_ROUNDS; round++) {
      const order =
        round % 2 === 0 ? [sides.dexorm, sides.baseline] : [sides.baseline, sides.dexorm];
      for (const side of order) {
        const before = await settled(side.counter.count);
        const started = performance.now();
        await side.write(round);
        side.times.push(performance.now() - started);
        side.reruns += (await settled(side.counter.count)) - before;
      }
    }
    for (const subscription of [...ours, ...theirs]) subscription.unsubscribe();
    check(
      sides.baseline.reruns >= OBSERVERS * BULK_ROUNDS,
      'bare liveQuery re-runs every observer for each bulk insert',
    );
    check(
      (await Post.where('user_id', writer).count()) === BULK * BULK_ROUNDS,
      'every createMany stored its posts',
    );

    rows.push({
      workload: `9a. re-runs of ${OBSERVERS} unrelated live queries, createMany(${BULK})`,
      unit: 'count',
      dexorm: sides.dexorm.reruns / BULK_ROUNDS,
      baseline: sides.baseline.reruns / BULK_ROUNDS,
      baselineName: 'bare liveQuery',
      ratio: Number.NaN,
      target: '0 (dexorm)',
      pass: sides.dexorm.reruns === 0,
      samples: `${OBSERVERS} obs. × ${BULK_ROUNDS}`,
    });
    rows.push(
      ratioRow(
        `9b. createMany(${BULK}) under ${OBSERVERS} unrelated observers`,
        'ms',
        { dexorm: sides.dexorm.times, baseline: sides.baseline.times },
        1.3,
        'Dexie bulkAdd',
      ),
    );

    env.log(`9. one write under ${OBSERVERS} identical query().observe() subscribers, and under 1`);
    const latency = async (subscribers: number, rounds: number): Promise<number[]> => {
      const query = () => Post.where('user_id', writer + 2).observe();
      let seen = 0;
      let expected = await Post.where('user_id', writer + 2).count();
      const subscriptions = Array.from({ length: subscribers }, () =>
        query().subscribe((list) => {
          if (list.length === expected) seen++;
        }),
      );
      const samples: number[] = [];
      try {
        await waitUntil(() => seen === subscribers, 'the first values of the identical observers');
        for (let round = 0; round < rounds; round++) {
          seen = 0;
          expected += 1;
          const at = performance.now();
          await Post.create({ title: `shared ${round}`, user_id: writer + 2 });
          await waitUntil(() => seen === subscribers, 'every identical observer to emit');
          samples.push(performance.now() - at);
        }
      } finally {
        for (const subscription of subscriptions) subscription.unsubscribe();
      }
      return samples;
    };
    const rounds = Math.max(10, Math.round(30 * env.scale));
    const one: number[] = [];
    const many: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      one.push(...(await latency(1, rounds)));
      many.push(...(await latency(OBSERVERS, rounds)));
    }
    const ratio = median(many) / median(one);
    rows.push({
      workload: `9c. write → emission, ${OBSERVERS} identical observers vs 1`,
      unit: 'ms',
      dexorm: median(many),
      baseline: median(one),
      baselineName: '1 observer',
      ratio,
      target: '≤ 1.50',
      pass: ratio <= 1.5,
      samples: `n=${many.length}/${one.length}`,
    });
    return rows;
  } finally {
    await db.delete().catch(() => undefined);
    await plain.delete().catch(() => undefined);
  }
}

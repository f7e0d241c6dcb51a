import { type DBCore, Dexie, liveQuery, type Middleware } from 'dexie';
import type { Subscription } from 'rxjs';
import { Database } from '../src/index.js';
import { BLOG_MODELS, Post, User } from '../test/support/blog.js';
import { type BenchEnvironment, check, median, type ResultRow, settled, sleep } from './harness.js';

const OBSERVERS = 100;
const BULK = 1_000;

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

    env.log(`9. ${OBSERVERS} live user.posts$ of other users under Post.createMany(${BULK})`);
    const observed = await User.findMany(Array.from({ length: OBSERVERS }, (_, i) => i + 1));
    let firsts = 0;
    const ours: Subscription[] = observed.map((user) =>
      user.posts$.subscribe(() => {
        firsts++;
      }),
    );
    await waitUntil(() => firsts === OBSERVERS, 'the first values of the dexorm observers');
    await settled(counter.count);
    const beforeOurs = counter.count();
    const started = performance.now();
    await Post.createMany(
      Array.from({ length: BULK }, (_, i) => ({ title: `bulk ${i}`, user_id: writer })),
    );
    const ourWrite = performance.now() - started;
    const ourReruns = (await settled(counter.count)) - beforeOurs;
    for (const subscription of ours) subscription.unsubscribe();

    firsts = 0;
    const theirs = observed.map((user) =>
      liveQuery(() => plainPosts.where('user_id').equals(user.id!).toArray()).subscribe(() => {
        firsts++;
      }),
    );
    await waitUntil(() => firsts === OBSERVERS, 'the first values of the bare liveQueries');
    await settled(plainCounter.count);
    const beforeTheirs = plainCounter.count();
    const handStarted = performance.now();
    await plain.transaction('rw', plainPosts, () =>
      plainPosts.bulkAdd(
        Array.from({ length: BULK }, (_, i) => ({ title: `bare ${i}`, user_id: writer })),
      ),
    );
    const theirWrite = performance.now() - handStarted;
    const theirReruns = (await settled(plainCounter.count)) - beforeTheirs;
    for (const subscription of theirs) subscription.unsubscribe();
    check(theirReruns >= OBSERVERS, 'bare liveQuery re-runs every observer for a bulk insert');

    rows.push({
      workload: `9a. re-runs of ${OBSERVERS} unrelated live queries, createMany(${BULK})`,
      unit: 'count',
      dexorm: ourReruns,
      baseline: theirReruns,
      baselineName: 'bare liveQuery',
      ratio: Number.NaN,
      target: '0 (dexorm)',
      pass: ourReruns === 0,
      samples: `${OBSERVERS} obs.`,
    });
    rows.push({
      workload: `9b. createMany(${BULK}) under ${OBSERVERS} unrelated observers`,
      unit: 'ms',
      dexorm: ourWrite,
      baseline: theirWrite,
      baselineName: 'Dexie bulkAdd',
      ratio: ourWrite / theirWrite,
      target: '≤ 1.30',
      pass: ourWrite / theirWrite <= 1.3,
      samples: 'n=1/1',
    });

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

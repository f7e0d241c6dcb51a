import { liveQuery, type Table } from 'dexie';
import type { Database } from '../src/index.js';
import {
  type BenchEnvironment,
  check,
  type PairSamples,
  type ResultRow,
  ratioRow,
} from './harness.js';
import { User } from './models.js';

interface UserRow {
  id?: number;
  name: string;
  email: string;
}

const PAGE = 50;

/** Subscribes to the first `PAGE` users by name; `onFirst` gets the first one's name. */
type PageWatch = (onFirst: (name: string) => void) => { unsubscribe(): void };

/**
 * 5c. Write call → emission of a live page: the first 50 of 10,000 users by name, the first of
 * them renamed in a readwrite transaction (so that neither side may show it before it commits);
 * dexorm's `orderBy('name').limit(50).observe()` against a bare liveQuery of the same page.
 */
export async function livePageLatency(
  env: BenchEnvironment,
  db: Database,
  users: Table<UserRow, number>,
): Promise<ResultRow> {
  env.log('5. live: write → emission of a page of 50 of 10,000 users by name');
  const first = await users.orderBy('name').first();
  check(first !== undefined, 'the users are there');
  const key = first!.id!;
  const base = first!.name;
  const watches: Record<keyof PairSamples, PageWatch> = {
    dexorm: (onFirst) =>
      User.query()
        .orderBy('name')
        .limit(PAGE)
        .observe()
        .subscribe((page) => onFirst(page[0]!.name)),
    baseline: (onFirst) =>
      liveQuery(() => users.orderBy('name').limit(PAGE).toArray()).subscribe((page) =>
        onFirst(page[0]!.name),
      ),
  };
  const samples: PairSamples = { dexorm: [], baseline: [] };
  const perRound = Math.max(5, Math.round(15 * env.scale));
  for (let round = 0; round < 4; round++) {
    const sides = (['dexorm', 'baseline'] as const).slice();
    if (round % 2 === 1) sides.reverse();
    for (const side of sides) {
      let waiting: { name: string; resolve: (at: number) => void } | undefined;
      const expect = (name: string) =>
        new Promise<number>((resolve) => {
          waiting = { name, resolve };
        });
      const ready = expect(base);
      const watcher = watches[side]((name) => {
        if (waiting && name === waiting.name) {
          const { resolve } = waiting;
          waiting = undefined;
          resolve(performance.now());
        }
      });
      try {
        await ready;
        for (let i = 0; i < perRound; i++) {
          // A space sorts before every digit: the renamed user stays first in the page.
          const name = `${base} ${side} ${round}.${i}`;
          const emitted = expect(name);
          const started = performance.now();
          await db.dexie.transaction('rw', users, () => users.update(key, { name }));
          samples[side].push((await emitted) - started);
        }
        const restored = expect(base);
        await db.dexie.transaction('rw', users, () => users.update(key, { name: base }));
        await restored;
      } finally {
        watcher.unsubscribe();
      }
    }
  }
  return ratioRow('5c. live: write → emission of a page of 50 of 10,000 users', 'ms', samples, 1.2);
}

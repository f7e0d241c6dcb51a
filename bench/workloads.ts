import { Dexie, liveQuery, type Table } from 'dexie';
import type { Database } from '../src/index.js';
import { dataWorkloads } from './data-workloads.js';
import { growthWorkloads } from './growth-workloads.js';
import {
  type BenchEnvironment,
  type BenchReport,
  check,
  cycle,
  heapPerItem,
  keySequence,
  median,
  type PairSamples,
  type ResultRow,
  ratioRow,
  settled,
  sleep,
  timePair,
  timerResolution,
  timeTasks,
} from './harness.js';
import { lifecycleWorkloads } from './lifecycle-workloads.js';
import { livePageLatency } from './live-page-workloads.js';
import { liveScaleWorkloads } from './live-scale-workloads.js';
import { benchDatabase, type Profile, User } from './models.js';
import { relationQueryWorkloads } from './relation-query-workloads.js';
import { relationWorkloads } from './relation-workloads.js';
import { relationsCompleteWorkloads } from './relations-complete-workloads.js';
import { replicableWorkloads } from './replicable-workloads.js';

/** The rows as Dexie stores them: what the hand-written side reads and writes. */
interface UserRow {
  id?: number;
  name: string;
  email: string;
  profile?: ProfileRow | null;
}

interface ProfileRow {
  id?: number;
  user_id?: number | null;
  bio: string;
  website?: string;
  location?: string;
}

const USERS = 10_000;
const EAGER_USERS = 1_000;
const CREATE_MANY = 1_000;
const LIVE_SUBSCRIBERS = 100;
const UNRELATED_EDITS = 50;

interface Fixture {
  readonly db: Database;
  readonly users: Table<UserRow, number>;
  readonly profiles: Table<ProfileRow, number>;
}

/**
 * Runs every workload against one fresh database and returns the table rows. The same code runs
 * in Node (fake-indexeddb) and in a Chromium page (real IndexedDB); `env` supplies the rest.
 */
export async function runWorkloads(env: BenchEnvironment): Promise<BenchReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const rows: ResultRow[] = [];
  const notes: string[] = [`clock resolution ${(timerResolution() * 1000).toFixed(1)} µs`];
  const fixture = await seed(env);
  try {
    const wanted = (id: string) => env.only.length === 0 || env.only.includes(id);
    if (wanted('1')) rows.push(await findByKey(env, fixture));
    if (wanted('2')) rows.push(await hasOneRead(env, fixture, notes));
    if (wanted('4')) rows.push(...(await eagerLoading(env, fixture, notes)));
    if (wanted('6')) rows.push(await memory(env, fixture, notes));
    if (wanted('5')) rows.push(...(await live(env, fixture, notes)));
    if (wanted('5')) rows.push(await livePageLatency(env, fixture.db, fixture.users));
    if (wanted('7')) rows.push(...(await relationWorkloads(env)));
    if (wanted('8')) rows.push(...(await relationQueryWorkloads(env)));
    if (wanted('9')) rows.push(...(await liveScaleWorkloads(env)));
    // Writes last: they grow the tables the other workloads read.
    if (wanted('3')) rows.push(...(await writes(env, fixture, notes)));
    // Growth after the rest: its own database binds the blog models while it runs.
    if (wanted('11')) rows.push(...(await growthWorkloads(env, notes)));
    if (wanted('12')) rows.push(...(await lifecycleWorkloads(env, notes)));
    if (wanted('13')) rows.push(...(await relationsCompleteWorkloads(env)));
    if (wanted('14')) rows.push(...(await dataWorkloads(env, notes)));
    if (wanted('15')) rows.push(...(await replicableWorkloads(env)));
  } finally {
    await fixture.db.delete().catch(() => undefined);
  }
  return {
    environment: env.name,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    rows,
    notes,
  };
}

/** Scales a count by the run's scale, never below `min`. */
function scaled(env: BenchEnvironment, count: number, min = 1): number {
  return Math.max(min, Math.round(count * env.scale));
}

function userRow(tag: string, i: number): UserRow {
  return { name: `User ${tag}${i}`, email: `user-${tag}${i}@example.test` };
}

function profileRow(userId: number, bio = `Bio of user ${userId}`): ProfileRow {
  return { user_id: userId, bio, website: `https://example.test/${userId}`, location: 'Lyon' };
}

async function seed(env: BenchEnvironment): Promise<Fixture> {
  env.log(`seeding ${USERS} users with a profile each`);
  const db = benchDatabase();
  await db.open();
  const users = db.dexie.table<UserRow, number>('users');
  const profiles = db.dexie.table<ProfileRow, number>('profiles');
  const userKeys = await users.bulkAdd(
    Array.from({ length: USERS }, (_, i) => userRow('', i + 1)),
    { allKeys: true },
  );
  if (userKeys[0] !== 1 || userKeys[USERS - 1] !== USERS) throw new Error('unexpected user keys');
  await profiles.bulkAdd(Array.from({ length: USERS }, (_, i) => profileRow(i + 1)));
  return { db, users, profiles };
}

// ---- 1. find by key ---------------------------------------------------------------------------

async function findByKey(env: BenchEnvironment, { users }: Fixture): Promise<ResultRow> {
  env.log('1. find by key');
  const keys = keySequence(USERS, 4096);
  const found = await User.find(keys[0]!);
  const row = await users.get(keys[0]!);
  check(found?.email === row?.email, 'User.find and table.get read the same user');
  const dexormKey = cycle(keys);
  const dexieKey = cycle(keys);
  const samples = await timePair(
    async () => User.find(dexormKey()),
    async () => users.get(dexieKey()),
    { rounds: 4, time: 300 * env.scale, iterations: 50, warmupIterations: 100 },
  );
  return ratioRow('1. find by key (10,000 users)', 'ms', samples, 1.1);
}

// ---- 2. HasOne read ---------------------------------------------------------------------------

async function hasOneRead(
  env: BenchEnvironment,
  { profiles }: Fixture,
  notes: string[],
): Promise<ResultRow> {
  env.log('2. HasOne read');
  const keys = [...new Set(keySequence(USERS, 1500, 777))].slice(0, 1000);
  const parents = await User.findMany(keys);
  check(parents.length === keys.length, 'all parents found');
  const profile = await parents[0]!.profileRelation().getResults();
  check(profile?.user_id === keys[0], 'getResults() finds the profile');
  const nextParent = cycle(parents);
  const nextKey = cycle(keys);
  const nextBuilt = cycle(parents);
  const samples = await timeTasks(
    {
      dexorm: async () => nextParent().profileRelation().getResults(),
      baseline: async () => profiles.where('user_id').equals(nextKey()).first(),
      // The same read through the general query builder, to show what planning a query costs.
      builder: async () => nextBuilt().profileRelation().query().first(),
    },
    { rounds: 6, time: 200 * env.scale, iterations: 50, warmupIterations: 100 },
  );
  notes.push(
    `2: the same read through profileRelation().query().first() takes ` +
      `${median(samples.builder).toFixed(3)} ms (ratio ${(median(samples.builder) / median(samples.baseline)).toFixed(2)})`,
  );
  return ratioRow('2. HasOne read getResults()', 'ms', samples, 1.1);
}

// ---- 3. writes --------------------------------------------------------------------------------

/** The hand-written call without its explicit transaction, for the record. */
function bareNote(id: string, samples: { dexorm: number[]; baseline: number[]; bare: number[] }) {
  const dexorm = median(samples.dexorm);
  const bare = median(samples.bare);
  return (
    `${id}: the bare Dexie call (no explicit transaction) takes ${bare.toFixed(3)} ms; ` +
    `dexorm / bare = ${(dexorm / bare).toFixed(2)}`
  );
}

async function writes(
  env: BenchEnvironment,
  fixture: Fixture,
  notes: string[],
): Promise<ResultRow[]> {
  const { db, users, profiles } = fixture;
  const rows: ResultRow[] = [];

  env.log('3a. create one user');
  let created = 0;
  const check3a = await User.create(userRow('check-', 0));
  check(typeof check3a.id === 'number', 'create reads the key back');
  // dexorm writes in an explicit transaction, so that live queries never see an uncommitted
  // write (Dexie applies implicit-transaction writes to live results optimistically): the
  // hand-written side does the same. The bare call is timed too, and noted.
  const one = await timeTasks(
    {
      dexorm: async () => User.create(userRow('orm-', created++)),
      baseline: async () => {
        const row = userRow('dexie-', created++);
        row.id = await db.dexie.transaction('rw', users, () => users.add(row));
        return row;
      },
      bare: async () => {
        const row = userRow('bare-', created++);
        row.id = await users.add(row);
        return row;
      },
    },
    { rounds: 6, time: 200 * env.scale, iterations: 30, warmupIterations: 20 },
  );
  rows.push(ratioRow('3a. create one user', 'ms', one, 1.2));
  notes.push(bareNote('3a', one));

  env.log(`3b. createMany of ${CREATE_MANY} users`);
  let batches = 0;
  const batch = (tag: string) =>
    Array.from({ length: CREATE_MANY }, (_, i) => userRow(`${tag}${batches}-`, i));
  const many = await User.createMany(batch('check-'));
  check(many.length === CREATE_MANY && many.every((m) => typeof m.id === 'number'), 'keys read');
  const bulkAdd = async (list: UserRow[]) => {
    const keys = await users.bulkAdd(list, { allKeys: true });
    list.forEach((row, i) => {
      row.id = keys[i];
    });
    return list;
  };
  const bulk = await timeTasks(
    {
      dexorm: async () => User.createMany(batch(`orm${batches++}-`)),
      baseline: async () => {
        const list = batch(`dexie${batches++}-`);
        return db.dexie.transaction('rw', users, () => bulkAdd(list));
      },
      bare: async () => bulkAdd(batch(`bare${batches++}-`)),
    },
    { rounds: 6, time: 0, iterations: scaled(env, 4, 2), warmupIterations: 1 },
  );
  rows.push(
    ratioRow(`3b. createMany of ${CREATE_MANY.toLocaleString('en-US')} users`, 'ms', bulk, 1.2),
  );
  notes.push(bareNote('3b', bulk));

  env.log('3c. HasOne create (check + add in one transaction)');
  const perSide = 4 * (scaled(env, 60, 10) + 10) + 1;
  const parentKeys = await users.bulkAdd(
    Array.from({ length: 2 * perSide }, (_, i) => userRow('parent-', i)),
    { allKeys: true },
  );
  const dexormParents = await User.findMany(parentKeys.slice(0, perSide));
  const dexieParents = parentKeys.slice(perSide);
  const take = <T>(pool: readonly T[]) => {
    let i = 0;
    return () => {
      if (i >= pool.length) throw new Error('bench pool exhausted');
      return pool[i++]!;
    };
  };
  const nextDexorm = take(dexormParents);
  const nextDexie = take(dexieParents);
  const first = await nextDexorm().profileRelation().create({ bio: 'check' });
  check(typeof first.id === 'number' && typeof first.user_id === 'number', 'HasOne create');
  const dexieCreate = (userId: number) =>
    db.dexie.transaction('rw', profiles, async () => {
      // What HasOne.create guarantees: one profile per user, checked in the write's transaction.
      const existing = await profiles.where('user_id').equals(userId).first();
      if (existing) throw new Error(`user ${userId} already has a profile`);
      const row = profileRow(userId, 'new');
      row.id = await profiles.add(row);
      return row;
    });
  rows.push(
    ratioRow(
      '3c. HasOne create through the relation',
      'ms',
      await timePair(
        async () => nextDexorm().profileRelation().create({ bio: 'new' }),
        async () => dexieCreate(nextDexie()),
        { rounds: 4, time: 0, iterations: scaled(env, 60, 10), warmupIterations: 10 },
      ),
      1.2,
    ),
  );
  return rows;
}

// ---- 4. eager loading -------------------------------------------------------------------------

async function eagerLoading(
  env: BenchEnvironment,
  { users, profiles }: Fixture,
  notes: string[],
): Promise<ResultRow[]> {
  env.log(`4. eager loading ${EAGER_USERS} users with their profiles`);
  const eager = () => User.query().limit(EAGER_USERS).with('profile').get();
  const handWritten = async () => {
    const rows = await users.limit(EAGER_USERS).toArray();
    const found = await profiles
      .where('user_id')
      .anyOf(rows.map((row) => row.id!))
      .toArray();
    const byUser = new Map<unknown, ProfileRow>();
    for (const profile of found) byUser.set(profile.user_id, profile);
    for (const row of rows) row.profile = byUser.get(row.id) ?? null;
    return rows;
  };
  const nPlusOne = async () => {
    const parents = await User.query().limit(EAGER_USERS).get();
    const results: (Profile | null)[] = [];
    for (const parent of parents) results.push(await parent.profileRelation().getResults());
    return results;
  };

  const loaded = await eager();
  const joined = await handWritten();
  const looped = await nPlusOne();
  check(loaded.length === EAGER_USERS && joined.length === EAGER_USERS, '1,000 users read');
  check(
    loaded.every((user, i) => user.profile?.bio === joined[i]?.profile?.bio) &&
      looped.every((profile, i) => profile?.bio === joined[i]?.profile?.bio),
    'the three loaders agree',
  );

  const iterations = scaled(env, 8, 3);
  const rows = [
    ratioRow(
      `4. with('profile') on ${EAGER_USERS.toLocaleString('en-US')} users`,
      'ms',
      await timePair(eager, handWritten, { rounds: 4, time: 0, iterations, warmupIterations: 2 }),
      1.3,
    ),
  ];
  env.log('4. … against N+1 getResults()');
  const versusLoop = await timePair(eager, nPlusOne, {
    rounds: 2,
    time: 0,
    iterations: scaled(env, 3, 2),
    warmupIterations: 1,
  });
  const row = ratioRow(`4. with('profile') vs N+1 getResults()`, 'ms', versusLoop, 0.1, 'N+1 loop');
  rows.push({ ...row, target: '≤ 0.10 (≥ 10× faster)' });
  notes.push(
    `eager loading is ${(1 / row.ratio).toFixed(1)}× faster than the N+1 loop ` +
      `(${row.dexorm.toFixed(1)} ms against ${row.baseline.toFixed(1)} ms)`,
  );
  return rows;
}

// ---- 5. live ----------------------------------------------------------------------------------

/** A running subscription that reports each emitted bio. */
interface Watcher {
  unsubscribe(): void;
}

type Watch = (userId: number, onBio: (bio: string | undefined) => void) => Watcher;

const watchDexorm =
  (parents: ReadonlyMap<number, User>): Watch =>
  (userId, onBio) =>
    parents.get(userId)!.profile$.subscribe((profile) => onBio(profile?.bio));

const watchDexie =
  (profiles: Table<ProfileRow, number>): Watch =>
  (userId, onBio) =>
    liveQuery(() => profiles.where('user_id').equals(userId).first()).subscribe({
      next: (profile) => onBio(profile?.bio),
    });

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Latencies (ms) from the commit of a profile edit (Dexie's storagemutated signal, fired from
 * the transaction's complete event) to the emission carrying the edit.
 */
async function liveLatencies(
  watch: Watch,
  userId: number,
  edit: (bio: string) => Promise<unknown>,
  label: string,
  count: number,
): Promise<number[]> {
  let committedAt = Number.NaN;
  const onCommit = () => {
    if (Number.isNaN(committedAt)) committedAt = performance.now();
  };
  let waiting: { bio: string; resolve: (at: number) => void } | undefined;
  const expect = (bio: string) =>
    new Promise<number>((resolve) => {
      waiting = { bio, resolve };
    });
  const initial = expect(`${label} start`);
  await edit(`${label} start`);
  const watcher = watch(userId, (bio) => {
    if (waiting && bio === waiting.bio) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve(performance.now());
    }
  });
  Dexie.on.storagemutated.subscribe(onCommit);
  const latencies: number[] = [];
  try {
    await withTimeout(initial, 5000, 'the first emission');
    for (let i = 0; i < count; i++) {
      const bio = `${label} edit ${i}`;
      const emitted = expect(bio);
      committedAt = Number.NaN;
      await edit(bio);
      const at = await withTimeout(emitted, 5000, 'an emission');
      latencies.push(at - committedAt);
    }
  } finally {
    Dexie.on.storagemutated.unsubscribe(onCommit);
    watcher.unsubscribe();
  }
  return latencies;
}

/**
 * Emissions on `LIVE_SUBSCRIBERS` observers caused by editing `UNRELATED_EDITS` other users'
 * profiles: one transaction per edit, then all in one transaction. Ends with one related edit,
 * which must reach its observer, to show that the observers were live all along.
 */
async function unrelatedEmissions(
  watch: Watch,
  { db, profiles }: Fixture,
  label: string,
): Promise<{ single: number; bulk: number }> {
  let emissions = 0;
  const watched = Array.from({ length: LIVE_SUBSCRIBERS }, (_, i) => i + 1);
  const others = Array.from({ length: UNRELATED_EDITS }, (_, i) => LIVE_SUBSCRIBERS + 101 + i);
  const byUser = new Map<number, number>();
  for (const profile of await profiles.where('user_id').anyOf(others).toArray()) {
    byUser.set(profile.user_id!, profile.id!);
  }
  const watchers = watched.map((userId) => watch(userId, () => emissions++));
  try {
    const deadline = performance.now() + 10_000;
    while (emissions < LIVE_SUBSCRIBERS && performance.now() < deadline) await sleep(10);
    check(emissions === LIVE_SUBSCRIBERS, `${label}: every observer emitted its first value`);
    await settled(() => emissions);
    emissions = 0;
    for (const userId of others) {
      await db.dexie.transaction('rw', profiles, () =>
        profiles.update(byUser.get(userId)!, { bio: `${label} single ${userId}` }),
      );
    }
    const single = await settled(() => emissions);
    emissions = 0;
    // One bulk write of 50 rows: Dexie then invalidates every live query on the table.
    await db.dexie.transaction('rw', profiles, async () => {
      const rows = await profiles.where('user_id').anyOf(others).toArray();
      await profiles.bulkPut(rows.map((row) => ({ ...row, bio: `${label} bulk ${row.user_id}` })));
    });
    const bulk = await settled(() => emissions);
    emissions = 0;
    const related = await profiles.where('user_id').equals(watched[0]!).first();
    await db.dexie.transaction('rw', profiles, () =>
      profiles.update(related!.id!, { bio: `${label} related` }),
    );
    const reached = await settled(() => emissions);
    check(reached >= 1, `${label}: a related edit still reaches its observer`);
    return { single, bulk };
  } finally {
    for (const watcher of watchers) watcher.unsubscribe();
  }
}

async function live(
  env: BenchEnvironment,
  fixture: Fixture,
  notes: string[],
): Promise<ResultRow[]> {
  const { db, profiles } = fixture;
  env.log('5. live: commit → emission latency');
  const userId = 4242;
  const parents = new Map<number, User>();
  for (const user of await User.findMany(
    Array.from({ length: LIVE_SUBSCRIBERS }, (_, i) => i + 1).concat(userId),
  )) {
    parents.set(user.id!, user);
  }
  const profileId = (await profiles.where('user_id').equals(userId).first())!.id!;
  const edit = (bio: string) =>
    db.dexie.transaction('rw', profiles, () => profiles.update(profileId, { bio }));
  const samples: PairSamples = { dexorm: [], baseline: [] };
  const perRound = scaled(env, 15, 5);
  for (let round = 0; round < 4; round++) {
    const sides: [keyof PairSamples, Watch][] = [
      ['dexorm', watchDexorm(parents)],
      ['baseline', watchDexie(profiles)],
    ];
    if (round % 2 === 1) sides.reverse();
    for (const [side, watch] of sides) {
      const label = `${side} round ${round}`;
      samples[side].push(...(await liveLatencies(watch, userId, edit, label, perRound)));
    }
  }
  const rows = [ratioRow('5. live: commit → profile$ emission', 'ms', samples, 1.2)];

  env.log(`5. live: ${LIVE_SUBSCRIBERS} observers, ${UNRELATED_EDITS} unrelated edits`);
  const dexorm = await unrelatedEmissions(watchDexorm(parents), fixture, 'dexorm');
  const dexie = await unrelatedEmissions(watchDexie(profiles), fixture, 'dexie');
  const countRow = (workload: string, ours: number, theirs: number): ResultRow => ({
    workload,
    unit: 'count',
    dexorm: ours,
    baseline: theirs,
    baselineName: 'bare liveQuery',
    ratio: Number.NaN,
    target: '0 (dexorm)',
    pass: ours === 0,
    samples: `${LIVE_SUBSCRIBERS} obs.`,
  });
  rows.push(
    countRow(
      `5. unrelated emissions, ${UNRELATED_EDITS} single edits`,
      dexorm.single,
      dexie.single,
    ),
    countRow(`5. unrelated emissions, one ${UNRELATED_EDITS}-row bulkPut`, dexorm.bulk, dexie.bulk),
  );
  notes.push(
    `live latency p90: dexorm ${percentile(samples.dexorm, 0.9).toFixed(2)} ms, ` +
      `bare liveQuery ${percentile(samples.baseline, 0.9).toFixed(2)} ms`,
  );
  return rows;
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

// ---- 6. memory --------------------------------------------------------------------------------

async function memory(
  env: BenchEnvironment,
  { users }: Fixture,
  notes: string[],
): Promise<ResultRow> {
  env.log(`6. memory: ${USERS} hydrated models against ${USERS} plain objects`);
  const rounds = scaled(env, 6, 2);
  const itemsOf = (kept: readonly unknown[]) => {
    check(kept.length === USERS, `${USERS} items loaded`);
    return kept.length;
  };
  const samples = await heapPerItem<readonly unknown[]>(
    env,
    () => User.query().limit(USERS).get(),
    () => users.limit(USERS).toArray(),
    itemsOf,
    rounds,
  );
  notes.push(
    `heap per item: hydrated model ${median(samples.dexorm).toFixed(0)} B, ` +
      `plain row ${median(samples.baseline).toFixed(0)} B (medians of ${rounds})`,
  );
  return ratioRow(`6. heap per model (${USERS.toLocaleString('en-US')} loaded)`, 'B', samples, 1.5);
}

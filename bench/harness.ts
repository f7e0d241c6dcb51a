/** What a bench run needs from where it runs (Node on fake-indexeddb, or a Chromium page). */
export interface BenchEnvironment {
  /** E.g. `Node 20.20.2 + fake-indexeddb 6.2.8`. */
  readonly name: string;
  /** Heap bytes in use right after a full garbage collection. */
  heapUsed(): Promise<number>;
  /** Prints a progress line where the person running the bench can see it. */
  log(message: string): void;
  /** Multiplies time budgets and sample counts: 1 for a full run, less for a quick one. */
  readonly scale: number;
  /** Workload numbers to run (`['2', '5']`); empty for all. */
  readonly only: readonly string[];
}

export type Unit = 'ms' | 'B' | 'count';

/** One line of a result table: dexorm against the hand-written baseline, measured in one run. */
export interface ResultRow {
  readonly workload: string;
  readonly unit: Unit;
  readonly dexorm: number;
  readonly baseline: number;
  /** What the baseline is: hand-written Dexie, or the N+1 loop. */
  readonly baselineName: string;
  /** dexorm / baseline, or NaN where a ratio means nothing (counts). */
  readonly ratio: number;
  readonly target: string;
  readonly pass: boolean;
  /** Sample counts behind the two medians, e.g. `n=812/845`. */
  readonly samples: string;
}

/** Everything one environment measured. */
export interface BenchReport {
  readonly environment: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly rows: readonly ResultRow[];
  /** Extra measurements that explain the rows (not targets). */
  readonly notes: readonly string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** How long and how often a pair of tasks is timed. */
export interface PairPlan {
  /** Rounds, each opened by untimed warm-up calls; the task order rotates between rounds. */
  readonly rounds: number;
  /** Minimum time spent in each task per round (ms); 0 for a fixed number of iterations. */
  readonly time: number;
  /** Minimum timed calls of each task per round. */
  readonly iterations: number;
  /** Untimed calls of each task at the start of each round. */
  readonly warmupIterations: number;
}

export interface PairSamples {
  readonly dexorm: number[];
  readonly baseline: number[];
}

/**
 * Times each task in interleaved samples: one call of each task per step, the order reversed
 * every other step, so that drift (a garbage collection, background work of the storage engine,
 * a growing table) lands on every task alike rather than on whichever ran during it. With a
 * whole batch of one task timed before the other's, the same code measured 1.00 in one run and
 * 1.66 in the next. Returns every latency sample (ms) per task, so that medians are taken over
 * the whole run.
 */
export async function timeTasks<K extends string>(
  tasks: Readonly<Record<K, () => Promise<unknown>>>,
  plan: PairPlan,
): Promise<Record<K, number[]>> {
  const names = Object.keys(tasks) as K[];
  const samples = {} as Record<K, number[]>;
  for (const name of names) samples[name] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const shift = round % names.length;
    const order = [...names.slice(shift), ...names.slice(0, shift)];
    for (const name of order) {
      for (let i = 0; i < plan.warmupIterations; i++) {
        await nextTask();
        await tasks[name]();
      }
    }
    const spent = new Map<K, number>(names.map((name) => [name, 0]));
    const reversed = [...order].reverse();
    let steps = 0;
    while (steps < plan.iterations || [...spent.values()].some((ms) => ms < plan.time)) {
      for (const name of steps % 2 === 0 ? order : reversed) {
        await nextTask();
        const started = performance.now();
        await tasks[name]();
        const elapsed = performance.now() - started;
        samples[name].push(elapsed);
        spent.set(name, spent.get(name)! + elapsed);
      }
      steps++;
    }
  }
  return samples;
}

/**
 * Resolves in a later task of the event loop; run, untimed, before each sample. fake-indexeddb
 * finishes a transaction in tasks queued after its request's result, so back-to-back samples
 * pile up unfinished transactions that every later one scans: in 3,000 straight `table.get`s
 * the time per read tripled, by an amount that depended on the timing of the side before.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') {
      setImmediate(resolve);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** {@link timeTasks} for the usual pair: dexorm against its hand-written baseline. */
export function timePair(
  dexorm: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
  plan: PairPlan,
): Promise<PairSamples> {
  return timeTasks({ dexorm, baseline }, plan);
}

/** A result row from two sample sets, with the ratio of their medians checked against `max`. */
export function ratioRow(
  workload: string,
  unit: Unit,
  samples: PairSamples,
  max: number,
  baselineName = 'Dexie',
): ResultRow {
  const dexorm = median(samples.dexorm);
  const baseline = median(samples.baseline);
  const ratio = dexorm / baseline;
  return {
    workload,
    unit,
    dexorm,
    baseline,
    baselineName,
    ratio,
    target: `≤ ${max.toFixed(2)}`,
    pass: ratio <= max,
    samples: `n=${samples.dexorm.length}/${samples.baseline.length}`,
  };
}

/** A small deterministic sequence of keys in [1, count], the same for both sides of a pair. */
export function keySequence(count: number, length: number, seed = 12345): number[] {
  const keys: number[] = [];
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap, reproducible, good enough to spread reads over the table.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    keys.push((state % count) + 1);
  }
  return keys;
}

/** Cycles through `items`; each side of a pair gets its own cursor over the same items. */
export function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => {
    const item = items[i]!;
    i = (i + 1) % items.length;
    return item;
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The smallest step of `performance.now()` seen here (ms): the clock's resolution. */
export function timerResolution(): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    let next = performance.now();
    while (next === start) next = performance.now();
    smallest = Math.min(smallest, next - start);
  }
  return smallest;
}

/** Waits until `read()` stops changing for `quietMs`, then returns its value. */
export async function settled(read: () => number, quietMs = 250): Promise<number> {
  let last = read();
  for (;;) {
    await sleep(quietMs);
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

/** Stops the bench when both sides of a pair did not do the same work. */
export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`bench sanity check failed: ${message}`);
}

/**
 * Heap bytes per item retained by what each side loads (`itemsOf` counts the items, parents and
 * related records alike), measured between full collections, in `rounds` that alternate which
 * side goes first.
 */
export async function heapPerItem<T>(
  env: BenchEnvironment,
  dexorm: () => Promise<T>,
  baseline: () => Promise<T>,
  itemsOf: (loaded: T) => number,
  rounds: number,
): Promise<PairSamples> {
  const perItem = async (load: () => Promise<T>): Promise<number> => {
    const before = await env.heapUsed();
    const kept = await load();
    const after = await env.heapUsed();
    return (after - before) / itemsOf(kept);
  };
  const samples: PairSamples = { dexorm: [], baseline: [] };
  // One untimed load a side first: what earlier work left pending (fake-indexeddb finishes
  // transactions in later tasks) is released during it, not during a measured load, where it
  // once cut the measured growth of 10,000 models to a few bytes each.
  await dexorm();
  await baseline();
  for (let round = 0; round < rounds; round++) {
    const sides: [keyof PairSamples, () => Promise<T>][] = [
      ['dexorm', dexorm],
      ['baseline', baseline],
    ];
    if (round % 2 === 1) sides.reverse();
    for (const [side, load] of sides) samples[side].push(await perItem(load));
  }
  return samples;
}

/**
 * The table sizes the growth sections measure: 10k and 100k records by default;
 * `npm run bench -- --sizes=10000,100000,1000000` asks for others.
 */
export function sizes(): number[] {
  const asked =
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
      ?.DEXORM_BENCH_SIZES ?? globalThis.localStorage?.getItem('DEXORM_BENCH_SIZES');
  return asked ? asked.split(',').map(Number) : [10_000, 100_000];
}

/** A row comparing counts (records or reads per call) of dexorm and hand-written Dexie (≤ 1.2). */
export function recordsRow(workload: string, ours: number, theirs: number): ResultRow {
  const ratio = theirs === 0 ? (ours === 0 ? 1 : Number.POSITIVE_INFINITY) : ours / theirs;
  return {
    workload,
    unit: 'count',
    dexorm: ours,
    baseline: theirs,
    baselineName: 'Dexie',
    ratio,
    target: '≤ 1.20',
    pass: ratio <= 1.2,
    samples: 'n=1/1',
  };
}

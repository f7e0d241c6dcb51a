import { Bench } from 'tinybench';

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
  /** Rounds of one Bench each, rotating which task runs first, so drift hits every task. */
  readonly rounds: number;
  /** Minimum time per task and round (ms); 0 for a fixed number of iterations. */
  readonly time: number;
  /** Minimum iterations per task and round. */
  readonly iterations: number;
  readonly warmupIterations: number;
}

export interface PairSamples {
  readonly dexorm: number[];
  readonly baseline: number[];
}

/**
 * Times each task with tinybench, in rounds of one Bench each whose task order rotates, so that
 * drift (GC, a growing table) hits every task alike; returns every latency sample (ms) per task,
 * so that medians are taken over the whole run.
 */
export async function timeTasks<K extends string>(
  tasks: Readonly<Record<K, () => Promise<unknown>>>,
  plan: PairPlan,
): Promise<Record<K, number[]>> {
  const names = Object.keys(tasks) as K[];
  const samples = {} as Record<K, number[]>;
  for (const name of names) samples[name] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const bench = new Bench({
      time: plan.time,
      iterations: plan.iterations,
      warmupIterations: plan.warmupIterations,
      warmupTime: 0,
      throws: true,
    });
    const shift = round % names.length;
    const order = [...names.slice(shift), ...names.slice(0, shift)];
    // An async function, so that tinybench does not call it once to find out whether it is.
    for (const name of order) {
      const fn = tasks[name];
      bench.add(
        name,
        async () => {
          await fn();
        },
        { beforeEach: nextTask },
      );
    }
    await bench.run();
    for (const name of names) {
      const result = bench.getTask(name)?.result;
      if (!result || result.error)
        throw result?.error ?? new Error(`bench task ${name} did not run`);
      samples[name].push(...result.latency.samples);
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

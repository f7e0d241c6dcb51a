// 10. Sync throughput (Node only: the server runs in this process): push and pull of records to
// the local CouchDB-compatible server, against PouchDB's own replicator moving the same
// documents between a PouchDB database and the same server.
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { PouchDB, startSyncServer } from '../scripts/sync-server.mjs';
import { Database, Model } from '../src/index.js';
import { replicate } from '../src/sync/index.js';
import { type BenchEnvironment, check, median, type ResultRow } from './harness.js';

class Member extends Model<{ id?: string; name: string; email: string; role: string }> {
  static override table = 'members';
  static override keyType = 'uuid' as const;
}

/**
 * The record counts of section 10: 2k, 20k and 100k by default (2k and 20k in a quick run);
 * `npm run bench -- --sync-sizes=2000,20000` asks for others.
 */
function syncSizes(scale: number): number[] {
  const asked = process.env.DEXORM_BENCH_SYNC_SIZES;
  if (asked) return asked.split(',').map(Number);
  return scale < 1 ? [2_000, 20_000] : [2_000, 20_000, 100_000];
}

/** Fewer samples for larger counts: a 100k round takes about a minute per side. */
const samplesAt = (count: number) => (count <= 2_000 ? 3 : count <= 20_000 ? 2 : 1);

interface Timings {
  push: number[];
  pull: number[];
}

/**
 * Rows 10a (push) and 10b (pull) at each size: milliseconds for the records, against PouchDB's
 * replicator in the same run; 10c and 10d: records per second at the largest size against the
 * smallest, dexorm's own (a cost that grows faster than the data shows here).
 */
export async function syncWorkloads(env: BenchEnvironment, notes: string[]): Promise<ResultRow[]> {
  const server = await startSyncServer();
  const measured: Array<{ count: number; dexorm: Timings; pouch: Timings }> = [];
  let run = 0;
  const newDatabase = async () => {
    run += 1;
    const url = `${server.url}/bench-${run}-${Math.random().toString(36).slice(2, 8)}`;
    await fetch(url, { method: 'PUT' });
    return url;
  };
  try {
    for (const count of syncSizes(env.scale)) {
      const dexorm: Timings = { push: [], pull: [] };
      const pouch: Timings = { push: [], pull: [] };
      const samples = samplesAt(count);
      for (let sample = 0; sample < samples; sample++) {
        env.log(`sync: ${count} records each way, sample ${sample + 1} of ${samples}`);
        // Alternating which side goes first, so that neither always meets a warmer process.
        if (sample % 2 === 0) {
          await timeDexorm(await newDatabase(), count, dexorm);
          await timePouch(await newDatabase(), count, pouch);
        } else {
          await timePouch(await newDatabase(), count, pouch);
          await timeDexorm(await newDatabase(), count, dexorm);
        }
      }
      measured.push({ count, dexorm, pouch });
    }
  } finally {
    await server.stop();
  }
  const rows: ResultRow[] = [];
  for (const { count, dexorm, pouch } of measured) {
    (['push', 'pull'] as const).forEach((direction, i) => {
      const mine = median(dexorm[direction]);
      const theirs = median(pouch[direction]);
      notes.push(
        `10${'ab'[i]} at ${count.toLocaleString('en')}: ${direction} ${perSecond(count, mine)} records/s ` +
          `(PouchDB's replicator ${perSecond(count, theirs)} records/s)`,
      );
      rows.push({
        workload: `10${'ab'[i]}. ${direction} ${count.toLocaleString('en')} records ${direction === 'push' ? 'to' : 'from'} the server`,
        unit: 'ms',
        dexorm: mine,
        baseline: theirs,
        baselineName: 'PouchDB replicate',
        ratio: mine / theirs,
        target: '≤ 1.00',
        pass: mine / theirs <= 1,
        samples: `n=${dexorm[direction].length}/${pouch[direction].length}`,
      });
    });
  }
  const smallest = measured[0];
  const largest = measured.at(-1);
  if (smallest && largest && largest.count > smallest.count) {
    (['push', 'pull'] as const).forEach((direction, i) => {
      // Time per record at the largest size over time per record at the smallest.
      const atLargest = median(largest.dexorm[direction]) / largest.count;
      const atSmallest = median(smallest.dexorm[direction]) / smallest.count;
      rows.push({
        workload: `10${'cd'[i]}. ${direction}: time per record at ${largest.count.toLocaleString('en')} over at ${smallest.count.toLocaleString('en')}`,
        unit: 'ms',
        dexorm: atLargest,
        baseline: atSmallest,
        baselineName: `dexorm at ${smallest.count.toLocaleString('en')}`,
        ratio: atLargest / atSmallest,
        target: '≤ 1.20',
        pass: atLargest / atSmallest <= 1.2,
        samples: `n=${largest.dexorm[direction].length}/${smallest.dexorm[direction].length}`,
      });
    });
  }
  notes.push(
    "10: dexorm reads and writes IndexedDB (fake-indexeddb here), PouchDB's side uses its " +
      'in-memory adapter: the ratio includes that difference in storage. Both use batches of 100',
  );
  return rows;
}

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);

function member(i: number) {
  return { name: `Member ${i}`, email: `member-${i}@example.test`, role: i % 3 ? 'dev' : 'lead' };
}

async function timeDexorm(url: string, count: number, timings: Timings): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const source = new Database(`bench-sync-source-${suffix}`, { models: [Member] });
  const target = new Database(`bench-sync-target-${suffix}`, { models: [Member] });
  try {
    // Replicated first, so that the records below are recorded as changes when they are written.
    await replicate(source, { url, live: false }).whenSynced();
    await source.transaction(() =>
      Member.createMany(Array.from({ length: count }, (_, i) => member(i))),
    );
    let started = performance.now();
    const push = replicate(source, { url, live: false });
    await firstValueFrom(
      push.status$.pipe(filter(({ state, pending }) => state === 'active' && pending === 0)),
    ).catch(() => undefined);
    timings.push.push(performance.now() - started);
    await push.whenSynced();
    check((await serverCount(url)) === count, `dexorm pushed ${count} documents`);
    started = performance.now();
    await replicate(target, { url, live: false }).whenSynced();
    timings.pull.push(performance.now() - started);
    check(
      (await target.dexie.table('members').count()) === count,
      `dexorm pulled ${count} records`,
    );
  } finally {
    await source.delete();
    await target.delete();
  }
}

async function timePouch(url: string, count: number, timings: Timings): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const source = new PouchDB(`bench-pouch-source-${suffix}`, { adapter: 'memory' });
  const target = new PouchDB(`bench-pouch-target-${suffix}`, { adapter: 'memory' });
  try {
    await source.bulkDocs(
      Array.from({ length: count }, (_, i) => ({
        _id: `members:${i}`,
        kind: 'record',
        values: member(i),
      })),
    );
    let started = performance.now();
    await PouchDB.replicate(source, url, { batch_size: 100 });
    timings.push.push(performance.now() - started);
    check((await serverCount(url)) === count, `PouchDB pushed ${count} documents`);
    started = performance.now();
    await PouchDB.replicate(url, target, { batch_size: 100 });
    timings.pull.push(performance.now() - started);
    check((await target.info()).doc_count === count, `PouchDB pulled ${count} documents`);
  } finally {
    await source.destroy();
    await target.destroy();
  }
}

async function serverCount(url: string): Promise<number> {
  const info = (await (await fetch(url)).json()) as { doc_count: number };
  return info.doc_count;
}

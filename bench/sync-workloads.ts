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

const SAMPLES = 3;

interface Timings {
  push: number[];
  pull: number[];
}

/** Rows 10a (push) and 10b (pull): milliseconds for `count` records, and records per second. */
export async function syncWorkloads(env: BenchEnvironment, notes: string[]): Promise<ResultRow[]> {
  const count = Math.max(200, Math.round(2_000 * env.scale));
  const server = await startSyncServer();
  const dexorm: Timings = { push: [], pull: [] };
  const pouch: Timings = { push: [], pull: [] };
  let run = 0;
  const newDatabase = async () => {
    run += 1;
    const url = `${server.url}/bench-${run}-${Math.random().toString(36).slice(2, 8)}`;
    await fetch(url, { method: 'PUT' });
    return url;
  };
  try {
    for (let sample = 0; sample < SAMPLES; sample++) {
      env.log(`sync: sample ${sample + 1} of ${SAMPLES}, ${count} records each way`);
      await timeDexorm(await newDatabase(), count, dexorm);
      await timePouch(await newDatabase(), count, pouch);
    }
  } finally {
    await server.stop();
  }
  const rows = (['push', 'pull'] as const).map((direction, i): ResultRow => {
    const mine = median(dexorm[direction]);
    const theirs = median(pouch[direction]);
    notes.push(
      `10${'ab'[i]}: ${direction} ${Math.round((count / mine) * 1000)} records/s ` +
        `(PouchDB's replicator ${Math.round((count / theirs) * 1000)} records/s)`,
    );
    return {
      workload: `10${'ab'[i]}. ${direction} ${count.toLocaleString('en')} records ${direction === 'push' ? 'to' : 'from'} the server`,
      unit: 'ms',
      dexorm: mine,
      baseline: theirs,
      baselineName: 'PouchDB replicate',
      ratio: mine / theirs,
      target: '≤ 2.00',
      pass: mine / theirs <= 2,
      samples: `n=${dexorm[direction].length}/${pouch[direction].length}`,
    };
  });
  notes.push(
    "10: dexorm reads and writes IndexedDB (fake-indexeddb here), PouchDB's side uses its " +
      'in-memory adapter: the ratio includes that difference in storage',
  );
  return rows;
}

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

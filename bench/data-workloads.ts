import { Dexie } from 'dexie';
import { Database, type Migration, Model } from '../src/index.js';
import {
  type BenchEnvironment,
  check,
  type PairSamples,
  type ResultRow,
  ratioRow,
  sizes,
} from './harness.js';

/** Version 2 of a person: the full name of version 1 split in two. */
class Person extends Model<{ id?: number; first: string; last: string }> {
  static override table = 'people';
}

/** A note with a date and a nested value: what export and import carry. */
class Entry extends Model<{ id?: number; title: string; at: Date; tags: string[] }> {
  static override table = 'entries';
}

const STORES_V1 = { people: '++id' };

function splitName(person: Record<string, unknown>): void {
  const [first, ...rest] = String(person.name).split(' ');
  person.first = first;
  person.last = rest.join(' ');
  delete person.name;
}

const splitNames: Migration = (tx) => tx.table('people').toCollection().modify(splitName);

let databases = 0;
const freshName = (what: string) => `bench-data-${what}-${++databases}-${Date.now()}`;

/** A version 1 database of `count` people, closed; resolves to its name. */
async function versionOne(count: number): Promise<string> {
  const name = freshName('v1');
  const raw = new Dexie(name);
  raw.version(1).stores(STORES_V1);
  await raw
    .table('people')
    .bulkAdd(Array.from({ length: count }, (_, i) => ({ name: `Person ${i} Number${i}` })));
  raw.close();
  return name;
}

/**
 * Runs `measure` for each side `samples` times, alternating which goes first; each sample's
 * `prepare` (untimed) makes what it works on.
 */
async function pairOfSamples<T>(
  samples: number,
  prepare: () => Promise<T>,
  sides: { dexorm: (prepared: T) => Promise<void>; baseline: (prepared: T) => Promise<void> },
): Promise<PairSamples> {
  const result: PairSamples = { dexorm: [], baseline: [] };
  for (let sample = 0; sample < samples; sample++) {
    const order =
      sample % 2 === 0 ? (['dexorm', 'baseline'] as const) : (['baseline', 'dexorm'] as const);
    for (const side of order) {
      const prepared = await prepare();
      const started = performance.now();
      await sides[side](prepared);
      result[side].push(performance.now() - started);
    }
  }
  return result;
}

/**
 * 14. Data over time, at 10,000 and 100,000 records: a migration that splits a field of every
 * record, against a hand-written Dexie `upgrade()` doing the same (≤ 1.2); `db.export()` and
 * `db.import()` against dexie-export-import's `exportDB` and `importInto` used directly (≤ 1.2).
 */
export async function dataWorkloads(env: BenchEnvironment, notes: string[]): Promise<ResultRow[]> {
  // Imported when run: in Node, the globals it reads are set up by then (bench/node.ts).
  const { exportDB, importInto } = await import('dexie-export-import');
  const rows: ResultRow[] = [];
  const samples = Math.max(2, Math.round(3 * env.scale));
  for (const count of sizes()) {
    const label = count.toLocaleString('en');
    env.log(`data: migrating ${label} records`);
    const migration = await pairOfSamples(samples, () => versionOne(count), {
      dexorm: async (name) => {
        const db = new Database(name, {
          models: [Person],
          version: 2,
          migrations: { 2: splitNames },
        });
        await db.open();
        check((await db.dexie.table('people').get(count))?.first === 'Person', 'dexorm migrated');
        await db.delete();
      },
      baseline: async (name) => {
        const raw = new Dexie(name);
        raw.version(1).stores(STORES_V1);
        raw
          .version(2)
          .stores(STORES_V1)
          .upgrade((tx) => tx.table('people').toCollection().modify(splitName));
        await raw.open();
        check((await raw.table('people').get(count))?.first === 'Person', 'Dexie migrated');
        await raw.delete();
      },
    });
    rows.push(
      ratioRow(
        `14a. migrate ${label} records (split a field)`,
        'ms',
        migration,
        1.2,
        'Dexie upgrade()',
      ),
    );

    env.log(`data: export and import of ${label} records`);
    const sourceName = freshName('source');
    const source = new Database(sourceName, { models: [Entry] });
    await source.dexie.table('entries').bulkAdd(
      Array.from({ length: count }, (_, i) => ({
        title: `Entry ${i}`,
        at: new Date(1_700_000_000_000 + i * 1000),
        tags: ['a', `t${i % 10}`],
      })),
    );
    let exported: Blob | undefined;
    const exports = await pairOfSamples(samples, async () => undefined, {
      dexorm: async () => {
        exported = await source.export();
      },
      baseline: async () => {
        await exportDB(source.dexie);
      },
    });
    rows.push(ratioRow(`14b. export ${label} records`, 'ms', exports, 1.2, 'exportDB'));

    const blob = exported!;
    source.close();
    const imports = await pairOfSamples(
      samples,
      async () => {
        // The same name: an export imports only into its own database.
        await Dexie.delete(sourceName);
        return new Database(sourceName, { models: [Entry] });
      },
      {
        dexorm: async (target) => {
          await target.import(blob);
          check((await target.dexie.table('entries').count()) === count, 'dexorm imported');
          target.close();
        },
        baseline: async (target) => {
          await target.open();
          await importInto(target.dexie, blob);
          check((await target.dexie.table('entries').count()) === count, 'importInto imported');
          target.close();
        },
      },
    );
    rows.push(ratioRow(`14c. import ${label} records`, 'ms', imports, 1.2, 'importInto'));
    await Dexie.delete(sourceName);
  }
  notes.push(
    '14: each sample migrates, exports or imports a database of its own, made untimed before it',
  );
  return rows;
}

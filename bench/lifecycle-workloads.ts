import type { Table } from 'dexie';
import { z } from 'zod';
import { Database, Model, type ModelSchema } from '../src/index.js';
import { installReadCounter } from '../test/support/read-counter.js';
import {
  type BenchEnvironment,
  check,
  type PairPlan,
  type ResultRow,
  ratioRow,
  sizes,
  timePair,
} from './harness.js';

interface NoteRow {
  id?: number;
  folder_id: number;
  title: string;
  created_at?: Date;
  updated_at?: Date;
  deleted_at?: Date | null;
}

const noteSchema = z.object({
  id: z.number().optional(),
  folder_id: z.number(),
  title: z.string().min(1),
  created_at: z.date().optional(),
  updated_at: z.date().optional(),
  deleted_at: z.date().nullable().optional(),
});

/** Notes with timestamps, soft deletes and a zod schema: the lifecycle section's model. */
class Note extends Model<NoteRow> {
  static override table = 'notes';
  static override indexes = ['folder_id'];
  static override timestamps = true;
  static override softDeletes = true;
  static override schema: ModelSchema<NoteRow> = noteSchema;
}

/** Notes per folder: a folder's read returns half of them, the others trashed. */
const PER_FOLDER = 100;

/**
 * 12. The model lifecycle against hand-written Dexie doing the same work: `createMany(1,000)`
 * with timestamps and a zod schema (≤ 1.2), and reads of a soft-deleting model whose rows are
 * half trashed (≤ 1.3), at 10,000 and 100,000 notes; the reads also count records read.
 */
export async function lifecycleWorkloads(
  env: BenchEnvironment,
  notes: string[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const plan: PairPlan = {
    rounds: 2,
    time: 150 * env.scale,
    iterations: Math.max(3, Math.round(8 * env.scale)),
    warmupIterations: 2,
  };
  for (const size of sizes()) {
    const db = new Database(`dexorm-bench-lifecycle-${size}-${Date.now()}`, { models: [Note] });
    const counter = installReadCounter(db.dexie);
    try {
      await db.open();
      const table = db.dexie.table<NoteRow, number>('notes');
      await fill(env, table, size);
      const label = size.toLocaleString('en-US');
      const folder = Math.floor(size / PER_FOLDER / 2);

      env.log(`12. createMany(1,000) with timestamps and a schema, ${label} notes`);
      const batch = (tag: string) =>
        Array.from({ length: 1_000 }, (_, i) => ({ folder_id: -1, title: `${tag} ${i}` }));
      const created = await timePair(
        () => Note.createMany(batch('ours')),
        () => handWrittenCreate(table, batch('theirs')),
        // Writes of ~20 ms vary from call to call: 24 samples a side (8 in a quick run).
        { ...plan, rounds: 3, iterations: Math.max(3, Math.round(8 * env.scale)), time: 0 },
      );
      rows.push(
        ratioRow(`12a. createMany(1,000), timestamps + zod (${label} notes)`, 'ms', created, 1.2),
      );
      await table.where('folder_id').equals(-1).delete();

      const reads = [
        {
          id: '12b',
          title: `a folder's notes, half trashed (${label} notes)`,
          ours: () => Note.where('folder_id', folder).get(),
          // A bulk read filtered after: a cursor's filter() would step row by row, slower.
          theirs: async () =>
            (await table.where('folder_id').equals(folder).toArray()).filter(
              (row) => row.deleted_at == null,
            ),
        },
        {
          id: '12c',
          title: `the newest 20 notes not trashed (${label} notes)`,
          ours: () => Note.query().orderBy('id', 'desc').limit(20).get(),
          theirs: () =>
            table
              .orderBy('id')
              .reverse()
              .filter((row) => row.deleted_at == null)
              .limit(20)
              .toArray(),
        },
      ];
      for (const read of reads) {
        env.log(`12. ${read.title}`);
        const [ours, theirs] = [await read.ours(), await read.theirs()];
        check(
          ours.length === theirs.length && ours.length > 0,
          `${read.id} finds the same on both sides (${ours.length} and ${theirs.length})`,
        );
        counter.reset();
        await read.ours();
        const ourRecords = counter.records();
        counter.reset();
        await read.theirs();
        const theirRecords = counter.records();
        rows.push(
          ratioRow(
            `${read.id}. ${read.title}`,
            'ms',
            await timePair(read.ours, read.theirs, plan),
            1.3,
          ),
        );
        rows.push({
          workload: `${read.id}. records read per call (${label})`,
          unit: 'count',
          dexorm: ourRecords,
          baseline: theirRecords,
          baselineName: 'Dexie',
          ratio: ourRecords / theirRecords,
          target: '≤ 1.20',
          pass: ourRecords <= theirRecords * 1.2,
          samples: 'n=1/1',
        });
      }
    } finally {
      await db.delete().catch(() => undefined);
    }
  }
  notes.push(
    `12. lifecycle: ${sizes().join(', ')} notes, ${PER_FOLDER} per folder, every other one trashed`,
  );
  return rows;
}

/** What `createMany` does for these notes, written by hand: stamp, validate, one bulk add. */
async function handWrittenCreate(table: Table<NoteRow, number>, list: NoteRow[]): Promise<void> {
  const now = new Date();
  const records: NoteRow[] = [];
  for (const attributes of list) {
    const record = { ...attributes, created_at: now, updated_at: now };
    const result = await noteSchema['~standard'].validate(record);
    if (result.issues) throw new Error('invalid');
    records.push(record);
  }
  await table.db.transaction('rw', table, () => table.bulkAdd(records));
}

async function fill(env: BenchEnvironment, table: Table<NoteRow, number>, size: number) {
  env.log(`12. filling ${size} notes, every other one trashed`);
  const stamp = new Date(0);
  for (let start = 0; start < size; start += 10_000) {
    const batch: NoteRow[] = [];
    for (let i = start; i < Math.min(size, start + 10_000); i++) {
      batch.push({
        folder_id: Math.floor(i / PER_FOLDER),
        title: `note ${i}`,
        created_at: stamp,
        updated_at: stamp,
        deleted_at: i % 2 === 0 ? stamp : null,
      });
    }
    await table.bulkAdd(batch);
  }
  check((await table.count()) === size, `${size} notes stored`);
}

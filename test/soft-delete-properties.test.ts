import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Database, IntegrityError } from '../src/index.js';
import { Attachment, Folder, lifecycleDatabase, Note, Pin } from './support/lifecycle-models.js';
import { databaseSession } from './support/session.js';

/**
 * Property test: for random sequences of soft deletes, restores and force deletes over folders
 * (whose notes cascade and whose pins restrict) and notes (whose attachments cascade), every read
 * with and without `withTrashed()` equals what a naive model of the rules computes.
 */
const NUM_RUNS = 40;

type Action = 'delete' | 'restore' | 'forceDelete';
interface Step {
  readonly target: 'folder' | 'note' | 'pin';
  readonly index: number;
  readonly action: Action;
}

const steps = fc.array(
  fc.record({
    // Folders and soft deletes weigh more: a force delete ends what the sequence can reach.
    target: fc.constantFrom('folder', 'folder', 'note', 'pin'),
    index: fc.integer({ min: 0, max: 5 }),
    action: fc.constantFrom<Action>('delete', 'delete', 'restore', 'restore', 'forceDelete'),
  }),
  { maxLength: 16 },
);

/** What the rules say is stored: each record with its stamp (a step number), or gone. */
interface Naive {
  folders: Map<number, number | null>;
  notes: Map<number, { folder: number; stamp: number | null }>;
  attachments: Map<number, number>;
  pins: Map<number, { folder: number; stamp: number | null }>;
}

const session = databaseSession(lifecycleDatabase);

async function clearAll(db: Database): Promise<void> {
  const { dexie } = db;
  await dexie.transaction('rw', dexie.tables, () =>
    Promise.all(dexie.tables.map((table) => table.clear())),
  );
}

/** Two folders of three notes, each note with an attachment; one pin on the first folder. */
async function seed(): Promise<Naive> {
  const naive: Naive = {
    folders: new Map(),
    notes: new Map(),
    attachments: new Map(),
    pins: new Map(),
  };
  for (const name of ['a', 'b']) {
    const folder = await Folder.create({ name });
    naive.folders.set(folder.id!, null);
    for (const title of ['1', '2', '3']) {
      const note = await folder.notesRelation().create({ title: `${name}${title}` });
      naive.notes.set(note.id!, { folder: folder.id!, stamp: null });
      const attachment = await note.attachmentsRelation().create({ name: `${name}${title}` });
      naive.attachments.set(attachment.id!, note.id!);
    }
  }
  const pin = await Pin.create({ label: 'p', folder_id: [...naive.folders.keys()][0]! });
  naive.pins.set(pin.id!, { folder: pin.folder_id!, stamp: null });
  return naive;
}

/** Applies `step` to the naive model; false when the rules refuse it (a 'restrict'). */
function applyNaive(naive: Naive, step: Step, id: number, clock: number): boolean {
  if (step.target === 'pin') {
    const pin = naive.pins.get(id)!;
    if (step.action === 'delete' && pin.stamp === null) pin.stamp = clock;
    if (step.action === 'restore') pin.stamp = null;
    if (step.action === 'forceDelete') naive.pins.delete(id);
    return true;
  }
  if (step.target === 'note') {
    const note = naive.notes.get(id)!;
    if (step.action === 'delete' && note.stamp === null) note.stamp = clock;
    if (step.action === 'restore') note.stamp = null;
    if (step.action === 'forceDelete') removeNote(naive, id);
    return true;
  }
  const stamp = naive.folders.get(id)!;
  const pinned = [...naive.pins.values()].some((pin) => pin.folder === id && pin.stamp === null);
  const notes = [...naive.notes].filter(([, note]) => note.folder === id);
  if (step.action === 'delete') {
    if (stamp !== null) return true;
    if (pinned) return false;
    naive.folders.set(id, clock);
    for (const [, note] of notes) if (note.stamp === null) note.stamp = clock;
  }
  if (step.action === 'restore' && stamp !== null) {
    naive.folders.set(id, null);
    for (const [, note] of notes) if (note.stamp === stamp) note.stamp = null;
  }
  if (step.action === 'forceDelete') {
    if (pinned) return false;
    naive.folders.delete(id);
    for (const [noteId] of notes) removeNote(naive, noteId);
  }
  return true;
}

function removeNote(naive: Naive, id: number): void {
  naive.notes.delete(id);
  for (const [attachment, note] of naive.attachments) {
    if (note === id) naive.attachments.delete(attachment);
  }
}

/** The model `step` acts on, trashed or not; undefined once force-deleted. */
async function targetOf(step: Step, ids: readonly number[]) {
  const id = ids[step.index % ids.length]!;
  const model =
    step.target === 'folder'
      ? await Folder.withTrashed().where('id', id).first()
      : step.target === 'note'
        ? await Note.withTrashed().where('id', id).first()
        : await Pin.withTrashed().where('id', id).first();
  return model ? { id, model } : undefined;
}

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

async function expectReadsToMatch(naive: Naive): Promise<void> {
  const liveNotes = [...naive.notes].filter(([, note]) => note.stamp === null);
  expect(await Note.query().orderBy('id').pluck('id')).toEqual(sorted(liveNotes.map(([id]) => id)));
  expect(await Note.withTrashed().orderBy('id').pluck('id')).toEqual(sorted(naive.notes.keys()));
  expect(await Note.onlyTrashed().count()).toBe(naive.notes.size - liveNotes.length);
  const liveFolders = sorted([...naive.folders].filter(([, s]) => s === null).map(([id]) => id));
  expect(await Folder.query().orderBy('id').pluck('id')).toEqual(liveFolders);
  const counted = await Folder.withTrashed().orderBy('id').withCount('notes').get();
  expect(counted.map((folder) => [folder.id, folder.notes_count])).toEqual(
    sorted(naive.folders.keys()).map((id) => [
      id,
      liveNotes.filter(([, note]) => note.folder === id).length,
    ]),
  );
  expect(await Folder.query().has('notes').count()).toBe(
    liveFolders.filter((id) => liveNotes.some(([, note]) => note.folder === id)).length,
  );
  expect(sorted((await Attachment.query().pluck('id')) as number[])).toEqual(
    sorted(naive.attachments.keys()),
  );
  expect(await Pin.withTrashed().count()).toBe(naive.pins.size);
}

describe('soft deletes, property', () => {
  it('every read equals the naive model after random trash/restore/force-delete sequences', async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (sequence) => {
        await clearAll(session.db);
        const naive = await seed();
        const ids = {
          folder: sorted(naive.folders.keys()),
          note: sorted(naive.notes.keys()),
          pin: sorted(naive.pins.keys()),
        };
        let clock = 0;
        for (const step of sequence) {
          clock += 1;
          const target = await targetOf(step, ids[step.target]);
          if (!target) continue;
          // A new millisecond per step: a restore tells its cascade's stamp from an earlier one.
          await new Promise((resolve) => setTimeout(resolve, 2));
          const allowed = applyNaive(naive, step, target.id, clock);
          const outcome = await target.model[step.action]().then(
            () => undefined,
            (error: unknown) => error,
          );
          if (allowed) expect(outcome).toBeUndefined();
          else expect(outcome).toBeInstanceOf(IntegrityError);
        }
        await expectReadsToMatch(naive);
      }),
      {
        numRuns: NUM_RUNS,
        // A folder trashed with its notes, then restored with them.
        examples: [
          [
            [
              { target: 'folder', index: 1, action: 'delete' },
              { target: 'folder', index: 1, action: 'restore' },
            ],
          ],
        ],
      },
    );
  });
});

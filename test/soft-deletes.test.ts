import { describe, expect, it } from 'vitest';
import {
  Database,
  IntegrityError,
  ModelNotFoundError,
  SchemaError,
  UnsavedModelError,
} from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import {
  Attachment,
  Folder,
  lifecycleDatabase,
  Note,
  Pin,
  Workspace,
} from './support/lifecycle-models.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(lifecycleDatabase);

/** A folder with two notes, one of them with an attachment. */
async function seedFolder(name = 'work') {
  const folder = await Folder.create({ name });
  const first = await folder.notesRelation().create({ title: 'first' });
  const second = await folder.notesRelation().create({ title: 'second' });
  const attachment = await first.attachmentsRelation().create({ name: 'a.png' });
  return { folder, first, second, attachment };
}

/** Every stored row of `table`, as IndexedDB holds it. */
function stored(table: string) {
  return session.db.dexie.table(table).toArray();
}

describe('soft deletes', () => {
  it('delete() stamps deleted_at and keeps the record; trashed() tells', async () => {
    const { second } = await seedFolder();
    expect(second.trashed()).toBe(false);
    await second.delete();
    expect(second.trashed()).toBe(true);
    expect(second.deleted_at).toBeInstanceOf(Date);
    expect(second.exists).toBe(true);
    const row = (await stored('notes')).find((r) => r.id === second.id);
    expect(row?.deleted_at).toEqual(second.deleted_at);
    expect(row?.updated_at).toEqual(second.deleted_at);
  });

  it('every read leaves trashed models out, unless withTrashed() or onlyTrashed()', async () => {
    const { folder, first, second } = await seedFolder();
    await second.delete();
    expect(await Note.find(second.id!)).toBeNull();
    await expect(Note.findOrFail(second.id!)).rejects.toBeInstanceOf(ModelNotFoundError);
    expect(await Note.find(first.id!)).not.toBeNull();
    expect((await Note.findMany([first.id!, second.id!])).map((n) => n.title)).toEqual(['first']);
    expect((await Note.all()).map((n) => n.title)).toEqual(['first']);
    expect(await Note.count()).toBe(1);
    expect(await Note.query().where('title', 'second').exists()).toBe(false);
    expect(await Note.query().pluck('title')).toEqual(['first']);
    expect((await folder.notesRelation().getResults()).map((n) => n.title)).toEqual(['first']);
    expect(await folder.notesRelation().query().count()).toBe(1);
    const [loaded] = await Folder.query().with('notes').withCount('notes').get();
    expect(loaded!.notes.map((n) => n.title)).toEqual(['first']);
    expect(loaded!.notes_count).toBe(1);
    expect(await Folder.query().has('notes', '>=', 2).count()).toBe(0);
    expect(
      await Folder.query()
        .whereHas('notes', (q) => q.where('title', 'second'))
        .count(),
    ).toBe(0);
    expect(await Note.withTrashed().orderBy('id').pluck('title')).toEqual(['first', 'second']);
    expect(await Note.onlyTrashed().pluck('title')).toEqual(['second']);
    expect(await Note.query().onlyTrashed().count()).toBe(1);
    expect(
      (await Folder.query()
        .with({ notes: (q) => q.withTrashed() })
        .first())!.notes.length,
    ).toBe(2);
  });

  it('one of many picks among the models not trashed', async () => {
    const { folder, first, second } = await seedFolder();
    await second.delete();
    expect((await folder.latestNoteRelation().getResults())?.id).toBe(first.id);
    expect((await folder.latestNoteRelation().query().first())?.id).toBe(first.id);
    const [loaded] = await Folder.query().with('latestNote').get();
    expect(loaded!.latestNote?.id).toBe(first.id);
  });

  it('a trashed owner is no BelongsTo result', async () => {
    const { folder, first } = await seedFolder();
    await session.db.dexie.table('folders').update(folder.id!, { deleted_at: new Date() });
    expect(await first.folderRelation().getResults()).toBeNull();
    expect((await Note.query().with('folder').first())!.folder).toBeNull();
  });

  it('a trashed through model leads nowhere: its related models drop out of the through relation', async () => {
    const workspace = await Workspace.create({ name: 'w' });
    const kept = await workspace.foldersRelation().create({ name: 'kept' });
    const gone = await workspace.foldersRelation().create({ name: 'gone' });
    await kept.notesRelation().create({ title: 'in kept' });
    await gone.notesRelation().create({ title: 'in gone' });
    // Trashed without its cascade: its note stays live, reachable only through a trashed folder.
    await session.db.dexie.table('folders').update(gone.id!, { deleted_at: new Date() });
    expect((await workspace.notesRelation().getResults()).map((n) => n.title)).toEqual(['in kept']);
    const [loaded] = await Workspace.query().with('notes').withCount('notes').get();
    expect(loaded!.notes.map((n) => n.title)).toEqual(['in kept']);
    expect(loaded!.notes_count).toBe(1);
    expect(await Note.count()).toBe(2);
  });

  it('restore() clears the stamp and brings back what its cascade trashed, no more', async () => {
    const { folder, first, second } = await seedFolder();
    await second.delete();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await folder.delete();
    expect((await stored('notes')).every((n) => n.deleted_at instanceof Date)).toBe(true);
    expect(await Note.count()).toBe(0);
    const trashed = (await Folder.withTrashed().first())!;
    await trashed.restore();
    expect(trashed.trashed()).toBe(false);
    expect((await Note.all()).map((n) => n.title)).toEqual(['first']);
    const rows = await stored('notes');
    expect(rows.find((r) => r.id === first.id)?.deleted_at).toBeNull();
    expect(rows.find((r) => r.id === second.id)?.deleted_at).toBeInstanceOf(Date);
  });

  it("'cascade' trashes soft-deleting related models and leaves the others", async () => {
    const { folder } = await seedFolder();
    await folder.delete();
    expect(await stored('attachments')).toHaveLength(1);
    expect((await stored('notes')).map((n) => n.deleted_at)).toEqual([
      folder.deleted_at,
      folder.deleted_at,
    ]);
  });

  it("'restrict' counts only related models not trashed", async () => {
    const folder = await Folder.create({ name: 'pinned' });
    const pin = await folder.pinsRelation().create({ label: 'top' });
    await expect(folder.delete()).rejects.toBeInstanceOf(IntegrityError);
    expect(folder.trashed()).toBe(false);
    expect((await stored('folders'))[0]!.deleted_at).toBeUndefined();
    await expect(folder.forceDelete()).rejects.toBeInstanceOf(IntegrityError);
    await pin.delete();
    expect(pin.removed_at).toBeInstanceOf(Date);
    await folder.delete();
    expect(folder.trashed()).toBe(true);
    await folder.forceDelete();
    expect(await stored('folders')).toEqual([]);
    expect((await stored('pins'))[0]!.folder_id).toBe(folder.id);
  });

  it('forceDelete() removes the record and applies the delete rules as a delete', async () => {
    const { folder } = await seedFolder();
    await folder.forceDelete();
    expect(await stored('folders')).toEqual([]);
    expect(await stored('notes')).toEqual([]);
    expect(await stored('attachments')).toEqual([]);
    expect(folder.exists).toBe(false);
  });

  it('query delete() soft-deletes, forceDelete() removes; counts what it matched', async () => {
    await seedFolder('a');
    await seedFolder('b');
    expect(await Note.where('title', 'first').delete()).toBe(2);
    expect(await Note.count()).toBe(2);
    expect(await stored('notes')).toHaveLength(4);
    expect(await Note.onlyTrashed().forceDelete()).toBe(2);
    expect(await stored('notes')).toHaveLength(2);
    expect(await stored('attachments')).toHaveLength(0);
  });

  it('a trashed record still holds its unique values', async () => {
    const { second } = await seedFolder();
    await second.delete();
    const again = await Note.withTrashed().where('id', second.id!).first();
    expect(again?.title).toBe('second');
  });

  it('typed errors: restore without soft deletes or a key, withTrashed on a plain model', async () => {
    const attachment = await Attachment.create({ name: 'x' });
    await expect((attachment as unknown as Note).restore()).rejects.toBeInstanceOf(SchemaError);
    await expect(new Note({ title: 'unsaved' }).restore()).rejects.toBeInstanceOf(
      UnsavedModelError,
    );
    // @ts-expect-error Attachment declares no soft-delete column
    expect(() => Attachment.withTrashed()).toThrow(SchemaError);
    // @ts-expect-error the same on a query
    expect(() => Attachment.query().withTrashed()).toThrow(SchemaError);
  });

  it('is atomic at every step of a cascading soft delete and of its restore', async () => {
    let db = session.db;
    const make = () => {
      db = lifecycleDatabase();
      return db;
    };
    const deletes = await expectAtomicAtEveryStep(
      make,
      () => seedFolder(),
      ({ folder }) => Folder.findOrFail(folder.id!).then((found) => found.delete()),
    );
    expect(deletes).toBeGreaterThanOrEqual(2);
    const restores = await expectAtomicAtEveryStep(
      make,
      async () => {
        const seeded = await seedFolder();
        await seeded.folder.delete();
        return seeded;
      },
      async ({ folder }) => (await Folder.withTrashed().where('id', folder.id!).first())!.restore(),
    );
    expect(restores).toBeGreaterThanOrEqual(2);
  });

  it('a live query stops seeing a model the moment it is trashed, and sees it restored', async () => {
    const { folder, second } = await seedFolder();
    const titles = session.watch(folder.notesRelation().observe());
    expect((await titles.nth(1)).map((n) => n.title)).toEqual(['first', 'second']);
    await second.delete();
    expect((await titles.nth(2)).map((n) => n.title)).toEqual(['first']);
    await second.restore();
    expect((await titles.nth(3)).map((n) => n.title)).toEqual(['first', 'second']);
    const one = session.watch(second.observe());
    expect((await one.nth(1))?.title).toBe('second');
    await second.delete();
    expect(await one.nth(2)).toBeNull();
  });

  it('two connections trash and restore the same record: each sees the other', async () => {
    const { folder, second } = await seedFolder();
    const live = session.watch(folder.notesRelation().observe());
    expect(await live.nth(1)).toHaveLength(2);
    // Constructed last, the second connection serves the model classes outside transactions.
    const other = session.track(new Database(session.db.name, { models: session.db.models }));
    const there = (await Note.find(second.id!))!;
    await there.delete();
    expect((await live.nth(2)).map((n) => n.title)).toEqual(['first']);
    expect(await session.db.transaction(() => Note.find(second.id!))).toBeNull();
    await session.db.transaction(async () => {
      const here = (await Note.withTrashed().where('id', second.id!).first())!;
      await here.restore();
    });
    expect((await live.nth(3)).map((n) => n.title)).toEqual(['first', 'second']);
    expect(await Note.count()).toBe(2);
    expect(other.name).toBe(session.db.name);
  });
});

describe('soft deletes on a column of its own name', () => {
  it('stamps removed_at', async () => {
    const pin = await Pin.create({ label: 'x' });
    await pin.delete();
    expect(pin.trashed()).toBe(true);
    expect(await Pin.count()).toBe(0);
    expect(await Pin.withTrashed().count()).toBe(1);
  });
});

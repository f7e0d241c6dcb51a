import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { Attachment, Folder, lifecycleDatabase, Note } from './support/lifecycle-models.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(lifecycleDatabase);

function stored(table: string) {
  return session.db.dexie.table(table).toArray();
}

/** Resolves after the clock has moved on, so that a new stamp differs from the last. */
function tick() {
  return new Promise((resolve) => setTimeout(resolve, 3));
}

describe('timestamps', () => {
  it('create, createMany, save and relation writes stamp created_at and updated_at', async () => {
    const folder = await Folder.create({ name: 'f' });
    const [a, b] = await Folder.createMany([{ name: 'a' }, { name: 'b' }]);
    const made = new Folder({ name: 'c' });
    await made.save();
    const note = await folder.notesRelation().create({ title: 'n' });
    const [m1] = await folder.notesRelation().createMany([{ title: 'm1' }]);
    const saved = await folder.notesRelation().save(new Note({ title: 's' }));
    for (const model of [folder, a!, b!, made, note, m1!, saved]) {
      expect(model.created_at).toBeInstanceOf(Date);
      expect(model.updated_at).toEqual(model.created_at);
    }
    for (const row of [...(await stored('folders')), ...(await stored('notes'))]) {
      expect(row.created_at).toBeInstanceOf(Date);
      expect(row.updated_at).toBeInstanceOf(Date);
    }
  });

  it('an update sets updated_at alone; a write that changes nothing stamps nothing', async () => {
    const folder = await Folder.create({ name: 'f' });
    const created = folder.created_at!;
    await tick();
    await folder.save();
    expect(folder.updated_at).toEqual(created);
    folder.name = 'renamed';
    await folder.save();
    expect(folder.created_at).toEqual(created);
    expect(folder.updated_at!.getTime()).toBeGreaterThan(created.getTime());
    const [row] = await stored('folders');
    expect(row).toMatchObject({
      name: 'renamed',
      created_at: created,
      updated_at: folder.updated_at,
    });
  });

  it('query update() stamps the records it changes, and only those', async () => {
    const [same, other] = await Folder.createMany([{ name: 'x' }, { name: 'y' }]);
    await tick();
    expect(await Folder.query().update({ name: 'x' })).toBe(2);
    const rows = await stored('folders');
    expect(rows.find((r) => r.id === same!.id)!.updated_at).toEqual(same!.updated_at);
    expect(rows.find((r) => r.id === other!.id)!.updated_at.getTime()).toBeGreaterThan(
      other!.updated_at!.getTime(),
    );
  });

  it('updateOrCreate stamps both ways', async () => {
    const folder = await Folder.create({ name: 'f' });
    const note = await folder.notesRelation().updateOrCreate({ title: 'only' }, { title: 'one' });
    expect(note.created_at).toBeInstanceOf(Date);
    await tick();
    const again = await folder.notesRelation().updateOrCreate({ title: 'one' }, { title: 'two' });
    expect(again.updated_at!.getTime()).toBeGreaterThan(note.updated_at!.getTime());
  });

  it('touch() sets updated_at alone; touches stamps the owner in the same write', async () => {
    const folder = await Folder.create({ name: 'f' });
    await tick();
    await folder.touch();
    expect(folder.updated_at!.getTime()).toBeGreaterThan(folder.created_at!.getTime());
    await tick();
    const note = await folder.notesRelation().create({ title: 'n' });
    const [row] = await stored('folders');
    expect(row!.updated_at).toEqual(note.created_at);
    await tick();
    note.title = 'edited';
    await note.save();
    expect((await stored('folders'))[0]!.updated_at).toEqual(note.updated_at);
  });

  it('touch() on a model without timestamps is a ValidationError, nothing written', async () => {
    const attachment = await Attachment.create({ name: 'x' });
    await expect(attachment.touch()).rejects.toBeInstanceOf(ValidationError);
    expect(await stored('attachments')).toEqual([{ id: attachment.id, name: 'x' }]);
  });
});

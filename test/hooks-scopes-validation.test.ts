import { afterEach, describe, expect, it } from 'vitest';
import { SchemaError, ValidationError } from '../src/index.js';
import {
  Article,
  Folder,
  hookBehaviour,
  hookLog,
  lifecycleDatabase,
  Note,
  Pin,
} from './support/lifecycle-models.js';
import { databaseSession } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

const session = databaseSession(lifecycleDatabase);

afterEach(() => {
  hookLog.length = 0;
  hookBehaviour.fail = undefined;
  hookBehaviour.change = undefined;
});

function stored(table: string) {
  return session.db.dexie.table(table).toArray();
}

describe('hooks', () => {
  it('run in order on every write path', async () => {
    const article = await Article.create({ title: 'a', published: true });
    expect(hookLog.splice(0)).toEqual(['saving:a', 'creating:a', 'created:a', 'saved:a']);
    article.title = 'b';
    await article.save();
    expect(hookLog.splice(0)).toEqual(['saving:b', 'updating:b', 'updated:b', 'saved:b']);
    await article.save();
    expect(hookLog.splice(0)).toEqual(['saving:b', 'saved:b']);
    await Article.createMany([
      { title: 'c', published: true },
      { title: 'd', published: false },
    ]);
    expect(hookLog.splice(0)).toEqual([
      'saving:c',
      'creating:c',
      'saving:d',
      'creating:d',
      'created:c',
      'saved:c',
      'created:d',
      'saved:d',
    ]);
    expect(await Article.withoutGlobalScopes().update({ rating: 3 })).toBe(3);
    expect(hookLog.splice(0).filter((entry) => entry.startsWith('updated'))).toEqual([
      'updated:b',
      'updated:c',
      'updated:d',
    ]);
    expect(await Article.where('title', 'c').delete()).toBe(1);
    expect(hookLog.splice(0)).toEqual(['deleting:c', 'deleted:c']);
    await article.delete();
    expect(hookLog.splice(0)).toEqual(['deleting:b', 'deleted:b']);
  });

  it('an -ing hook may change the model before it is written', async () => {
    hookBehaviour.change = async (article) => {
      article.title = article.title.toUpperCase();
    };
    const article = await Article.create({ title: 'loud', published: true });
    expect(article.title).toBe('LOUD');
    expect((await stored('articles'))[0]!.title).toBe('LOUD');
  });

  it.each(['saving', 'creating', 'created', 'saved'])(
    'a create whose %s hook throws writes nothing, and the model stays new',
    async (hook) => {
      const before = await snapshotTables(session.db);
      hookBehaviour.fail = hook;
      const article = new Article({ title: 'x', published: true });
      await expect(article.save()).rejects.toThrow(`${hook} refused`);
      expect(await snapshotTables(session.db)).toEqual(before);
      expect(article.exists).toBe(false);
      expect(article.id).toBeUndefined();
    },
  );

  it.each(['saving', 'updating', 'updated', 'saved'])(
    'an update whose %s hook throws writes nothing',
    async (hook) => {
      const article = await Article.create({ title: 'x', published: true });
      const before = await snapshotTables(session.db);
      hookBehaviour.fail = hook;
      article.title = 'y';
      await expect(article.save()).rejects.toThrow(`${hook} refused`);
      expect(await snapshotTables(session.db)).toEqual(before);
      expect(article.isDirty('title')).toBe(true);
    },
  );

  it.each(['deleting', 'deleted'])(
    'a delete whose %s hook throws deletes nothing',
    async (hook) => {
      const [one] = await Article.createMany([
        { title: 'x', published: true },
        { title: 'y', published: true },
      ]);
      const before = await snapshotTables(session.db);
      hookBehaviour.fail = hook;
      await expect(one!.delete()).rejects.toThrow(`${hook} refused`);
      await expect(Article.query().delete()).rejects.toThrow(`${hook} refused`);
      expect(await snapshotTables(session.db)).toEqual(before);
    },
  );

  it('a soft delete and a restore run their hooks; a throwing restoring hook restores nothing', async () => {
    const pin = await Pin.create({ label: 'p' });
    await pin.delete();
    expect(hookLog.splice(0)).toEqual(['deleting:p:kept', 'deleted:p:trashed']);
    await pin.restore();
    expect(hookLog.splice(0)).toEqual(['restoring:p:trashed', 'restored:p:kept']);
    await pin.delete();
    hookBehaviour.fail = 'restoring';
    await expect(pin.restore()).rejects.toThrow('restoring refused');
    expect(pin.trashed()).toBe(true);
    expect((await stored('pins'))[0]!.removed_at).toBeInstanceOf(Date);
  });

  it('a createMany whose hook throws for the second model writes none', async () => {
    hookBehaviour.change = async (article) => {
      if (article.title === 'bad') throw new Error('no bad titles');
    };
    await expect(
      Article.createMany([
        { title: 'good', published: true },
        { title: 'bad', published: true },
      ]),
    ).rejects.toThrow('no bad titles');
    expect(await stored('articles')).toEqual([]);
  });

  it('async hooks of 500 models keep the bulk write in one transaction', async () => {
    const list = Array.from({ length: 500 }, (_, i) => ({ title: `t${i}`, published: true }));
    await Article.createMany(list);
    expect(await session.db.dexie.table('articles').count()).toBe(500);
    expect(await Article.query().update({ rating: 2 })).toBe(500);
    const rows = await stored('articles');
    expect(rows.every((row) => row.rating === 2)).toBe(true);
    expect(hookLog.filter((entry) => entry.startsWith('updated:'))).toHaveLength(500);
    expect(await Article.query().delete()).toBe(500);
    expect(await stored('articles')).toEqual([]);
  });

  it('hooks may write other models in the same transaction', async () => {
    hookBehaviour.change = (article) =>
      article.title === 'x' ? Folder.create({ name: `for ${article.title}` }) : undefined;
    await Article.create({ title: 'x', published: true });
    expect((await stored('folders')).map((f) => f.name)).toEqual(['for x', 'for x']);
    hookLog.length = 0;
    hookBehaviour.fail = 'created';
    await expect(Article.create({ title: 'x', published: true })).rejects.toThrow();
    expect(await stored('folders')).toHaveLength(2);
    expect(await stored('articles')).toHaveLength(1);
  });
});

describe('global scopes', () => {
  it('constrain every read unless lifted', async () => {
    await Article.createMany([
      { title: 'out', published: true },
      { title: 'draft', published: false },
    ]);
    expect(await Article.query().pluck('title')).toEqual(['out']);
    expect(await Article.count()).toBe(1);
    const draft = (await stored('articles')).find((r) => r.title === 'draft')!;
    expect(await Article.find(draft.id)).toBeNull();
    expect(await Article.withoutGlobalScope('published').count()).toBe(2);
    expect(await Article.withoutGlobalScopes().orderBy('title').pluck('title')).toEqual([
      'draft',
      'out',
    ]);
    const explained = await Article.query().explain();
    expect(explained.filters.join(' ')).toContain('published');
    const live = session.watch(Article.query().observeCount());
    expect(await live.nth(1)).toBe(1);
    await Article.withoutGlobalScopes().update({ published: true });
    expect(await live.nth(2)).toBe(2);
  });

  it('an unknown scope name is a SchemaError', () => {
    expect(() => Article.withoutGlobalScope('publishd')).toThrow(SchemaError);
  });
});

describe('validation', () => {
  it('a zod schema refuses bad attributes with each issue, nothing written', async () => {
    const error = await Note.create({ title: '' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'title', message: 'a title is needed' },
    ]);
    expect(await stored('notes')).toEqual([]);
  });

  it('a valibot schema refuses on update and on query update(), nothing written', async () => {
    const article = await Article.create({ title: 'ok', published: true });
    article.title = 'x'.repeat(41);
    const error = (await article.save().catch((caught: unknown) => caught)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues[0]).toEqual({ path: 'title', message: 'at most 40 characters' });
    await expect(Article.query().update({ rating: 9 })).rejects.toBeInstanceOf(ValidationError);
    expect(await stored('articles')).toEqual([{ id: article.id, title: 'ok', published: true }]);
  });

  it('a title of the wrong type is refused on createMany, nothing written', async () => {
    const bad = [{ title: 'fine' }, { title: 12345 as unknown as string }];
    await expect(Note.createMany(bad)).rejects.toBeInstanceOf(ValidationError);
    expect(await stored('notes')).toEqual([]);
  });

  it('where/orderBy on a field the schema does not have is a SchemaError', () => {
    expect(() => Note.where('titel' as 'title', 'x')).toThrow(SchemaError);
    expect(() => Article.query().orderBy('ratng' as 'rating')).toThrow(SchemaError);
    expect(() => Note.where('deleted_at', null)).not.toThrow();
  });
});

describe('foreign keys of the wrong type', () => {
  it('are refused on every write path, nothing written', async () => {
    const folder = await Folder.create({ name: 'f' });
    const before = await snapshotTables(session.db);
    const text = String(folder.id) as unknown as number;
    const attempts: [string, () => Promise<unknown>][] = [
      ['create', () => Note.create({ title: 'n', folder_id: text })],
      ['createMany', () => Note.createMany([{ title: 'n', folder_id: text }])],
      ['save', () => new Note({ title: 'n', folder_id: text }).save()],
      ['db.dexie', () => session.db.dexie.table('notes').add({ title: 'n', folder_id: text })],
      ['object', () => Note.create({ title: 'n', folder_id: {} as unknown as number })],
    ];
    for (const [path, attempt] of attempts) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error, path).toBeInstanceOf(ValidationError);
    }
    expect(await snapshotTables(session.db)).toEqual(before);
    const note = await folder.notesRelation().create({ title: 'ok' });
    await expect(Note.query().update({ folder_id: text })).rejects.toBeInstanceOf(ValidationError);
    note.folder_id = text;
    await expect(note.save()).rejects.toBeInstanceOf(ValidationError);
    expect((await stored('notes'))[0]!.folder_id).toBe(folder.id);
    expect(await folder.notesRelation().query().count()).toBe(1);
  });
});

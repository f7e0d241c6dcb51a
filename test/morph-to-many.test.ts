import { describe, expect, it } from 'vitest';
import { Database, Model, type MorphToMany, ValidationError } from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { uniqueName } from './support/more-models.js';
import { databaseSession, removeDatabase } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

interface Taggable {
  label_id: number;
  taggable_type: string;
  taggable_id: number;
  by?: string;
}

class Article extends Model<{ id?: number; title: string }> {
  static override table = 'articles';
  tagsRelation(): MorphToMany<Article, Label, Taggable> {
    return this.morphToMany(Label, 'taggable');
  }
}
class Clip extends Model<{ id?: number; title: string }> {
  static override table = 'clips';
  tagsRelation(): MorphToMany<Clip, Label, Taggable> {
    return this.morphToMany(Label, 'taggable');
  }
}
class Label extends Model<{ id?: number; name: string }> {
  static override table = 'labels';
  articlesRelation(): MorphToMany<Label, Article, Taggable> {
    return this.morphedByMany(Article, 'taggable');
  }
  clipsRelation(): MorphToMany<Label, Clip, Taggable> {
    return this.morphedByMany(Clip, 'taggable');
  }
}

const MODELS = [Article, Clip, Label];
const session = databaseSession(() => new Database(uniqueName('morph-many'), { models: MODELS }));
const pivotRows = () => session.db.dexie.table('taggables').toArray();
const names = (labels: readonly { name: string }[]) => labels.map((label) => label.name);

/** Article 1 and clip 1 (the same key in two tables), tagged from one pivot. */
async function seed() {
  const article = await Article.create({ title: 'a' });
  const clip = await Clip.create({ title: 'c' });
  const [red, blue, green] = await Label.createMany([
    { name: 'red' },
    { name: 'blue' },
    { name: 'green' },
  ]);
  await article.tagsRelation().attach([red!.id!, blue!.id!], { by: 'ada' });
  await clip.tagsRelation().attach([blue!.id!, green!.id!]);
  return { article, clip, red: red!, blue: blue!, green: green! };
}

describe('MorphToMany and MorphedByMany', () => {
  it('derive one pivot, keyed and indexed by type', () => {
    expect(session.db.schema.taggables).toBe(
      '[label_id+taggable_id+taggable_type], label_id, [taggable_type+taggable_id]',
    );
  });

  it('pair models of two tables with the same key apart, both ways', async () => {
    const { article, clip, blue } = await seed();
    expect(article.id).toBe(clip.id);
    expect(await pivotRows()).toHaveLength(4);
    expect(names(await article.tagsRelation().getResults())).toEqual(['red', 'blue']);
    expect(names(await clip.tagsRelation().getResults())).toEqual(['blue', 'green']);
    expect((await article.tagsRelation().getResults())[0]!.pivot.by).toBe('ada');
    expect((await blue.articlesRelation().getResults()).map((a) => a.title)).toEqual(['a']);
    expect((await blue.clipsRelation().getResults()).map((c) => c.title)).toEqual(['c']);
    expect(await article.tagsRelation().query().count()).toBe(2);
    const [loaded] = await Article.query().with('tags').withCount('tags').get();
    expect([names(loaded!.tags), loaded!.tags_count]).toEqual([['red', 'blue'], 2]);
    const labels = await Label.query().withCount('articles', 'clips').orderBy('id').get();
    expect(labels.map((label) => [label.name, label.articles_count, label.clips_count])).toEqual([
      ['red', 1, 0],
      ['blue', 1, 1],
      ['green', 0, 1],
    ]);
    expect(names(await Label.query().has('clips').orderBy('id').get())).toEqual(['blue', 'green']);
  });

  it('detach, sync and toggle touch only their own type’s rows', async () => {
    const { article, clip, red, green } = await seed();
    expect(await article.tagsRelation().detach()).toBe(2);
    expect(names(await clip.tagsRelation().getResults())).toEqual(['blue', 'green']);
    expect(await article.tagsRelation().sync([green.id!])).toEqual({
      attached: [green.id],
      detached: [],
      updated: [],
    });
    expect(await clip.tagsRelation().toggle([red.id!, green.id!])).toEqual({
      attached: [red.id],
      detached: [green.id],
    });
    const rows = await pivotRows();
    expect(rows.map((row) => [row.taggable_type, row.taggable_id, row.label_id]).sort()).toEqual(
      [
        ['articles', article.id, green.id],
        ['clips', clip.id, 2],
        ['clips', clip.id, red.id],
      ].sort(),
    );
  });

  it('deleting a model of either side removes its pivot rows, and only those', async () => {
    const { article, clip, blue } = await seed();
    await article.delete();
    expect((await pivotRows()).map((row) => row.taggable_type)).toEqual(['clips', 'clips']);
    await blue.delete();
    expect((await pivotRows()).map((row) => row.label_id)).toEqual([3]);
    expect(names(await clip.tagsRelation().getResults())).toEqual(['green']);
  });

  it('reads once per level, for 1 parent as for 300', async () => {
    const countsFor = async (count: number) => {
      const articles = await Article.createMany(
        Array.from({ length: count }, (_, i) => ({ title: `a${i}` })),
      );
      const label = await Label.create({ name: `l${count}` });
      for (const article of articles) await article.tagsRelation().attach([label.id!]);
      session.counter.reset();
      const loaded = await Article.query().with('tags').get();
      expect(loaded.every((article) => article.tags.length === 1)).toBe(true);
      const counts = session.counter.byTable();
      await session.db.dexie.transaction('rw', session.db.dexie.tables, () =>
        Promise.all(session.db.dexie.tables.map((table) => table.clear())),
      );
      return counts;
    };
    const one = await countsFor(1);
    expect(await countsFor(300)).toEqual(one);
    expect(one).toEqual({ articles: 1, taggables: 1, labels: 1 });
  });

  it('live: re-emits when its own type’s pivot changes, not another type’s', async () => {
    const { article, clip, green } = await seed();
    const live = session.watch(article.tagsRelation().observe());
    expect(names(await live.nth(1))).toEqual(['red', 'blue']);
    await clip.tagsRelation().detach([green.id!]);
    await article.tagsRelation().attach([green.id!]);
    expect(names(await live.nth(2))).toEqual(['red', 'blue', 'green']);
    expect(live.values).toHaveLength(2);
  });

  it('refuses a key of the wrong type, atomic at every step of createMany', async () => {
    const { article } = await seed();
    const before = await snapshotTables(session.db);
    await expect(
      session.db.dexie
        .table('taggables')
        .add({ label_id: 1, taggable_type: 'articles', taggable_id: String(article.id) }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await snapshotTables(session.db)).toEqual(before);
    let db = session.db;
    const writes = await expectAtomicAtEveryStep(
      () => {
        db = new Database(uniqueName('morph-many'), { models: MODELS });
        return db;
      },
      () => Article.create({ title: 'x' }),
      (fresh) => fresh.tagsRelation().createMany([{ name: 'p' }, { name: 'q' }]),
    );
    expect(writes).toBeGreaterThanOrEqual(2);
    await removeDatabase(db);
  });
});

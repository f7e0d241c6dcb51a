import { describe, expect, it } from 'vitest';
import {
  type BelongsToMany,
  Database,
  DexormError,
  type HasMany,
  type HasOne,
  IntegrityError,
  Model,
  type MorphMany,
  type MorphOne,
  SchemaError,
} from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { databaseSession } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

class Author extends Model<{ id?: number; name: string }> {
  static override table = 'authors';
  articlesRelation(): HasMany<Author, Article> {
    return this.hasMany(Article, 'author_id').onDelete('cascade');
  }
  bioRelation(): HasOne<Author, Bio> {
    return this.hasOne(Bio, 'author_id').onDelete('setNull');
  }
}
class Article extends Model<{ id?: number; title: string; author_id?: number | null }> {
  static override table = 'articles';
  notesRelation(): MorphMany<Article, Note> {
    return this.morphMany(Note, 'notable').onDelete('cascade');
  }
  coverRelation(): MorphOne<Article, Cover> {
    return this.morphOne(Cover, 'coverable').onDelete('setNull');
  }
  labelsRelation(): BelongsToMany<Article, Label> {
    return this.belongsToMany(Label);
  }
  reviewsRelation(): HasMany<Article, Review> {
    return this.hasMany(Review, 'article_id').onDelete('restrict');
  }
}
class Note extends Model<{
  id?: number;
  body: string;
  notable_type?: string | null;
  notable_id?: number | null;
}> {
  static override table = 'notes';
}
class Cover extends Model<{
  id?: number;
  url: string;
  coverable_type?: string | null;
  coverable_id?: number | null;
}> {
  static override table = 'covers';
}
class Bio extends Model<{ id?: number; text: string; author_id?: number | null }> {
  static override table = 'bios';
}
class Label extends Model<{ id?: number; name: string }> {
  static override table = 'labels';
}
class Review extends Model<{ id?: number; stars: number; article_id?: number | null }> {
  static override table = 'reviews';
}
class Folder extends Model<{ id?: number; name: string; parent_id?: number | null }> {
  static override table = 'folders';
  childrenRelation(): HasMany<Folder, Folder> {
    return this.hasMany(Folder, 'parent_id').onDelete('cascade');
  }
}

const MODELS = [Author, Article, Note, Cover, Bio, Label, Review, Folder];
let made = 0;
const database = () =>
  new Database(`dexorm-delete-rules-${++made}-${Date.now()}`, { models: MODELS });
const session = databaseSession(database);

const rows = (table: string) => session.db.dexie.table(table).orderBy(':id').toArray();

/** Two authors, each with two articles; every article with notes, a cover and a label. */
async function seedLibrary() {
  const [ada, bob] = await Author.createMany([{ name: 'Ada' }, { name: 'Bob' }]);
  const articles = await Article.createMany([
    { title: 'a1', author_id: ada!.id },
    { title: 'a2', author_id: ada!.id },
    { title: 'b1', author_id: bob!.id },
  ]);
  const label = await Label.create({ name: 'news' });
  for (const article of articles) {
    await article.notesRelation().createMany([{ body: `${article.title}-n1` }, { body: 'n2' }]);
    await article.coverRelation().create({ url: `${article.title}.png` });
    await article.labelsRelation().attach(label);
  }
  await ada!.bioRelation().create({ text: 'about Ada' });
  await bob!.bioRelation().create({ text: 'about Bob' });
  return { ada: ada!, bob: bob!, articles, label };
}

describe('delete rules', () => {
  describe("'cascade'", () => {
    it('deletes the related models, applying their own rules in turn', async () => {
      const { ada, bob } = await seedLibrary();
      await ada.delete();
      expect((await rows('authors')).map((row) => row.name)).toEqual(['Bob']);
      expect((await rows('articles')).map((row) => row.title)).toEqual(['b1']);
      // Notes of Ada's articles went with them (a polymorphic cascade, one level further).
      expect((await rows('notes')).map((row) => row.body)).toEqual(['b1-n1', 'n2']);
      expect(await rows('article_label')).toEqual([{ article_id: 3, label_id: 1 }]);
      expect(await rows('labels')).toEqual([{ id: 1, name: 'news' }]);
      // 'setNull' one level down: the covers of deleted articles stay, pointing at nothing.
      expect(await rows('covers')).toEqual([
        { id: 1, url: 'a1.png', coverable_type: null, coverable_id: null },
        { id: 2, url: 'a2.png', coverable_type: null, coverable_id: null },
        { id: 3, url: 'b1.png', coverable_type: 'articles', coverable_id: 3 },
      ]);
      expect(await rows('bios')).toEqual([
        { id: 1, text: 'about Ada', author_id: null },
        { id: 2, text: 'about Bob', author_id: bob.id },
      ]);
    });

    it('applies to query().delete(), which counts only the models of its query', async () => {
      await seedLibrary();
      expect(await Author.query().delete()).toBe(2);
      expect(await rows('articles')).toEqual([]);
      expect(await rows('notes')).toEqual([]);
      expect(await rows('article_label')).toEqual([]);
      expect((await rows('bios')).map((row) => row.author_id)).toEqual([null, null]);
    });

    it('ends on cycles, deleting each record once', async () => {
      const a = await Folder.create({ name: 'a' });
      const b = await Folder.create({ name: 'b', parent_id: a.id });
      await Folder.create({ name: 'c', parent_id: b.id });
      await a.fill({ parent_id: b.id }).save(); // a ← b ← c, and a's parent is b: a cycle
      const other = await Folder.create({ name: 'other' });
      await b.delete();
      expect(await rows('folders')).toEqual([{ id: other.id, name: 'other' }]);
    });

    it('holds for a delete made through db.dexie in a transaction over the tables', async () => {
      const { ada } = await seedLibrary();
      const dexie = session.db.dexie;
      await dexie.transaction('rw', dexie.tables, () => dexie.table('authors').delete(ada.id!));
      expect((await rows('articles')).map((row) => row.title)).toEqual(['b1']);
      expect((await rows('notes')).length).toBe(2);
    });

    it('refuses a db.dexie delete whose transaction lacks a dependent table, deleting nothing', async () => {
      const { ada } = await seedLibrary();
      const before = await snapshotTables(session.db);
      const error = await session.db.dexie
        .table('authors')
        .delete(ada.id!)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect(String((error as Error).message)).toContain('"articles"');
      expect(await snapshotTables(session.db)).toEqual(before);
    });

    it('rolls back with the transaction around it', async () => {
      const { ada } = await seedLibrary();
      const before = await snapshotTables(session.db);
      const failure = new Error('changed my mind');
      await expect(
        session.db.transaction(async () => {
          await ada.delete();
          expect(await Article.count()).toBe(1);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await snapshotTables(session.db)).toEqual(before);
    });

    it('lets the transaction around it go on writing after the cascade', async () => {
      const { ada } = await seedLibrary();
      await session.db.transaction(async () => {
        await ada.delete();
        await Label.create({ name: 'after the cascade' });
        await Author.query().delete();
        await Label.create({ name: 'after a query delete' });
      });
      expect((await rows('labels')).map((row) => row.name)).toEqual([
        'news',
        'after the cascade',
        'after a query delete',
      ]);
      expect(await rows('articles')).toEqual([]);
    });

    it('keeps live relations live: an observer of the related list sees it empty', async () => {
      const { ada } = await seedLibrary();
      const notes = session.watch((await Article.findOrFail(1)).notesRelation().observe());
      expect((await notes.nth(1)).length).toBe(2);
      await ada.delete();
      expect(await notes.nth(2)).toEqual([]);
    });

    it('leaves the database as it was when a fault hits any step (3 levels, 101 records)', async () => {
      let db: Database | undefined;
      const writes = await expectAtomicAtEveryStep(
        () => {
          db = database();
          return db;
        },
        async () => {
          const author = await Author.create({ name: 'many' });
          const articles = await Article.createMany(
            Array.from({ length: 10 }, (_, i) => ({ title: `t${i}`, author_id: author.id })),
          );
          await Note.createMany(
            articles.flatMap((article) =>
              Array.from({ length: 9 }, (_, i) => ({
                body: `n${i}`,
                notable_type: 'articles',
                notable_id: article.id,
              })),
            ),
          );
          await author.bioRelation().create({ text: 'bio' });
          await Cover.create({
            url: 'c',
            coverable_type: 'articles',
            coverable_id: articles[0]!.id,
          });
          return author;
        },
        async (author) => {
          await author.delete();
          expect(await db!.dexie.table('notes').count()).toBe(0);
        },
      );
      // The original delete, the bio and cover nulled, articles, then notes.
      expect(writes).toBe(5);
    });
  });

  describe("'restrict'", () => {
    it('rejects with IntegrityError naming the relation and a related key; nothing is deleted', async () => {
      const { articles } = await seedLibrary();
      const review = await Review.create({ stars: 5, article_id: articles[0]!.id });
      const before = await snapshotTables(session.db);
      const error = await articles[0]!.delete().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error).toBeInstanceOf(DexormError);
      expect((error as IntegrityError).message).toContain('HasMany Article.reviews');
      expect((error as IntegrityError).key).toBe(review.id);
      expect(await snapshotTables(session.db)).toEqual(before);
      expect(articles[0]!.exists).toBe(true);
    });

    it('refuses a cascade that reaches it, so the parent two levels up stays too', async () => {
      const { ada, articles } = await seedLibrary();
      await Review.create({ stars: 1, article_id: articles[1]!.id });
      const before = await snapshotTables(session.db);
      await expect(ada.delete()).rejects.toBeInstanceOf(IntegrityError);
      await expect(Author.query().delete()).rejects.toBeInstanceOf(IntegrityError);
      expect(await snapshotTables(session.db)).toEqual(before);
    });

    it('lets the delete through once nothing points at the parent', async () => {
      const { articles } = await seedLibrary();
      const review = await Review.create({ stars: 2, article_id: articles[0]!.id });
      await review.delete();
      await articles[0]!.delete();
      expect((await rows('articles')).map((row) => row.title)).toEqual(['a2', 'b1']);
    });
  });

  it("'setNull' clears the foreign key and the morph type, keeping the record", async () => {
    const { articles } = await seedLibrary();
    await articles[2]!.delete();
    expect(await rows('covers')).toContainEqual({
      id: 3,
      url: 'b1.png',
      coverable_type: null,
      coverable_id: null,
    });
  });

  it('refuses an unknown rule with a SchemaError when the Database is built', () => {
    class Loose extends Model<{ id?: number }> {
      static override table = 'loose';
      itemsRelation(): HasMany<Loose, Note> {
        return this.hasMany(Note, 'notable_id').onDelete('explode' as 'cascade');
      }
    }
    expect(() => new Database('dexorm-delete-rules-bad', { models: [Loose, Note] })).toThrow(
      SchemaError,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { Database, type HasMany, Model } from '../src/index.js';
import { blogDatabase, Post, User } from './support/blog.js';
import { databaseSession } from './support/session.js';

interface WriterAttributes {
  id?: number;
  handle: string;
}
interface BookAttributes {
  id?: number;
  title: string;
  writer_handle?: string | null;
}

/** Relates through an attribute that may change (its handle), not through its primary key. */
class Writer extends Model<WriterAttributes> {
  static override table = 'writers';
  static override indexes = ['&handle'];
  booksRelation(): HasMany<Writer, Book> {
    return this.hasMany(Book, 'writer_handle', 'handle');
  }
}
class Book extends Model<BookAttributes> {
  static override table = 'books';
}

let databases = 0;
const session = databaseSession(() => {
  databases += 1;
  return new Database(`dexorm-follows-${databases}-${Math.random().toString(36).slice(2)}`, {
    models: [Writer, Book],
  });
});

const titles = (books: readonly Book[]) => books.map((book) => book.title);

describe('a live relation of a parent that holds what it looks up with', () => {
  it('follows the parent as stored: a key changed elsewhere, then a delete', async () => {
    const writer = await Writer.create({ handle: 'ada' });
    await Book.createMany([
      { title: 'Notes', writer_handle: 'ada' },
      { title: 'Sketch', writer_handle: 'lovelace' },
    ]);
    const books = session.watch(writer.booksRelation().observe());
    expect(titles(await books.nth(1))).toEqual(['Notes']);

    // Another instance (another tab) changes the handle; this one still holds 'ada'.
    await Writer.query().where('id', writer.id!).update({ handle: 'lovelace' });
    expect(titles(await books.nth(2))).toEqual(['Sketch']);
    expect(writer.handle).toBe('ada');

    await Writer.query().where('id', writer.id!).delete();
    expect(await books.nth(3)).toEqual([]);
    expect(await session.db.dexie.table('writers').count()).toBe(0);
    expect(await session.db.dexie.table('books').count()).toBe(2);
  });

  it('reads by the in-memory value when the parent is not stored', async () => {
    await Book.create({ title: 'Notes', writer_handle: 'ada' });
    const draft = new Writer({ handle: 'ada' });
    session.counter.reset();
    expect(titles(await draft.booksRelation().getResults())).toEqual(['Notes']);
    expect(session.counter.records('writers')).toBe(0);
    expect(session.counter.records('books')).toBe(1);
  });
});

describe('a live relation through the parent primary key', () => {
  const blog = databaseSession(() => blogDatabase());

  it('reads only the related table at each run: the parent is not read', async () => {
    const ada = await User.create({ name: 'Ada' });
    await Post.create({ title: 'one', user_id: ada.id });
    const posts = blog.watch(ada.postsRelation().observe());
    expect((await posts.nth(1)).map((post) => post.title)).toEqual(['one']);
    blog.counter.reset();
    await Post.create({ title: 'two', user_id: ada.id });
    expect((await posts.nth(2)).map((post) => post.title)).toEqual(['one', 'two']);
    expect(blog.counter.count({ table: 'users', mode: 'readonly' })).toBe(0);
    expect(blog.counter.records('posts')).toBeGreaterThanOrEqual(2);
  });
});

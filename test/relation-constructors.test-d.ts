import { describe, expectTypeOf, it } from 'vitest';
import { BelongsTo, HasMany, HasOne, Model } from '../src/index.js';

interface AuthorAttributes {
  id?: number;
  name: string;
  handle?: string;
}
interface BookAttributes {
  id?: number;
  author_id?: number | null;
  author_handle?: string;
  title: string;
}

class Author extends Model<AuthorAttributes> {
  static override table = 'authors';
  bioRelation(): HasOne<Author, Book> {
    return new HasOne(this, Book, 'author_id', 'id');
  }
  booksRelation(): HasMany<Author, Book> {
    return new HasMany(this, Book, 'author_handle', 'handle');
  }
  misspeltLocalRelation(): HasOne<Author, Book> {
    // @ts-expect-error a local key that is no attribute of Author
    return new HasOne(this, Book, 'author_id', 'idd');
  }
  misspeltForeignRelation(): HasMany<Author, Book> {
    // @ts-expect-error a foreign key that is no attribute of Book
    return new HasMany(this, Book, 'writer_id', 'id');
  }
}

class Book extends Model<BookAttributes> {
  static override table = 'books';
  authorRelation(): BelongsTo<Book, Author> {
    return new BelongsTo(this, Author, 'author_id', 'id');
  }
  misspeltRelation(): BelongsTo<Book, Author> {
    // @ts-expect-error a foreign key that is no attribute of Book
    return new BelongsTo(this, Author, 'usr_id');
  }
  wrongOwnerRelation(): BelongsTo<Book, Author> {
    // @ts-expect-error an owner key that is no attribute of Author
    return new BelongsTo(this, Author, 'author_id', 'email');
  }
}

describe('relation constructors', () => {
  it('check their keys as the factories do, inside a class and outside it', () => {
    const author = new Author({ name: 'Ursula' });
    expectTypeOf(new HasOne(author, Book, 'author_id', 'id')).toExtend<HasOne<Author, Book>>();
    expectTypeOf(new BelongsTo(new Book({ title: 't' }), Author)).toExtend<
      BelongsTo<Book, Author>
    >();
    // @ts-expect-error outside a class too
    new HasOne(author, Book, 'author_id', 'idd');
    // @ts-expect-error
    new BelongsTo(new Book({ title: 't' }), Author, 'author', 'id');
  });
});

import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { blogDatabase, Post, Tag, User as Writer } from './support/blog.js';
import { Article, lifecycleDatabase, Note } from './support/lifecycle-models.js';
import { freshDatabase, User } from './support/models.js';
import type { Recording } from './support/observe.js';
import { databaseSession, type TestSession } from './support/session.js';

/**
 * How many times Dexie has echoed a microtask back into a zone so far: it does so while an async
 * function runs as a live query's querier (or a transaction's scope), never for a chain of Dexie
 * promises.
 */
const echoes = () => (Dexie.Promise as unknown as { totalEchoes: number }).totalEchoes;

/**
 * Runs `write` (a plain-function Dexie transaction, which echoes nothing itself), then waits for
 * emission `n` of `recording`: that emission, and the echoes counted meanwhile.
 */
async function emissionAfter<T>(
  recording: Recording<T>,
  n: number,
  write: () => Promise<unknown>,
): Promise<{ value: T; echoed: number }> {
  const before = echoes();
  await write();
  const value = await recording.nth(n);
  return { value, echoed: echoes() - before };
}

/** `fn` in a readwrite transaction of `session`'s database over `tables`, a plain function. */
function inTransaction(session: TestSession, tables: string[], fn: () => Promise<unknown>) {
  return session.db.dexie.transaction('rw', tables, fn);
}

describe('live queries of one table re-run as one chain of Dexie promises', () => {
  const session = databaseSession(() => freshDatabase());
  const users = () => session.db.dexie.table('users');

  it('orderBy(indexed).limit(): a record entering the page, and one without the field, re-run it', async () => {
    await User.createMany([
      { name: 'Bob', email: 'bob@example.com' },
      { name: 'Cid', email: 'cid@example.com' },
    ]);
    const page = session.watch(User.query().orderBy('name').limit(4).observe());
    expect((await page.nth(1)).map((user) => user.name)).toEqual(['Bob', 'Cid']);

    const ada = await emissionAfter(page, 2, () =>
      inTransaction(session, ['users'], () =>
        users().add({ name: 'Ada', email: 'ada@example.com' }),
      ),
    );
    expect(ada.value.map((user) => user.name)).toEqual(['Ada', 'Bob', 'Cid']);
    expect(ada.echoed).toBe(0);

    // A record without a name is in no entry of the index: it sorts after every name.
    const nameless = await emissionAfter(page, 3, () =>
      inTransaction(session, ['users'], () => users().add({ email: 'anon@example.com' })),
    );
    expect(nameless.value.map((user) => user.email)).toEqual([
      'ada@example.com',
      'bob@example.com',
      'cid@example.com',
      'anon@example.com',
    ]);
    expect(nameless.echoed).toBe(0);
    expect(await users().count()).toBe(4);
  });

  it('observeFirst() and observeCount() of a range follow edits in and out of it', async () => {
    const [ada] = await User.createMany([
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
    ]);
    const first = session.watch(User.where('name', '>=', 'B').orderBy('name').observeFirst());
    const count = session.watch(User.where('name', '>=', 'B').observeCount());
    expect((await first.nth(1))?.name).toBe('Bob');
    expect(await count.nth(1)).toBe(1);

    const before = echoes();
    await inTransaction(session, ['users'], () => users().update(ada!.id!, { name: 'Bea' }));
    expect((await first.nth(2))?.name).toBe('Bea');
    expect(await count.nth(2)).toBe(2);
    expect(echoes() - before).toBe(0);
    expect(await users().get(ada!.id!)).toMatchObject({ name: 'Bea' });
  });
  it('observePage(): its page and its total follow a record entering the page', async () => {
    await User.createMany([
      { name: 'Bob', email: 'bob@example.com' },
      { name: 'Cid', email: 'cid@example.com' },
      { name: 'Dan', email: 'dan@example.com' },
    ]);
    const pages = session.watch(User.query().orderBy('name').observePage(1, 2));
    const first = await pages.nth(1);
    expect(first.data.map((user) => user.name)).toEqual(['Bob', 'Cid']);
    expect([first.total, first.lastPage]).toEqual([3, 2]);

    const ada = await emissionAfter(pages, 2, () =>
      inTransaction(session, ['users'], () =>
        users().add({ name: 'Ada', email: 'ada@example.com' }),
      ),
    );
    expect(ada.value.data.map((user) => user.name)).toEqual(['Ada', 'Bob']);
    expect([ada.value.total, ada.value.lastPage]).toEqual([4, 2]);
    expect(ada.echoed).toBe(0);
  });

  it('observeCursorPage(): the first page follows a record entering it; a later page stays live', async () => {
    await User.createMany([
      { name: 'Bob', email: 'bob@example.com' },
      { name: 'Cid', email: 'cid@example.com' },
      { name: 'Dan', email: 'dan@example.com' },
    ]);
    const first = session.watch(User.query().orderBy('name').observeCursorPage(2));
    const page = await first.nth(1);
    expect(page.data.map((user) => user.name)).toEqual(['Bob', 'Cid']);
    expect(page.previousCursor).toBeNull();

    const ada = await emissionAfter(first, 2, () =>
      inTransaction(session, ['users'], () =>
        users().add({ name: 'Ada', email: 'ada@example.com' }),
      ),
    );
    expect(ada.value.data.map((user) => user.name)).toEqual(['Ada', 'Bob']);
    expect(ada.echoed).toBe(0);

    // A later page reads after its cursor's record, as an async read: it is live all the same.
    const second = session.watch(
      User.query().orderBy('name').observeCursorPage(2, ada.value.nextCursor),
    );
    expect((await second.nth(1)).data.map((user) => user.name)).toEqual(['Cid', 'Dan']);
    await inTransaction(session, ['users'], () =>
      users().add({ name: 'Cy', email: 'cy@example.com' }),
    );
    expect((await second.nth(2)).data.map((user) => user.name)).toEqual(['Cid', 'Cy']);
    expect(first.values).toHaveLength(2);
  });

  it('observeCursorPage() of a page size that is none fails with ValidationError', async () => {
    const pages = session.watch(User.query().orderBy('name').observeCursorPage(0));
    expect(await pages.failure()).toBeInstanceOf(ValidationError);
    expect(pages.values).toEqual([]);
  });

  it('observePage() of a page number that is none fails with ValidationError, as paginate() does', async () => {
    const pages = session.watch(User.query().orderBy('name').observePage(0, 2));
    expect(await pages.failure()).toBeInstanceOf(ValidationError);
    await expect(User.query().orderBy('name').paginate(0, 2)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(pages.values).toEqual([]);
  });
});

describe('live queries through a pivot or over alternatives re-run as one chain', () => {
  const session = databaseSession(() => blogDatabase());

  it('a BelongsToMany query(), its list and its count, see a pair attached through the pivot', async () => {
    const post = await Post.create({ title: 'Hello' });
    const [news, tech] = await Tag.createMany([{ name: 'news' }, { name: 'tech' }]);
    await post.tagsRelation().attach(news!.id!);
    const tags = session.watch(post.tagsRelation().query().orderBy('name').observe());
    const counted = session.watch(post.tagsRelation().query().observeCount());
    expect((await tags.nth(1)).map((tag) => tag.name)).toEqual(['news']);
    expect(await counted.nth(1)).toBe(1);

    const pivot = session.db.dexie.table('post_tag');
    const attached = await emissionAfter(tags, 2, () =>
      inTransaction(session, ['post_tag'], () => pivot.add({ post_id: post.id, tag_id: tech!.id })),
    );
    expect(attached.value.map((tag) => tag.name)).toEqual(['news', 'tech']);
    expect(await counted.nth(2)).toBe(2);
    expect(attached.echoed).toBe(0);
    expect(await pivot.where('post_id').equals(post.id!).count()).toBe(2);
  });

  it('orWhere: a change that only the second alternative reads re-runs it', async () => {
    const [ada, bob] = await Writer.createMany([{ name: 'Ada' }, { name: 'Bob' }]);
    await Post.createMany([
      { title: 'by Ada', user_id: ada!.id! },
      { title: 'Untitled', user_id: bob!.id! },
    ]);
    const posts = session.watch(
      Post.where('user_id', ada!.id!).orWhere('title', 'Draft').orderBy('title').observe(),
    );
    expect((await posts.nth(1)).map((post) => post.title)).toEqual(['by Ada']);

    const table = session.db.dexie.table('posts');
    const drafted = await emissionAfter(posts, 2, () =>
      inTransaction(session, ['posts'], () => table.add({ title: 'Draft', user_id: bob!.id! })),
    );
    expect(drafted.value.map((post) => post.title)).toEqual(['Draft', 'by Ada']);
    expect(drafted.echoed).toBe(0);
  });
});

describe('live queries of models with read constraints', () => {
  const session = databaseSession(() => lifecycleDatabase());

  it('soft deletes: a note trashed through the table leaves the list, as one chain', async () => {
    const [kept, trashed] = await Note.createMany([{ title: 'kept' }, { title: 'trashed' }]);
    const notes = session.watch(Note.query().orderBy('id').observe());
    const all = session.watch(Note.query().withTrashed().observeCount());
    expect((await notes.nth(1)).map((note) => note.title)).toEqual(['kept', 'trashed']);
    expect(await all.nth(1)).toBe(2);

    const table = session.db.dexie.table('notes');
    const gone = await emissionAfter(notes, 2, () =>
      inTransaction(session, ['notes'], () =>
        table.update(trashed!.id!, { deleted_at: new Date() }),
      ),
    );
    expect(gone.value.map((note) => note.id)).toEqual([kept!.id]);
    expect(gone.echoed).toBe(0);
    expect(all.values).toEqual([2]);
    expect((await table.get(trashed!.id!))?.deleted_at).toBeInstanceOf(Date);
  });

  it('a global scope, which may add a relation filter, still keeps its list live', async () => {
    await Article.create({ title: 'out', published: false });
    const published = session.watch(Article.query().orderBy('title').observe());
    expect(await published.nth(1)).toEqual([]);
    const table = session.db.dexie.table('articles');
    const [draft] = await table.toArray();
    await inTransaction(session, ['articles'], () => table.update(draft!.id, { published: true }));
    expect((await published.nth(2)).map((article) => article.title)).toEqual(['out']);
  });
});

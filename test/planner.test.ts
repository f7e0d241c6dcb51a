import { describe, expect, it } from 'vitest';
import { Database, type QueryBuilder, SchemaError, ValidationError } from '../src/index.js';
import { BLOG_MODELS, blogDatabase, Post, User } from './support/blog.js';
import { IndexedNote, manyNotes, type NoteAttributes, PlainNote } from './support/notes.js';
import { databaseSession } from './support/session.js';

let names = 0;
const session = databaseSession(() => {
  names += 1;
  return new Database(`dexorm-planner-${names}-${Math.random().toString(36).slice(2)}`, {
    models: [IndexedNote, PlainNote, ...BLOG_MODELS],
  });
});

type NoteQuery = QueryBuilder<IndexedNote>;

/**
 * Runs `build` over the indexed and the index-free notes: the same models, in the same order when
 * the query orders them (without `orderBy` an index read returns index order), in that order.
 */
async function sameBothWays(build: (query: NoteQuery) => NoteQuery): Promise<NoteAttributes[]> {
  const query = build(IndexedNote.query());
  const indexed = (await query.get()).map((note) => note.toJSON());
  const plain = (await build(PlainNote.query() as unknown as NoteQuery).get()).map((note) =>
    note.toJSON(),
  );
  const byId = (a: NoteAttributes, b: NoteAttributes) => a.id! - b.id!;
  if (query.state.order) expect(indexed).toEqual(plain);
  else expect([...indexed].sort(byId)).toEqual([...plain].sort(byId));
  return query.state.order ? indexed : plain;
}

async function seedNotes(count: number): Promise<void> {
  await IndexedNote.createMany(manyNotes(count));
  await PlainNote.createMany(manyNotes(count));
}

describe('the planner', () => {
  describe('reads what the result needs, not the table', () => {
    it('reads at most 2 records for orderBy(indexed).first() over 10,000, either way', async () => {
      await IndexedNote.createMany(manyNotes(10_000));
      const { counter } = session;
      counter.reset();
      const first = await IndexedNote.query().orderBy('title').first();
      expect(first?.title).toBe('note 00000');
      expect(counter.records('indexed_notes')).toBeLessThanOrEqual(2);

      counter.reset();
      const last = await IndexedNote.query().orderBy('rank', 'desc').first();
      expect(last?.rank).toBe(10_000);
      expect(counter.records('indexed_notes')).toBeLessThanOrEqual(2);

      counter.reset();
      const page = await IndexedNote.query().orderBy('rank').offset(20).limit(5).get();
      expect(page.map((note) => note.rank)).toEqual([21, 22, 23, 24, 25]);
      expect(counter.records('indexed_notes')).toBeLessThanOrEqual(25);
    }, 30_000);

    it('reads one range for two clauses on one field: 100 of 2,000 users, with their posts', async () => {
      const users = await User.createMany(
        Array.from({ length: 2_000 }, (_, i) => ({ name: `user ${i}` })),
      );
      await Post.createMany(users.map((user) => ({ user_id: user.id, title: `by ${user.name}` })));
      const low = users[500]!.id!;
      const high = users[599]!.id!;
      const { counter } = session;

      counter.reset();
      const range = await User.where('id', '>=', low).where('id', '<=', high).with('posts').get();
      expect(range.map((user) => user.id)).toEqual(users.slice(500, 600).map((user) => user.id));
      expect(range.every((user) => user.posts.length === 1)).toBe(true);
      expect(counter.records('users')).toBeLessThanOrEqual(100);

      counter.reset();
      const between = await User.query().whereBetween('id', [low, high]).withCount('posts').get();
      expect(between.map((user) => user.posts_count)).toEqual(Array(100).fill(1));
      expect(counter.records('users')).toBeLessThanOrEqual(100);

      counter.reset();
      const having = await User.query().whereBetween('id', [low, high]).has('posts').get();
      expect(having).toHaveLength(100);
      expect(counter.records('users')).toBeLessThanOrEqual(100);
    }, 30_000);

    it('stops reading parents once has() with a limit has enough', async () => {
      const users = await User.createMany(
        Array.from({ length: 1_000 }, (_, i) => ({ name: `user ${i}` })),
      );
      // Every other user has a post.
      await Post.createMany(
        users.filter((_, i) => i % 2 === 1).map((user) => ({ user_id: user.id, title: 'p' })),
      );
      session.counter.reset();
      const found = await User.query().has('posts').orderBy('id').limit(5).get();
      expect(found.map((user) => user.id)).toEqual([1, 3, 5, 7, 9].map((i) => users[i]!.id));
      expect(session.counter.records('users')).toBeLessThan(100);
    });

    it('pages by cursor at a flat cost: page 100 reads what page 1 reads', async () => {
      await IndexedNote.createMany(manyNotes(10_000));
      const query = () => IndexedNote.query().orderBy('title');
      const { counter } = session;
      counter.reset();
      let page = await query().cursorPaginate(50);
      const firstCost = counter.records('indexed_notes');
      expect(page.data[0]?.title).toBe('note 00000');
      for (let i = 2; i <= 100; i++) {
        counter.reset();
        page = await query().cursorPaginate(50, page.nextCursor);
      }
      expect(page.data.map((note) => note.title)).toEqual(
        manyNotes(5_000)
          .slice(4_950)
          .map((note) => note.title),
      );
      expect(counter.records('indexed_notes')).toBeLessThanOrEqual(firstCost + 1);
      expect(firstCost).toBeLessThanOrEqual(51);
    }, 60_000);

    it('counts an indexed range from its keys, reading no record', async () => {
      await seedNotes(300);
      session.counter.reset();
      expect(await IndexedNote.query().whereBetween('rank', [11, 110]).count()).toBe(100);
      expect(session.counter.records('indexed_notes')).toBe(0);
    });
  });

  describe('explain()', () => {
    it('names the index, the range, the order and the paging of each read', async () => {
      expect(await IndexedNote.query().orderBy('title', 'desc').limit(3).explain()).toMatchObject({
        table: 'indexed_notes',
        index: 'title',
        orderedByIndex: true,
        limitApplied: true,
        filters: [],
      });
      expect(
        await IndexedNote.where('rank', '>', 3)
          .where('rank', '<=', 9)
          .where('title', '!=', 'x')
          .explain(),
      ).toEqual({
        table: 'indexed_notes',
        index: 'rank',
        range: { lower: 3, upper: 9, lowerOpen: true, upperOpen: false },
        orderedByIndex: false,
        limitApplied: false,
        filters: ['title != "x"'],
      });
      expect(await IndexedNote.where('folder', 2).orderBy('rank').limit(5).explain()).toMatchObject(
        {
          index: '[folder+rank]',
          orderedByIndex: true,
        },
      );
      expect(await IndexedNote.where('id', 'in', [3, 1]).explain()).toMatchObject({
        index: ':primary',
        range: { anyOf: [1, 3] },
      });
      expect(await PlainNote.where('title', 'a').explain()).toMatchObject({
        index: null,
        range: null,
        filters: ['title = "a"'],
      });
    });

    it('reads each alternative through its own index', async () => {
      const plan = await IndexedNote.where('title', 'a').orWhere('rank', '>', 5).explain();
      expect(plan.alternatives?.map((branch) => branch.index)).toEqual(['title', 'rank']);
    });

    it('reads nothing to explain', async () => {
      session.counter.reset();
      await IndexedNote.where('rank', '>', 5).orderBy('title').explain();
      expect(session.counter.records()).toBe(0);
    });
  });

  describe('clauses', () => {
    const NOTES: NoteAttributes[] = [
      { title: 'apple', folder: 1, rank: 3 },
      { title: 'banana', folder: 1, rank: 1 },
      { title: 'cherry', folder: 2, rank: 2 },
      { title: 'date', folder: 2, rank: 5 },
      { title: null, folder: 1 },
      { folder: 3, rank: 4 },
      { title: 'apricot', folder: null, rank: 3 },
    ];
    const titles = (notes: NoteAttributes[]) => notes.map((note) => note.title ?? null);

    it('give the same results through indexes and without', async () => {
      await IndexedNote.createMany(NOTES);
      await PlainNote.createMany(NOTES);
      expect(
        titles(await sameBothWays((q) => q.where('title', 'a').orWhere('rank', '>=', 4))),
      ).toEqual(['date', null]);
      expect(
        titles(
          await sameBothWays((q) =>
            q.where('folder', 1).where('rank', '<', 3).orWhere('title', 'date'),
          ),
        ),
      ).toEqual(['banana', 'date']);
      expect(
        titles(
          await sameBothWays((q) =>
            q.where('folder', 1).where((group) => group.where('rank', 3).orWhere('title', null)),
          ),
        ),
      ).toEqual(['apple', null]);
      expect(titles(await sameBothWays((q) => q.whereNot('folder', 1).orderBy('title')))).toEqual([
        'apricot',
        'cherry',
        'date',
        null,
      ]);
      expect(titles(await sameBothWays((q) => q.whereNull('rank')))).toEqual([null]);
      expect(
        await sameBothWays((q) => q.whereNotNull('title').orderBy('rank', 'desc').limit(2)),
      ).toEqual([
        expect.objectContaining({ title: 'date' }),
        // Ties of a 'desc' order go by primary key, descending: apricot (7) before apple (1).
        expect.objectContaining({ title: 'apricot' }),
      ]);
      expect(
        titles(await sameBothWays((q) => q.whereBetween('title', ['apple', 'banana']))),
      ).toEqual(['apple', 'banana', 'apricot']);
      expect(
        titles(await sameBothWays((q) => q.where('title', 'startsWith', 'ap').orderBy('rank'))),
      ).toEqual(['apple', 'apricot']);
      expect(
        titles(
          await sameBothWays((q) =>
            q.where('folder', 2).orderBy('rank', 'desc').offset(1).limit(1),
          ),
        ),
      ).toEqual(['cherry']);
      expect(
        titles(await sameBothWays((q) => q.where('rank', '>', 3).where('rank', '<', 3))),
      ).toEqual([]);
    });

    it('keep a relation constraint in every alternative', async () => {
      const [ada, bob] = await User.createMany([{ name: 'Ada' }, { name: 'Bob' }]);
      await Post.createMany([
        { user_id: ada!.id, title: 'one', likes: 1 },
        { user_id: bob!.id, title: 'two', likes: 9 },
        { user_id: ada!.id, title: 'three', likes: 9 },
      ]);
      const posts = await ada!
        .postsRelation()
        .query()
        .where('title', 'one')
        .orWhere('likes', 9)
        .get();
      expect(posts.map((post) => post.title)).toEqual(['one', 'three']);
    });
  });

  describe('paging', () => {
    it('paginate gives a page with the total and the last page number', async () => {
      await seedNotes(23);
      const page = await IndexedNote.query().orderBy('rank').paginate(3, 10);
      expect(page.data.map((note) => note.rank)).toEqual([21, 22, 23]);
      expect(page).toMatchObject({ total: 23, perPage: 10, currentPage: 3, lastPage: 3 });
      const empty = await IndexedNote.where('rank', '>', 100).paginate(1, 10);
      expect(empty).toMatchObject({ data: [], total: 0, lastPage: 1 });
    });

    it('cursorPaginate walks forwards and back over ties and records without a value', async () => {
      const notes = [
        ...manyNotes(7),
        { title: 'tie', rank: 1 },
        { title: 'tie', rank: 2 },
        { title: null, rank: 3 },
        { rank: 4 },
      ];
      await IndexedNote.createMany(notes);
      await PlainNote.createMany(notes);
      const everything = (await PlainNote.query().orderBy('title', 'desc').get()).map((n) => n.id);
      const forward: number[] = [];
      const query = () => IndexedNote.query().orderBy('title', 'desc');
      let page = await query().cursorPaginate(3);
      expect(page.previousCursor).toBeNull();
      const pages = [page];
      forward.push(...page.data.map((note) => note.id!));
      while (page.nextCursor) {
        page = await query().cursorPaginate(3, page.nextCursor);
        pages.push(page);
        forward.push(...page.data.map((note) => note.id!));
      }
      expect(forward).toEqual(everything);
      const backward: number[] = [...page.data.map((note) => note.id!)];
      while (page.previousCursor) {
        page = await query().cursorPaginate(3, page.previousCursor);
        backward.unshift(...page.data.map((note) => note.id!));
      }
      expect(backward).toEqual(everything);
    });

    it('finds a record without a value after a walk that found none, live pages too', async () => {
      await IndexedNote.createMany(manyNotes(5));
      const walk = async () => {
        const ids: number[] = [];
        let page = await IndexedNote.query().orderBy('title').cursorPaginate(2);
        ids.push(...page.data.map((note) => note.id!));
        while (page.nextCursor) {
          page = await IndexedNote.query().orderBy('title').cursorPaginate(2, page.nextCursor);
          ids.push(...page.data.map((note) => note.id!));
        }
        return ids;
      };
      expect(await walk()).toEqual([1, 2, 3, 4, 5]);
      const live = session.watch(IndexedNote.query().orderBy('title').observeCursorPage(10));
      expect((await live.nth(1)).data).toHaveLength(5);
      const untitled = await IndexedNote.create({ rank: 99 });
      expect(await walk()).toEqual([1, 2, 3, 4, 5, untitled.id]);
      expect((await live.nth(2)).data.map((note) => note.id)).toEqual([1, 2, 3, 4, 5, untitled.id]);
      expect(
        (await IndexedNote.query().orderBy('title', 'desc').offset(5).limit(3).get()).map(
          (n) => n.id,
        ),
      ).toEqual([untitled.id]);
    });

    it('observePage emits again when a record enters the page', async () => {
      await seedNotes(5);
      const pages = session.watch(IndexedNote.query().orderBy('rank').observePage(1, 2));
      expect((await pages.nth(1)).data.map((note) => note.rank)).toEqual([1, 2]);
      await IndexedNote.create({ title: 'first', rank: 0 });
      const next = await pages.nth(2);
      expect(next.data.map((note) => note.rank)).toEqual([0, 1]);
      expect(next.total).toBe(6);
    });

    it('pluck, chunk and each read in bounded batches', async () => {
      await seedNotes(25);
      expect(await IndexedNote.where('rank', '<=', 3).orderBy('rank').pluck('title')).toEqual([
        'note 00024',
        'note 00023',
        'note 00022',
      ]);
      const sizes: number[] = [];
      await IndexedNote.query()
        .orderBy('rank')
        .chunk(10, (notes) => {
          sizes.push(notes.length);
        });
      expect(sizes).toEqual([10, 10, 5]);
      const seen: number[] = [];
      await IndexedNote.query().each((note) => {
        seen.push(note.id!);
        return seen.length < 12;
      }, 5);
      expect(seen).toHaveLength(12);
    });
  });

  describe('bad input gets a typed error and reads nothing', () => {
    it('refuses a cursor of another query, a cut or altered one, and bad sizes', async () => {
      await seedNotes(10);
      const { nextCursor } = await IndexedNote.query().orderBy('title').cursorPaginate(2);
      session.counter.reset();
      await expect(
        IndexedNote.query().orderBy('rank').cursorPaginate(2, nextCursor),
      ).rejects.toThrow(ValidationError);
      await expect(
        IndexedNote.query().orderBy('title').cursorPaginate(2, nextCursor!.slice(0, -3)),
      ).rejects.toThrow(ValidationError);
      const altered = `${nextCursor!.slice(0, 10)}${nextCursor![10] === 'A' ? 'B' : 'A'}${nextCursor!.slice(11)}`;
      await expect(IndexedNote.query().orderBy('title').cursorPaginate(2, altered)).rejects.toThrow(
        ValidationError,
      );
      await expect(IndexedNote.query().paginate(0, 10)).rejects.toThrow(ValidationError);
      await expect(IndexedNote.query().paginate(1, 2.5)).rejects.toThrow(ValidationError);
      await expect(IndexedNote.query().cursorPaginate(0)).rejects.toThrow(ValidationError);
      expect(session.counter.count()).toBe(0);
    });

    it('refuses whereBetween with low above high, and a group with order or paging', () => {
      expect(() => IndexedNote.query().whereBetween('rank', [5, 2])).toThrow(ValidationError);
      expect(() => IndexedNote.query().where((group) => group.where('rank', 1).limit(2))).toThrow(
        SchemaError,
      );
    });
  });
});

describe('the planner on the blog', () => {
  const blog = databaseSession(() => blogDatabase());
  it('reads whereHas parents of a range through the primary key', async () => {
    const users = await User.createMany(Array.from({ length: 50 }, (_, i) => ({ name: `u${i}` })));
    await Post.create({ user_id: users[10]!.id, title: 'x', published: true });
    blog.counter.reset();
    const found = await User.query()
      .whereBetween('id', [users[5]!.id!, users[14]!.id!])
      .whereHas('posts', (query) => query.where('published', true))
      .get();
    expect(found.map((user) => user.id)).toEqual([users[10]!.id]);
    expect(blog.counter.records('users')).toBeLessThanOrEqual(10);
  });

  it('answers a relation filter over a whole table from the related side first', async () => {
    const users = await User.createMany(Array.from({ length: 400 }, (_, i) => ({ name: `u${i}` })));
    await Post.createMany(
      users.map((user, i) => ({ user_id: user.id, title: `p${i}`, published: i % 40 === 0 })),
    );
    blog.counter.reset();
    const published = await User.whereHas('posts', (query) => query.where('published', true)).get();
    expect(published.map((user) => user.id)).toEqual(
      users.filter((_, i) => i % 40 === 0).map((user) => user.id),
    );
    // The 10 parents the matching posts name, not the 400 a parent-first read takes.
    expect(blog.counter.records('users')).toBe(10);
    expect(blog.counter.records('posts')).toBeLessThanOrEqual(400);

    await users[1]!.postsRelation().create({ title: 'second', published: false });
    blog.counter.reset();
    expect(await User.has('posts', '>=', 2).count()).toBe(1);
    // A plain has() counts from the foreign key's index: no post record is read.
    expect(blog.counter.records('posts')).toBe(0);
    expect(blog.counter.records('users')).toBe(1);
  });
});

import type { Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Database,
  ModelNotFoundError,
  type QueryBuilder,
  SchemaError,
  ValidationError,
} from '../src/index.js';
import { Profile, User } from './support/models.js';
import {
  databaseOf,
  IndexedItem,
  type ItemAttributes,
  PlainItem,
  recordRequests,
  type StorageRequest,
} from './support/more-models.js';
import { removeDatabase } from './support/session.js';

/** Ids 1 to 7, in this order. Eggplant has a null category and no price; fig has no category. */
const ITEMS: ItemAttributes[] = [
  { name: 'apple', category: 'fruit', price: 3, tags: ['red', 'sweet'], shelf: 'A', slot: 1 },
  { name: 'banana', category: 'fruit', price: 1, tags: ['yellow', 'sweet'], shelf: 'A', slot: 2 },
  { name: 'carrot', category: 'vegetable', price: 2, tags: ['orange'], shelf: 'B', slot: 1 },
  { name: 'date', category: 'fruit', price: 5, tags: [], shelf: 'B', slot: 2 },
  { name: 'eggplant', category: null, shelf: 'A', slot: 1 },
  { name: 'fig', price: 4, shelf: 'C', slot: 1 },
  { name: 'apricot', category: 'fruit', price: 3, shelf: 'C', slot: 2 },
];

let db: Database;
let requests: StorageRequest[];

beforeEach(async () => {
  db = databaseOf([IndexedItem, PlainItem, User, Profile]);
  requests = recordRequests(db);
  await IndexedItem.createMany(ITEMS);
  await PlainItem.createMany(ITEMS);
  requests.length = 0;
});

afterEach(async () => {
  await removeDatabase(db);
});

type ItemQuery = QueryBuilder<IndexedItem>;
type ItemClass = typeof IndexedItem | typeof PlainItem;

/** A fresh query over `model`, typed as one over items. */
function itemsOf(model: ItemClass): ItemQuery {
  return model.query() as ItemQuery;
}

/** The names of the items in the rows of `table` as stored. */
async function storedNames(table: string): Promise<string[]> {
  return (await db.dexie.table(table).toArray()).map((row) => row.name as string);
}

interface Case {
  readonly title: string;
  readonly build: (query: ItemQuery) => ItemQuery;
  readonly names: readonly string[];
}

/**
 * Runs `build` over the indexed and the index-free table and checks both against `names`;
 * `ordered` compares order too, otherwise only which items came back.
 */
async function expectSameResults(testCase: Case, ordered: boolean): Promise<void> {
  const indexed = await testCase.build(itemsOf(IndexedItem)).get();
  const plain = await testCase.build(itemsOf(PlainItem)).get();
  const names = (items: readonly IndexedItem[]) => items.map((item) => item.name);
  if (ordered) {
    expect(names(indexed)).toEqual(testCase.names);
    expect(indexed.map((item) => item.toJSON())).toEqual(plain.map((item) => item.toJSON()));
  } else {
    expect(names(indexed).sort()).toEqual([...testCase.names].sort());
    const byId = (a: { id?: number }, b: { id?: number }) => a.id! - b.id!;
    expect(indexed.map((item) => item.toJSON()).sort(byId)).toEqual(
      plain.map((item) => item.toJSON()).sort(byId),
    );
  }
  expect(indexed.every((item) => item instanceof IndexedItem && item.exists)).toBe(true);
  expect(plain.every((item) => item instanceof PlainItem)).toBe(true);
}

const filterCases: Case[] = [
  {
    title: 'where(field, value) on equality',
    build: (q) => q.where('category', 'fruit'),
    names: ['apple', 'banana', 'date', 'apricot'],
  },
  {
    title: "'='",
    build: (q) => q.where('category', '=', 'fruit'),
    names: ['apple', 'banana', 'date', 'apricot'],
  },
  {
    title: "'!=' (missing and null values differ from the value)",
    build: (q) => q.where('category', '!=', 'fruit'),
    names: ['carrot', 'eggplant', 'fig'],
  },
  { title: "'<'", build: (q) => q.where('price', '<', 3), names: ['banana', 'carrot'] },
  {
    title: "'<='",
    build: (q) => q.where('price', '<=', 3),
    names: ['apple', 'banana', 'carrot', 'apricot'],
  },
  { title: "'>'", build: (q) => q.where('price', '>', 3), names: ['date', 'fig'] },
  { title: "'>='", build: (q) => q.where('price', '>=', 4), names: ['date', 'fig'] },
  {
    title: "'<' on strings",
    build: (q) => q.where('name', '<', 'b'),
    names: ['apple', 'apricot'],
  },
  { title: 'a range that matches nothing', build: (q) => q.where('price', '>', 100), names: [] },
  {
    title: "'in'",
    build: (q) => q.where('name', 'in', ['fig', 'apple', 'kiwi']),
    names: ['apple', 'fig'],
  },
  {
    title: 'whereIn',
    build: (q) => q.whereIn('category', ['vegetable', 'fruit']),
    names: ['apple', 'banana', 'carrot', 'date', 'apricot'],
  },
  {
    title: "'startsWith'",
    build: (q) => q.where('name', 'startsWith', 'ap'),
    names: ['apple', 'apricot'],
  },
  {
    title: "'startsWith' an empty string",
    build: (q) => q.where('name', 'startsWith', ''),
    names: ITEMS.map((item) => item.name),
  },
  {
    title: 'the object form (all pairs must match)',
    build: (q) => q.where({ category: 'fruit', price: 3 }),
    names: ['apple', 'apricot'],
  },
  {
    title: 'chained where() calls (all must match)',
    build: (q) => q.where('category', 'fruit').where('price', '>', 2),
    names: ['apple', 'date', 'apricot'],
  },
  {
    title: 'where(field, null) for null and missing values',
    build: (q) => q.where('category', null),
    names: ['eggplant', 'fig'],
  },
  {
    title: 'where(field, null) for a missing value',
    build: (q) => q.where('price', null),
    names: ['eggplant'],
  },
  {
    title: "'!=' null",
    build: (q) => q.where('category', '!=', null),
    names: ['apple', 'banana', 'carrot', 'date', 'apricot'],
  },
  {
    title: 'equalities covered by a compound index',
    build: (q) => q.where({ shelf: 'A', slot: 1 }),
    names: ['apple', 'eggplant'],
  },
  {
    title: 'a compound index plus another clause',
    build: (q) => q.where({ shelf: 'A', slot: 1 }).where('category', 'fruit'),
    names: ['apple'],
  },
  {
    title: 'one field of a compound index alone',
    build: (q) => q.where('shelf', 'C'),
    names: ['fig', 'apricot'],
  },
  {
    title: 'equality on an array value',
    build: (q) => q.where('tags', '=', ['orange']),
    names: ['carrot'],
  },
  { title: 'the primary key', build: (q) => q.where('id', 3), names: ['carrot'] },
  {
    title: "'in' on the primary key",
    build: (q) => q.where('id', 'in', [5, 1, 99, 1]),
    names: ['apple', 'eggplant'],
  },
  {
    title: "'>' on the primary key",
    build: (q) => q.where('id', '>', 5),
    names: ['fig', 'apricot'],
  },
];

const orderCases: Case[] = [
  {
    title: 'orderBy asc, missing values last, ties in key order',
    build: (q) => q.orderBy('price'),
    names: ['banana', 'carrot', 'apple', 'apricot', 'fig', 'date', 'eggplant'],
  },
  {
    title: 'orderBy desc, missing values last too',
    build: (q) => q.orderBy('price', 'desc'),
    names: ['date', 'fig', 'apricot', 'apple', 'carrot', 'banana', 'eggplant'],
  },
  {
    title: 'orderBy asc on a field with null and missing values, which come last',
    build: (q) => q.orderBy('category', 'asc'),
    names: ['apple', 'banana', 'date', 'apricot', 'carrot', 'eggplant', 'fig'],
  },
  {
    title: 'the first by an indexed order, when the index holds too few: the missing follow',
    build: (q) => q.orderBy('category').offset(4).limit(2),
    names: ['carrot', 'eggplant'],
  },
  {
    title: 'orderBy on a string field',
    build: (q) => q.orderBy('name'),
    names: ['apple', 'apricot', 'banana', 'carrot', 'date', 'eggplant', 'fig'],
  },
  {
    title: 'orderBy desc on a string field',
    build: (q) => q.orderBy('name', 'desc'),
    names: ['fig', 'eggplant', 'date', 'carrot', 'banana', 'apricot', 'apple'],
  },
  {
    title: 'orderBy desc after a filter',
    build: (q) => q.where('category', 'fruit').orderBy('name', 'desc'),
    names: ['date', 'banana', 'apricot', 'apple'],
  },
  {
    title: 'orderBy desc on the field of a range filter',
    build: (q) => q.where('price', '>=', 4).orderBy('price', 'desc'),
    names: ['date', 'fig'],
  },
  {
    title: 'orderBy desc with ties, on the field of a range filter',
    build: (q) => q.where('price', '>=', 3).orderBy('price', 'desc'),
    names: ['date', 'fig', 'apricot', 'apple'],
  },
  {
    title: 'orderBy desc on the field of an equality filter (all tied)',
    build: (q) => q.where('category', 'fruit').orderBy('category', 'desc'),
    names: ['apricot', 'date', 'banana', 'apple'],
  },
  {
    title: 'orderBy desc with ties, without a filter',
    build: (q) => q.orderBy('price', 'desc'),
    names: ['date', 'fig', 'apricot', 'apple', 'carrot', 'banana', 'eggplant'],
  },
  {
    title: 'orderBy the primary key desc',
    build: (q) => q.orderBy('id', 'desc'),
    names: ['apricot', 'fig', 'eggplant', 'date', 'carrot', 'banana', 'apple'],
  },
  {
    title: 'limit without a filter',
    build: (q) => q.limit(3),
    names: ['apple', 'banana', 'carrot'],
  },
  {
    title: 'offset without a filter',
    build: (q) => q.offset(5),
    names: ['fig', 'apricot'],
  },
  {
    title: 'limit and offset with orderBy',
    build: (q) => q.orderBy('name').offset(2).limit(2),
    names: ['banana', 'carrot'],
  },
  {
    title: 'limit and offset with an equality filter',
    build: (q) => q.where('category', 'fruit').offset(1).limit(2),
    names: ['banana', 'date'],
  },
  {
    title: 'limit and offset with a filter and orderBy',
    build: (q) => q.where('price', '>', 2).orderBy('price').offset(1).limit(2),
    names: ['apricot', 'fig'],
  },
  {
    title: 'limit and offset with a filter no index covers',
    build: (q) => q.where('name', '!=', 'banana').offset(2).limit(3),
    names: ['date', 'eggplant', 'fig'],
  },
  { title: 'limit(0)', build: (q) => q.limit(0), names: [] },
  { title: 'an offset past the end', build: (q) => q.orderBy('name').offset(10), names: [] },
];

describe('QueryBuilder', () => {
  describe('where', () => {
    it.each(filterCases)('$title: same results with and without an index', async (testCase) => {
      await expectSameResults(testCase, false);
    });

    it('returns an empty result for an empty whereIn, without reading and without error', async () => {
      for (const model of [IndexedItem, PlainItem]) {
        expect(await itemsOf(model).whereIn('category', []).get()).toEqual([]);
        expect(await itemsOf(model).whereIn('category', []).count()).toBe(0);
        expect(await itemsOf(model).where('name', 'in', []).exists()).toBe(false);
      }
    });

    it('throws SchemaError for a relation name, a reserved name or an unknown operator', () => {
      expect(() => User.query().where('profile' as never, 1 as never)).toThrow(SchemaError);
      expect(() => User.query().where('__proto__' as never, 1 as never)).toThrow(SchemaError);
      expect(() => User.query().where('name', 'like' as never, 'A%')).toThrow(SchemaError);
    });

    it("throws ValidationError for 'in' without an array and 'startsWith' without a string", () => {
      // @ts-expect-error 'in' takes an array of the attribute's type
      expect(() => itemsOf(IndexedItem).where('name', 'in', 'apple')).toThrow(ValidationError);
      // @ts-expect-error 'startsWith' takes a string attribute and a string
      expect(() => itemsOf(IndexedItem).where('price', 'startsWith', 3)).toThrow(ValidationError);
    });
  });

  describe('index use', () => {
    /** The indexes the reads of `run` went through on `table`. */
    async function indexesUsed(table: string, run: () => Promise<unknown>): Promise<string[]> {
      requests.length = 0;
      await run();
      return requests
        .filter((request) => request.table === table && request.index !== undefined)
        .map((request) => request.index ?? '');
    }

    it('reads an equality on an indexed field through its index', async () => {
      const used = await indexesUsed('indexed_items', () =>
        IndexedItem.where('category', 'fruit').get(),
      );
      expect(used).toEqual(['category']);
    });

    it('reads equalities on both fields of a compound index through it', async () => {
      const used = await indexesUsed('indexed_items', () =>
        IndexedItem.where({ shelf: 'A', slot: 1 }).get(),
      );
      expect(used).toEqual(['[shelf+slot]']);
    });

    it('reads a range on an indexed field through its index', async () => {
      const used = await indexesUsed('indexed_items', () =>
        IndexedItem.where('price', '>', 3).get(),
      );
      expect(used).toEqual(['price']);
    });

    it('reads a field without an index by scanning the primary key', async () => {
      const used = await indexesUsed('plain_items', () =>
        PlainItem.where('category', 'fruit').get(),
      );
      expect(used.every((index) => index === '')).toBe(true);
      expect(used.length).toBeGreaterThan(0);
    });
  });

  describe('orderBy, limit and offset', () => {
    it.each(orderCases)('$title: same results with and without an index', async (testCase) => {
      await expectSameResults(testCase, true);
    });

    it('rejects a negative or fractional limit/offset with ValidationError', () => {
      expect(() => itemsOf(IndexedItem).limit(-1)).toThrow(ValidationError);
      expect(() => itemsOf(IndexedItem).offset(1.5)).toThrow(ValidationError);
    });

    it('rejects an unknown direction with SchemaError', () => {
      expect(() => itemsOf(IndexedItem).orderBy('name', 'up' as never)).toThrow(SchemaError);
    });
  });

  describe.each([
    ['with an index', IndexedItem],
    ['without an index', PlainItem],
  ] as const)('terminals %s', (_label, model) => {
    const table = model.table;

    it('first() returns the first match in order, or null', async () => {
      const cheapest = await itemsOf(model).where('category', 'fruit').orderBy('price').first();
      expect(cheapest).toBeInstanceOf(model);
      expect(cheapest?.name).toBe('banana');
      expect(await itemsOf(model).where('category', 'meat').first()).toBeNull();
    });

    it('firstOrFail() returns the first match', async () => {
      expect((await itemsOf(model).where('name', 'fig').firstOrFail()).price).toBe(4);
    });

    it('firstOrFail() rejects with ModelNotFoundError naming the model, table and conditions', async () => {
      const query = itemsOf(model).where('category', 'meat');
      await expect(query.firstOrFail()).rejects.toBeInstanceOf(ModelNotFoundError);
      await expect(query.firstOrFail()).rejects.toThrow(model.name);
      await expect(query.firstOrFail()).rejects.toThrow(`"${table}"`);
      await expect(query.firstOrFail()).rejects.toThrow(/category.*meat/);
    });

    it('count() counts the matches, with or without a filter', async () => {
      expect(await itemsOf(model).count()).toBe(7);
      expect(await itemsOf(model).where('category', 'fruit').count()).toBe(4);
      expect(await itemsOf(model).where('price', '>', 2).count()).toBe(4);
      expect(await itemsOf(model).where('category', null).count()).toBe(2);
      expect(await itemsOf(model).orderBy('name').offset(5).count()).toBe(2);
    });

    it('exists() tells whether anything matches', async () => {
      expect(await itemsOf(model).where('name', 'startsWith', 'car').exists()).toBe(true);
      expect(await itemsOf(model).where('name', 'startsWith', 'zu').exists()).toBe(false);
    });

    it('update() changes the matching rows only and resolves to their count', async () => {
      const before = await db.dexie.table(table).toArray();
      expect(await itemsOf(model).where('category', 'fruit').update({ price: 10 })).toBe(4);
      const after = await db.dexie.table(table).toArray();
      for (const [i, row] of after.entries()) {
        const expected = before[i]!.category === 'fruit' ? { ...before[i], price: 10 } : before[i];
        expect(row).toEqual(expected);
      }
      expect(await itemsOf(model).where('price', 10).count()).toBe(4);
    });

    it('update() of nothing resolves to 0 and changes nothing', async () => {
      const before = await db.dexie.table(table).toArray();
      expect(await itemsOf(model).where('category', 'meat').update({ price: 0 })).toBe(0);
      expect(await itemsOf(model).whereIn('category', []).update({ price: 0 })).toBe(0);
      expect(await db.dexie.table(table).toArray()).toEqual(before);
    });

    it('update() rejects a change of primary key or an unstorable value and writes nothing', async () => {
      const before = await db.dexie.table(table).toArray();
      await expect(itemsOf(model).where('name', 'fig').update({ id: 99 })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(
        itemsOf(model)
          .where('name', 'fig')
          .update({ meta: { color: (() => 'red') as never } }),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await db.dexie.table(table).toArray()).toEqual(before);
    });

    it('delete() removes the matching rows only and resolves to their count', async () => {
      expect(await itemsOf(model).where('price', '<', 3).delete()).toBe(2);
      expect(await storedNames(table)).toEqual(['apple', 'date', 'eggplant', 'fig', 'apricot']);
      expect(await itemsOf(model).whereIn('name', []).delete()).toBe(0);
      expect(await db.dexie.table(table).count()).toBe(5);
    });

    it('delete() with limit and offset removes exactly that page', async () => {
      expect(await itemsOf(model).orderBy('name').offset(1).limit(2).delete()).toBe(2);
      expect(await storedNames(table)).toEqual(['apple', 'carrot', 'date', 'eggplant', 'fig']);
    });
  });

  describe('with', () => {
    it('throws SchemaError for a name that is not a relation', () => {
      expect(() => User.query().with('nope' as never)).toThrow(SchemaError);
    });
  });

  describe('observe', () => {
    /** Subscribes to `observable`, collecting what it emits. */
    function collect<T>(observable: Observable<T>) {
      const values: T[] = [];
      const errors: unknown[] = [];
      const subscription = observable.subscribe({
        next: (value) => values.push(value),
        error: (error: unknown) => errors.push(error),
      });
      return { values, errors, subscription };
    }

    const namesOf = (items: readonly IndexedItem[] | undefined) =>
      (items ?? []).map((item) => `${item.name}:${item.price ?? '-'}`);

    it.each([
      ['with an index', IndexedItem],
      ['without an index', PlainItem],
    ] as const)('emits the live result after each change to it, %s', async (_label, model) => {
      const live = collect(itemsOf(model).where('category', 'fruit').orderBy('name').observe());
      try {
        await vi.waitFor(() => expect(live.values).toHaveLength(1));
        expect(namesOf(live.values[0])).toEqual(['apple:3', 'apricot:3', 'banana:1', 'date:5']);
        expect(live.values[0]!.every((item) => item instanceof model)).toBe(true);

        // A change outside the result, then one inside: only the second is emitted.
        await itemsOf(model).where('name', 'carrot').update({ price: 20 });
        await model.create({ name: 'cherry', category: 'fruit', price: 6 });
        await vi.waitFor(() => expect(live.values).toHaveLength(2));
        expect(namesOf(live.values[1])).toEqual([
          'apple:3',
          'apricot:3',
          'banana:1',
          'cherry:6',
          'date:5',
        ]);

        await model.create({ name: 'leek', category: 'vegetable' });
        await itemsOf(model).where('name', 'banana').update({ price: 2 });
        await vi.waitFor(() => expect(live.values).toHaveLength(3));
        expect(namesOf(live.values[2])).toEqual([
          'apple:3',
          'apricot:3',
          'banana:2',
          'cherry:6',
          'date:5',
        ]);

        await itemsOf(model).where('name', 'leek').delete();
        await itemsOf(model).where('name', 'apricot').delete();
        await vi.waitFor(() => expect(live.values).toHaveLength(4));
        expect(namesOf(live.values[3])).toEqual(['apple:3', 'banana:2', 'cherry:6', 'date:5']);

        // A record moving into the result counts as a change to it.
        await itemsOf(model).where('name', 'carrot').update({ category: 'fruit' });
        await vi.waitFor(() => expect(live.values).toHaveLength(5));
        expect(namesOf(live.values[4])).toEqual([
          'apple:3',
          'banana:2',
          'carrot:20',
          'cherry:6',
          'date:5',
        ]);
        expect(live.errors).toEqual([]);
      } finally {
        live.subscription.unsubscribe();
      }
    });

    it('does not emit the same content twice when an unrelated table changes', async () => {
      const live = collect(IndexedItem.where('shelf', 'C').observe());
      try {
        await vi.waitFor(() => expect(live.values).toHaveLength(1));
        await User.create({ name: 'Ada', email: 'ada@example.com' });
        await PlainItem.create({ name: 'plum', shelf: 'C' });
        await IndexedItem.create({ name: 'quince', shelf: 'C' });
        await vi.waitFor(() => expect(live.values).toHaveLength(2));
        expect(live.values.map((items) => items.map((item) => item.name))).toEqual([
          ['fig', 'apricot'],
          ['fig', 'apricot', 'quince'],
        ]);
      } finally {
        live.subscription.unsubscribe();
      }
    });
  });
});

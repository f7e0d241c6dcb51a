import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Database,
  type DexormError,
  type HasMany,
  type HasOne,
  Model,
  ModelNotFoundError,
  SchemaError,
  StorageError,
  ValidationError,
} from '../src/index.js';
import { databaseSession } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

interface NoteAttributes {
  id?: number;
  title: string;
  meta?: unknown;
  done?: boolean;
  tags?: string[];
  big?: unknown;
  owner_id?: number | null;
}

class Owner extends Model<{ id?: number; name: string }> {
  static override table = 'owners';
  notesRelation(): HasMany<Owner, Note> {
    return this.hasMany(Note, 'owner_id');
  }
  pinnedRelation(): HasOne<Owner, Pin> {
    return this.hasOne(Pin, 'owner_id');
  }
}
class Note extends Model<NoteAttributes> {
  static override table = 'notes';
  static override defaults = { done: false, tags: [] as string[] };
}
class Pin extends Model<{ id?: number; owner_id?: number | null }> {
  static override table = 'pins';
}
class Place extends Model<{ id?: number; address: { city: string; zip?: string } }> {
  static override table = 'places';
  static override indexes = ['address.city'];
}
class Spot extends Model<{ id?: number; address: { city: string } }> {
  static override table = 'spots';
}
class Token extends Model<{ id?: string; label: string }> {
  static override table = 'tokens';
  static override keyType = 'uuid' as const;
}

let made = 0;
const session = databaseSession(
  () =>
    new Database(`dexorm-bad-classes-${++made}-${Date.now()}`, {
      models: [Owner, Note, Pin, Place, Spot, Token],
    }),
);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `act`, which must fail with a DexormError of `type`, and checks nothing was written. */
async function refusedWithoutWrites(
  act: () => unknown,
  type: typeof DexormError = ValidationError,
): Promise<DexormError> {
  const before = await snapshotTables(session.db);
  let error: unknown;
  try {
    await act();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(type);
  expect(await snapshotTables(session.db)).toEqual(before);
  return error as DexormError;
}

describe('bad input of every class is refused with a typed error, nothing written', () => {
  it('a circular attribute, at any depth; a value shared by two attributes is fine', async () => {
    const meta: Record<string, unknown> = { level: 1 };
    meta.self = meta;
    const error = await refusedWithoutWrites(() => Note.create({ title: 'loop', meta }));
    expect(error.message).toContain('circular');
    expect(error.field).toBe('meta.self');
    const note = await Note.create({ title: 'ok' });
    note.meta = [{ deep: meta }];
    await refusedWithoutWrites(() => note.save());
    await refusedWithoutWrites(() => Note.where('title', 'ok').update({ meta }));
    const shared = { a: 1 };
    const stored = await Note.create({ title: 'shared', meta: { left: shared, right: shared } });
    expect((await Note.findOrFail(stored.id!)).meta).toEqual({ left: { a: 1 }, right: { a: 1 } });
    // The table stays readable, live lists included.
    expect((await Note.all()).length).toBe(2);
  });

  it('a value larger than IndexedDB stores in one record, leaving the database usable', async () => {
    const huge = 'x'.repeat(134_000_000);
    const error = await refusedWithoutWrites(() => Note.create({ title: huge }), StorageError);
    expect(error.message).toContain('127 MB');
    const note = await Note.create({ title: 'small' });
    note.meta = { text: huge };
    await refusedWithoutWrites(() => note.save(), StorageError);
    await refusedWithoutWrites(() => Note.query().update({ meta: huge }), StorageError);
    expect((await Note.findOrFail(note.id!)).title).toBe('small');
  });

  it('counts a two-byte string at two bytes a character, as it is serialized', async () => {
    // 67 million characters: 134 MB once serialized, more than the 127 MB a record may take.
    const wide = 'é€'.repeat(33_500_000);
    await refusedWithoutWrites(() => Note.create({ title: wide }), StorageError);
    const narrow = 'é'.repeat(67_000_000); // one byte each: 67 MB, stored
    const note = await Note.create({ title: narrow });
    expect((await Note.findOrFail(note.id!)).title.length).toBe(67_000_000);
    // Copying 67 million characters in and out takes 1.6 s alone, over 5 s beside the other
    // test files on two cores.
  }, 30_000);

  const notAttributeSets: [string, unknown][] = [
    ['null', null],
    ['a string', 'str'],
    ['a number', 5],
    ['an array', [{ title: 'x' }]],
  ];
  for (const [what, value] of notAttributeSets) {
    it(`${what} where one set of attributes is expected`, async () => {
      const owner = await Owner.create({ name: 'o' });
      await refusedWithoutWrites(() => Note.create(value as never));
      await refusedWithoutWrites(() => Note.createMany([value as never]));
      await refusedWithoutWrites(() => new Note(value as never));
      await refusedWithoutWrites(() => new Note({ title: 't' }).fill(value as never));
      await refusedWithoutWrites(() => Note.query().update(value as never));
      await refusedWithoutWrites(() => owner.notesRelation().create(value as never));
      await refusedWithoutWrites(() => owner.notesRelation().createMany([value as never]));
      await refusedWithoutWrites(() => owner.pinnedRelation().create(value as never));
    });
  }

  it('a non-array where a list is expected, and a non-model where a model is', async () => {
    const owner = await Owner.create({ name: 'o' });
    const note = new Note({ title: 'n' });
    await refusedWithoutWrites(() => Note.createMany(null as never));
    await refusedWithoutWrites(() => Note.findMany(null as never));
    await refusedWithoutWrites(() => owner.notesRelation().createMany(null as never));
    const error = await refusedWithoutWrites(() => owner.notesRelation().save([note] as never));
    expect(error.message).toContain('saveMany()');
    await refusedWithoutWrites(() => owner.notesRelation().saveMany([{ title: 'x' }] as never));
    await refusedWithoutWrites(() => owner.pinnedRelation().save({ id: 1 } as never));
    expect(note.exists).toBe(false);
  });

  it('a bigint or a circular value in a query gives the query error, not a TypeError', async () => {
    const error = await refusedWithoutWrites(
      () => Note.where('big', 10n).firstOrFail(),
      ModelNotFoundError,
    );
    expect(error.message).toContain('10n');
    const loop: unknown[] = [];
    loop.push(loop);
    await refusedWithoutWrites(
      () => Note.where('big', 'in', loop as never[]).firstOrFail(),
      ModelNotFoundError,
    );
  });
});

describe('model definitions that cannot work are refused when the Database is built', () => {
  it('a getter named like a relation', () => {
    class Card extends Model<{ id?: number }> {
      static override table = 'cards';
    }
    class Holder extends Model<{ id?: number }> {
      static override table = 'holders';
      cardRelation(): HasOne<Holder, Card> {
        return this.hasOne(Card, 'holder_id' as never);
      }
      get card(): string {
        return 'shadow';
      }
    }
    expect(() => new Database('dexorm-bad-getter', { models: [Holder, Card] })).toThrow(
      SchemaError,
    );
  });

  it('a class field, which would override what create() is given', () => {
    class Task extends Model<{ id?: number; done?: boolean }> {
      static override table = 'tasks';
      override done = false;
    }
    expect(() => new Database('dexorm-bad-field', { models: [Task] })).toThrow(/static defaults/);
    class Handler extends Model<{ id?: number }> {
      static override table = 'handlers';
      onClick = () => undefined;
    }
    expect(() => new Database('dexorm-bad-fn-field', { models: [Handler] })).toThrow(/method/);
  });

  it('defaults that IndexedDB cannot store', () => {
    class Odd extends Model<{ id?: number }> {
      static override table = 'odds';
      static override defaults = { run: () => 1 };
    }
    expect(() => new Database('dexorm-bad-defaults', { models: [Odd] })).toThrow(ValidationError);
  });
});

describe('static defaults', () => {
  it('fill what a new model is not given, never what it is given or what is stored', async () => {
    const plain = await Note.create({ title: 'plain' });
    expect(plain.done).toBe(false);
    expect(plain.tags).toEqual([]);
    const given = await Note.create({ title: 'given', done: true, tags: ['x'] });
    expect(given.done).toBe(true);
    expect(new Note({ title: 'n', done: true }).done).toBe(true);
    // Each model gets its own copy of an array default.
    plain.tags!.push('mine');
    expect(new Note({ title: 'other' }).tags).toEqual([]);
    // A stored record without the field stays without it.
    await session.db.dexie.table('notes').add({ title: 'raw' });
    const raw = await Note.where('title', 'raw').firstOrFail();
    expect(raw.done).toBeUndefined();
    expect(raw.isDirty()).toBe(false);
    expect(await session.db.dexie.table('notes').get(plain.id!)).toEqual({
      id: plain.id,
      title: 'plain',
      done: false,
      tags: [],
    });
  });
});

describe('uuid keys', () => {
  it('are generated from crypto.getRandomValues where crypto.randomUUID is missing', async () => {
    vi.spyOn(crypto, 'randomUUID').mockImplementation(undefined as never);
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const token = await Token.create({ label: 'insecure page' });
      expect(token.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(await session.db.dexie.table('tokens').get(token.id!)).toEqual({
        id: token.id,
        label: 'insecure page',
      });
    } finally {
      Reflect.deleteProperty(crypto, 'randomUUID');
    }
    expect(typeof crypto.randomUUID).toBe('function');
  });
});

describe('dotted fields', () => {
  it('give the same results through an index and in memory, whatever the clause order', async () => {
    const rows = [
      { address: { city: 'Paris', zip: '75001' } },
      { address: { city: 'Lyon' } },
      { address: { city: 'Paris' } },
    ];
    await Place.createMany(rows);
    await Spot.createMany(rows);
    const cities = (list: readonly { id?: number }[]) => list.map((one) => one.id);
    const indexed = await Place.where('address.city' as 'address', 'Paris' as never).get();
    const scanned = await Spot.where('address.city' as 'address', 'Paris' as never).get();
    expect(cities(indexed)).toEqual([1, 3]);
    expect(cities(scanned)).toEqual([1, 3]);
    const both = await Place.query()
      .where('id', '>', 0)
      .where('address.city' as 'address', 'Paris' as never)
      .get();
    expect(cities(both)).toEqual([1, 3]);
    const sorted = await Spot.query()
      .orderBy('address.city' as 'address')
      .get();
    expect(sorted.map((spot) => spot.address.city)).toEqual(['Lyon', 'Paris', 'Paris']);
  });
});

describe('static modelName', () => {
  it('names the model in messages when a minifier has renamed the class', async () => {
    // As a minifier would leave it: a two-letter class name.
    class ar extends Model<{ id?: number; email: string }> {
      static override table = 'members';
      static override modelName = 'Member';
      static override indexes = ['&email'];
    }
    const db = session.track(new Database(`dexorm-model-name-${Date.now()}`, { models: [ar] }));
    await db.open();
    await ar.create({ email: 'a@example.com' });
    const error = await ar.create({ email: 'a@example.com' }).catch((e: unknown) => e);
    expect((error as DexormError).message).toMatch(/^Member \(table "members"\)/);
    expect((error as DexormError).model).toBe('Member');
  });
});

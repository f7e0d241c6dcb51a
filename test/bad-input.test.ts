import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Database,
  DexormError,
  Model,
  SchemaError,
  UnsavedModelError,
  ValidationError,
} from '../src/index.js';
import { Profile, User } from './support/models.js';
import { removeDatabase } from './support/session.js';
import { prototypeFingerprint, snapshotTables } from './support/snapshot.js';

interface TagAttributes {
  code?: string;
  label: string;
}

/** A model whose key the caller sets. */
class Tag extends Model<TagAttributes> {
  static override table = 'tags';
  static override primaryKey = 'code';
  static override keyType = 'manual' as const;
}

/** Registered with no Database. */
class Orphan extends Model<{ id?: number; name: string }> {
  static override table = 'orphans';
}

/** Forgot its table. */
class Tableless extends Model<{ id?: number }> {}

/** Claims a table another model already uses. */
class UsersAgain extends Model<{ id?: number; name: string }> {
  static override table = 'users';
}

let db: Database;
let seeded: Seeded;

interface Seeded {
  readonly ada: User;
  readonly grace: User;
}

beforeEach(async () => {
  db = new Database(`dexorm-bad-input-${Math.random().toString(36).slice(2)}`, {
    models: [User, Profile, Tag],
  });
  const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
  const grace = await User.create({ name: 'Grace', email: 'grace@example.com' });
  await ada.profileRelation().create({ bio: 'analyst' });
  await Tag.create({ code: 'red', label: 'Red' });
  seeded = { ada, grace };
});
afterEach(async () => {
  await removeDatabase(db);
});

/** A JSON payload with an own `__proto__` key, as `JSON.parse` makes it. */
const protoPayload = <T>(extra: object = {}): T =>
  JSON.parse(
    `{"__proto__": {"polluted": true}, ${JSON.stringify(extra).slice(1, -1)}}`.replace(', }', '}'),
  );

const nodeLike = { nodeType: 1, nodeName: 'DIV' };
const fn = () => 'not data';

interface BadInput {
  readonly name: string;
  /** The call under test; builder methods and constructors throw, async APIs reject. */
  readonly call: (seeded: Seeded) => unknown;
  readonly error: typeof DexormError;
  /** True when the API is synchronous and must throw rather than return a rejected promise. */
  readonly sync?: boolean;
  /** The field the error must name, where it names one. */
  readonly field?: string;
}

const unstorable: BadInput[] = [
  {
    name: 'create() with a function value',
    call: () => User.create({ name: fn as never, email: 'x@example.com' }),
    error: ValidationError,
    field: 'name',
  },
  {
    name: 'create() with a symbol value',
    call: () => User.create({ name: Symbol('n') as never, email: 'x@example.com' }),
    error: ValidationError,
    field: 'name',
  },
  {
    name: 'create() with a DOM-node-like object',
    call: () => Profile.create({ bio: nodeLike as never }),
    error: ValidationError,
    field: 'bio',
  },
  {
    name: 'create() with a function nested in an object',
    call: () => Profile.create({ bio: 'b', website: { render: fn } as never }),
    error: ValidationError,
  },
  {
    name: 'create() with a WeakMap inside an array',
    call: () => Profile.create({ bio: 'b', location: [1, new WeakMap()] as never }),
    error: ValidationError,
  },
  {
    name: 'create() with a Promise value',
    call: () => Profile.create({ bio: Promise.resolve('b') as never }),
    error: ValidationError,
    field: 'bio',
  },
  {
    name: 'save() of a stored model given a function',
    call: ({ ada }) => {
      ada.name = fn as never;
      return ada.save();
    },
    error: ValidationError,
    field: 'name',
  },
  {
    name: 'save() of a new model holding a symbol',
    call: () => new Profile({ bio: Symbol('b') as never }).save(),
    error: ValidationError,
  },
  {
    name: 'HasOne.create() with a function value',
    call: ({ grace }) => grace.profileRelation().create({ bio: fn as never }),
    error: ValidationError,
  },
  {
    name: 'HasOne.save() of a model holding a DOM-node-like object',
    call: ({ grace }) => grace.profileRelation().save(new Profile({ bio: nodeLike as never })),
    error: ValidationError,
  },
  {
    name: 'HasOne.updateOrCreate() updating with a function',
    call: ({ ada }) => ada.profileRelation().updateOrCreate({ bio: fn as never }),
    error: ValidationError,
  },
  {
    name: 'HasOne.firstOrCreate() creating with a symbol',
    call: ({ grace }) => grace.profileRelation().firstOrCreate({ bio: Symbol('b') as never }),
    error: ValidationError,
  },
  {
    name: 'createMany() with one bad record among good ones',
    call: () => Profile.createMany([{ bio: 'fine' }, { bio: fn as never }, { bio: 'also fine' }]),
    error: ValidationError,
  },
  {
    name: 'query update() with a function',
    call: () => User.where('name', 'Ada').update({ name: fn as never }),
    error: ValidationError,
  },
];

if (typeof document !== 'undefined') {
  const element = () => document.createElement('div');
  unstorable.push(
    {
      name: 'create() with a real DOM element',
      call: () => Profile.create({ bio: element() as never }),
      error: ValidationError,
      field: 'bio',
    },
    {
      name: 'HasOne.create() with a real DOM element nested in an object',
      call: ({ grace }) =>
        grace.profileRelation().create({ bio: 'b', website: { node: element() } as never }),
      error: ValidationError,
    },
  );
}

const reserved: BadInput[] = [
  {
    name: 'create() with __proto__ from JSON.parse',
    call: () => User.create(protoPayload({ name: 'Eve', email: 'eve@example.com' })),
    error: ValidationError,
    field: '__proto__',
  },
  {
    name: 'create() with constructor',
    call: () => User.create({ name: 'Eve', email: 'eve@example.com', constructor: 'x' } as never),
    error: ValidationError,
    field: 'constructor',
  },
  {
    name: 'create() with prototype',
    call: () => User.create({ name: 'Eve', email: 'eve@example.com', prototype: {} } as never),
    error: ValidationError,
    field: 'prototype',
  },
  {
    name: 'new Model() with __proto__ from JSON.parse',
    call: () => new User(protoPayload({ name: 'Eve' })),
    error: ValidationError,
    sync: true,
    field: '__proto__',
  },
  {
    name: 'fill() with __proto__ from JSON.parse',
    call: ({ ada }) => ada.fill(protoPayload({ name: 'Eve' })),
    error: ValidationError,
    sync: true,
    field: '__proto__',
  },
  {
    name: 'fill() with constructor',
    call: ({ ada }) => ada.fill({ constructor: Object } as never),
    error: ValidationError,
    sync: true,
    field: 'constructor',
  },
  {
    name: 'save() with __proto__ nested in a value',
    call: ({ ada }) => {
      (ada as unknown as Record<string, unknown>).email = protoPayload();
      return ada.save();
    },
    error: ValidationError,
  },
  {
    name: 'HasOne.create() with __proto__ from JSON.parse',
    call: ({ grace }) => grace.profileRelation().create(protoPayload({ bio: 'b' })),
    error: ValidationError,
  },
  {
    name: 'HasOne.updateOrCreate() with prototype',
    call: ({ ada }) => ada.profileRelation().updateOrCreate({ bio: 'b', prototype: 1 } as never),
    error: ValidationError,
  },
  {
    name: 'createMany() with one __proto__ record',
    call: () => Profile.createMany([{ bio: 'fine' }, protoPayload({ bio: 'b' })]),
    error: ValidationError,
  },
  {
    name: 'query update() with __proto__ from JSON.parse',
    call: () => User.query().update(protoPayload({ name: 'Eve' })),
    error: ValidationError,
  },
  {
    name: 'where() with an object holding __proto__',
    call: () => User.where(protoPayload({ name: 'Ada' })),
    error: SchemaError,
    sync: true,
    field: '__proto__',
  },
  {
    name: 'where("constructor", value)',
    call: () => User.where('constructor' as never, 'x' as never),
    error: SchemaError,
    sync: true,
    field: 'constructor',
  },
  {
    name: 'where("prototype", "=", value)',
    call: () => User.query().where('prototype' as never, '=', 1 as never),
    error: SchemaError,
    sync: true,
    field: 'prototype',
  },
];

const invalidKeys: BadInput[] = [
  {
    name: 'find() with an object',
    call: () => User.find({} as never),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'find() with NaN',
    call: () => User.find(Number.NaN),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'find() with a boolean',
    call: () => User.find(true as never),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'find() with null',
    call: () => User.find(null as never),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'findOrFail() with a boolean',
    call: () => User.findOrFail(false as never),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'findMany() with one object among numbers',
    call: () => User.findMany([1, {} as never]),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'findMany() with NaN',
    call: () => User.findMany([Number.NaN]),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'create() with an object as key',
    call: () => User.create({ id: {} as never, name: 'Eve', email: 'eve@example.com' }),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'create() with NaN as key',
    call: () => User.create({ id: Number.NaN, name: 'Eve', email: 'eve@example.com' }),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'create() with a boolean as key',
    call: () => User.create({ id: true as never, name: 'Eve', email: 'eve@example.com' }),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'HasOne.create() with an object as key',
    call: ({ grace }) => grace.profileRelation().create({ id: {} as never, bio: 'b' }),
    error: ValidationError,
    field: 'id',
  },
  {
    name: 'create() of a manual-key model without its key',
    call: () => Tag.create({ label: 'Blue' }),
    error: ValidationError,
    field: 'code',
  },
  {
    name: 'createMany() of a manual-key model with one key missing',
    call: () => Tag.createMany([{ code: 'blue', label: 'Blue' }, { label: 'Green' }]),
    error: ValidationError,
    field: 'code',
  },
  {
    name: 'find() on a manual-key model with a boolean',
    call: () => Tag.find(true as never),
    error: ValidationError,
    field: 'code',
  },
];

const schema: BadInput[] = [
  {
    name: 'with() an unknown relation',
    call: () => User.query().with('nope' as never),
    error: SchemaError,
    sync: true,
    field: 'nope',
  },
  {
    name: 'with() an unknown nested relation',
    call: () => User.query().with('profile.nope' as never),
    error: SchemaError,
    sync: true,
    field: 'nope',
  },
  {
    name: 'with() a relation of another model',
    call: () => Profile.query().with('profile' as never),
    error: SchemaError,
    sync: true,
    field: 'profile',
  },
  {
    name: 'load() an unknown relation',
    call: ({ ada }) => ada.load('nope' as never),
    error: SchemaError,
    field: 'nope',
  },
  { name: 'find() on an unregistered model', call: () => Orphan.find(1), error: SchemaError },
  {
    name: 'create() of an unregistered model',
    call: () => Orphan.create({ name: 'lost' }),
    error: SchemaError,
  },
  {
    name: 'query().get() on an unregistered model',
    call: () => Orphan.query().get(),
    error: SchemaError,
  },
  {
    name: 'a relation to an unregistered model, used',
    call: ({ ada }) => ada.hasOne(Orphan, 'user_id' as never).create({ name: 'lost' }),
    error: SchemaError,
  },
  {
    name: 'a relation to an unregistered model, observed',
    call: ({ ada }) =>
      new Promise((_, reject) =>
        ada
          .hasOne(Orphan, 'user_id' as never)
          .observe()
          .subscribe({ error: reject }),
      ),
    error: SchemaError,
  },
  {
    name: 'a Database whose relation targets a model it lacks',
    call: () => new Database('dexorm-bad-input-lacks', { models: [User] }),
    error: SchemaError,
    sync: true,
  },
  {
    name: 'a Database with a model without a table',
    call: () => new Database('dexorm-bad-input-tableless', { models: [User, Profile, Tableless] }),
    error: SchemaError,
    sync: true,
  },
  {
    name: 'a Database with two models on one table',
    call: () => new Database('dexorm-bad-input-shared', { models: [User, Profile, UsersAgain] }),
    error: SchemaError,
    sync: true,
  },
];

const operators: BadInput[] = [
  {
    name: 'where() on a relation name',
    call: () => User.where('profile' as never, 1 as never),
    error: SchemaError,
    sync: true,
    field: 'profile',
  },
  {
    name: 'where() with an unknown operator',
    call: () => User.where('name', 'like' as never, 'A%'),
    error: SchemaError,
    sync: true,
    field: 'name',
  },
  {
    name: 'where(field, "in", non-array)',
    // @ts-expect-error 'in' takes an array
    call: () => User.where('name', 'in', 'Ada'),
    error: ValidationError,
    sync: true,
    field: 'name',
  },
  {
    name: 'where(field, "startsWith", non-string)',
    // @ts-expect-error 'startsWith' takes a string
    call: () => User.where('name', 'startsWith', 3),
    error: ValidationError,
    sync: true,
    field: 'name',
  },
  {
    name: 'whereIn() with a non-array',
    call: () => User.query().whereIn('name', 'Ada' as never),
    error: ValidationError,
    sync: true,
    field: 'name',
  },
  {
    name: 'where() on an empty field name',
    call: () => User.where('' as never, 'x' as never),
    error: SchemaError,
    sync: true,
  },
  {
    name: 'orderBy() a reserved name',
    call: () => User.query().orderBy('__proto__' as never),
    error: SchemaError,
    sync: true,
    field: '__proto__',
  },
  {
    name: 'orderBy() with an unknown direction',
    call: () => User.query().orderBy('name', 'sideways' as never),
    error: SchemaError,
    sync: true,
  },
  {
    name: 'limit() with a negative count',
    call: () => User.query().limit(-1),
    error: ValidationError,
    sync: true,
  },
  {
    name: 'offset() with a fraction',
    call: () => User.query().offset(1.5),
    error: ValidationError,
    sync: true,
  },
];

const unsaved: BadInput[] = [
  {
    name: 'HasOne.create() through an unsaved parent',
    call: () =>
      new User({ name: 'Eve', email: 'eve@example.com' }).profileRelation().create({ bio: 'b' }),
    error: UnsavedModelError,
  },
  {
    name: 'HasOne.associate() through an unsaved parent',
    call: () => new User({ name: 'Eve' }).profileRelation().associate(new Profile({ bio: 'b' })),
    error: UnsavedModelError,
    sync: true,
  },
];

/** Calls `call`, telling a synchronous throw apart from a rejection. */
async function outcome(call: () => unknown): Promise<{ sync: boolean; error: unknown }> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { sync: true, error };
  }
  expect(result, 'an async API returns a promise').toBeInstanceOf(Promise);
  try {
    await result;
  } catch (error) {
    return { sync: false, error };
  }
  throw new Error('the call succeeded');
}

describe.each([
  ['values IndexedDB cannot store', unstorable],
  ['reserved keys', reserved],
  ['invalid keys', invalidKeys],
  ['unknown relations, unregistered models, bad schemas', schema],
  ['operators on fields that cannot be queried', operators],
  ['writes through an unsaved parent', unsaved],
] as const)('bad input: %s', (_group, cases) => {
  it.each(cases)(
    '$name: typed error, nothing stored changes, no prototype polluted',
    async (badInput) => {
      const before = await snapshotTables(db);
      const prototypes = [
        Model.prototype,
        User.prototype,
        Profile.prototype,
        Tag.prototype,
        Array.prototype,
      ];
      const fingerprint = prototypeFingerprint(...prototypes);

      const { sync, error } = await outcome(() => badInput.call(seeded));

      expect(error).toBeInstanceOf(badInput.error);
      expect(error).toBeInstanceOf(DexormError);
      expect(sync, sync ? 'threw synchronously' : 'rejected').toBe(badInput.sync ?? false);
      const typed = error as DexormError;
      if (badInput.field !== undefined) expect(typed.field).toBe(badInput.field);
      if (typed.model !== undefined) expect(typed.message).toContain(typed.model);

      expect(await snapshotTables(db)).toEqual(before);
      // The models are still bound to this Database (a failed `new Database` took nothing over).
      expect(await User.count()).toBe(2);
      expect(prototypeFingerprint(...prototypes)).toEqual(fingerprint);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(seeded.ada)).toBe(User.prototype);
      expect(Object.getPrototypeOf(seeded.grace)).toBe(User.prototype);
    },
  );
});

describe('bad input: the stored records stay readable and writable afterwards', () => {
  it('a rejected save leaves the stored record as it was and a corrected save goes through', async () => {
    const { ada } = seeded;
    ada.name = fn as never;
    await expect(ada.save()).rejects.toBeInstanceOf(ValidationError);
    expect((await User.findOrFail(ada.id as number)).name).toBe('Ada');
    ada.name = 'Ada Lovelace';
    await ada.save();
    expect(((await snapshotTables(db)).users as { name: string }[]).map((u) => u.name)).toEqual([
      'Ada Lovelace',
      'Grace',
    ]);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as dexorm from '../src/index.js';
import {
  type Database,
  DatabaseClosedError,
  DexormError,
  ModelNotFoundError,
  SchemaError,
  StorageError,
  UniqueConstraintError,
  UnsavedModelError,
  ValidationError,
} from '../src/index.js';
import { rejectionOf } from './support/failures.js';
import { Profile, User } from './support/models.js';
import {
  databaseOf,
  IndexedItem,
  Note,
  recordRequests,
  Setting,
  type StorageRequest,
} from './support/more-models.js';
import { removeDatabase } from './support/session.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let db: Database;
let requests: StorageRequest[];

/** The writes recorded since the test started. */
function writes(): StorageRequest[] {
  return requests.filter((request) =>
    ['add', 'put', 'delete', 'deleteRange'].includes(request.kind),
  );
}

/** Every stored row of `table`, in primary key order. */
function rowsOf(table: string): Promise<Record<string, unknown>[]> {
  return db.dexie.table(table).toArray();
}

beforeEach(() => {
  db = databaseOf([User, Profile, Note, Setting, IndexedItem]);
  requests = recordRequests(db);
});

afterEach(async () => {
  await removeDatabase(db);
});

async function seedUsers(): Promise<User[]> {
  return User.createMany([
    { name: 'Ada', email: 'ada@example.com' },
    { name: 'Grace', email: 'grace@example.com' },
    { name: 'Linus', email: 'linus@example.com' },
  ]);
}

describe('Model', () => {
  describe('attributes', () => {
    it('are plain, assignable properties of the instance', () => {
      const user = new User({ name: 'Ada', email: 'ada@example.com' });
      expect(user.name).toBe('Ada');
      user.name = 'Ada Lovelace';
      expect(user.name).toBe('Ada Lovelace');
      expect(Object.keys(user).sort()).toEqual(['email', 'name']);
    });

    it('start empty with new Model() and nothing is stored until save', async () => {
      const user = new User();
      expect(Object.keys(user)).toEqual([]);
      expect(user.exists).toBe(false);
      expect(await rowsOf('users')).toEqual([]);
    });
  });

  describe('find', () => {
    it('returns the stored model as an instance of its class', async () => {
      const [, grace] = await seedUsers();
      const found = await User.find(grace!.id!);
      expect(found).toBeInstanceOf(User);
      expect(found?.toJSON()).toEqual({ id: grace!.id, name: 'Grace', email: 'grace@example.com' });
      expect(found?.exists).toBe(true);
      expect(found?.isDirty()).toBe(false);
    });

    it('returns null for a key that is not stored', async () => {
      await seedUsers();
      expect(await User.find(99)).toBeNull();
    });

    it('rejects a value that cannot be a key with ValidationError', async () => {
      const error = await rejectionOf(User.find({} as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain('"id"');
    });
  });

  describe('findOrFail', () => {
    it('returns the stored model', async () => {
      const [ada] = await seedUsers();
      expect((await User.findOrFail(ada!.id!)).name).toBe('Ada');
    });

    it('rejects with ModelNotFoundError naming the model, table and key', async () => {
      await seedUsers();
      const error = (await rejectionOf(User.findOrFail(42))) as ModelNotFoundError;
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect(error.message).toContain('User');
      expect(error.message).toContain('"users"');
      expect(error.message).toContain('42');
      expect(error).toMatchObject({ model: 'User', table: 'users', field: 'id', key: 42 });
    });
  });

  describe('findMany', () => {
    it('returns the models in the order of the keys given, skipping missing ones', async () => {
      const [ada, grace, linus] = await seedUsers();
      const found = await User.findMany([linus!.id!, 77, ada!.id!, grace!.id!]);
      expect(found.map((user) => user.name)).toEqual(['Linus', 'Ada', 'Grace']);
      expect(found.every((user) => user instanceof User && user.exists)).toBe(true);
    });

    it('returns an empty array for no keys', async () => {
      await seedUsers();
      expect(await User.findMany([])).toEqual([]);
    });
  });

  describe('create', () => {
    it('inserts the model and reads its auto-increment key back', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      expect(user).toBeInstanceOf(User);
      expect(typeof user.id).toBe('number');
      expect(user.exists).toBe(true);
      expect(user.isDirty()).toBe(false);
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada', email: 'ada@example.com' },
      ]);
    });

    it('assigns a UUID to a model whose keyType is uuid', async () => {
      const note = await Note.create({ title: 'hello' });
      expect(note.id).toMatch(UUID);
      expect(await rowsOf('notes')).toEqual([{ id: note.id, title: 'hello' }]);
      const other = await Note.create({ title: 'world' });
      expect(other.id).not.toBe(note.id);
    });

    it('keeps a UUID the caller chose', async () => {
      const id = crypto.randomUUID();
      const note = await Note.create({ id, title: 'chosen' });
      expect(note.id).toBe(id);
      expect((await Note.findOrFail(id)).title).toBe('chosen');
    });

    it('stores a manual key under the declared primary key', async () => {
      const setting = await Setting.create({ key: 'theme', value: 'dark' });
      expect(setting.getKey()).toBe('theme');
      expect(await rowsOf('settings')).toEqual([{ key: 'theme', value: 'dark' }]);
    });

    it('rejects a manual-key model without a key with ValidationError and stores nothing', async () => {
      const error = (await rejectionOf(Setting.create({ value: 'dark' }))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('Setting');
      expect(error.message).toContain('"key"');
      expect(error).toMatchObject({ model: 'Setting', table: 'settings', field: 'key' });
      expect(await rowsOf('settings')).toEqual([]);
    });

    it('rejects a duplicate unique value with UniqueConstraintError and stores nothing new', async () => {
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const error = (await rejectionOf(
        User.create({ name: 'Impostor', email: 'ada@example.com' }),
      )) as UniqueConstraintError;
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect(error.message).toContain('email');
      expect(error.message).toContain('"ada@example.com"');
      expect(error).toMatchObject({ model: 'User', table: 'users', field: 'email' });
      expect(await rowsOf('users')).toEqual([
        { id: ada.id, name: 'Ada', email: 'ada@example.com' },
      ]);
    });

    it('rejects a manual key that is already stored and keeps the stored record', async () => {
      await Setting.create({ key: 'theme', value: 'dark' });
      await expect(Setting.create({ key: 'theme', value: 'light' })).rejects.toBeInstanceOf(
        UniqueConstraintError,
      );
      expect(await rowsOf('settings')).toEqual([{ key: 'theme', value: 'dark' }]);
    });
  });

  describe('createMany', () => {
    it('inserts all models in one bulk write and reads every key back', async () => {
      const users = await seedUsers();
      expect(writes()).toEqual([{ table: 'users', kind: 'add', records: 3 }]);
      const stored = await rowsOf('users');
      expect(stored.map((row) => row.id)).toEqual(users.map((user) => user.id));
      expect(users.map((user) => user.toJSON())).toEqual(stored);
      expect(users.every((user) => user.exists && !user.isDirty())).toBe(true);
    });

    it('assigns a UUID to each model whose keyType is uuid', async () => {
      const notes = await Note.createMany([{ title: 'a' }, { title: 'b' }]);
      expect(notes.map((note) => note.id)).toEqual([
        expect.stringMatching(UUID),
        expect.stringMatching(UUID),
      ]);
      expect(new Set(notes.map((note) => note.id)).size).toBe(2);
      expect(await db.dexie.table('notes').count()).toBe(2);
    });

    it('rejects a batch with a duplicate unique value and stores none of it', async () => {
      const error = await rejectionOf(
        User.createMany([
          { name: 'Ada', email: 'ada@example.com' },
          { name: 'Grace', email: 'grace@example.com' },
          { name: 'Again', email: 'ada@example.com' },
        ]),
      );
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect((error as UniqueConstraintError).message).toContain('User');
      expect(await rowsOf('users')).toEqual([]);
    });

    it('rejects a batch that collides with a stored record and keeps the stored one intact', async () => {
      const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
      await expect(
        User.createMany([
          { name: 'Grace', email: 'grace@example.com' },
          { name: 'Copy', email: 'ada@example.com' },
        ]),
      ).rejects.toBeInstanceOf(UniqueConstraintError);
      expect(await rowsOf('users')).toEqual([
        { id: ada.id, name: 'Ada', email: 'ada@example.com' },
      ]);
    });

    it('rejects a batch with one invalid model before writing anything', async () => {
      await expect(
        Setting.createMany([{ key: 'a', value: '1' }, { value: 'no key' }]),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await rowsOf('settings')).toEqual([]);
      expect(writes()).toEqual([]);
    });

    it('resolves to an empty array for an empty list and writes nothing', async () => {
      expect(await User.createMany([])).toEqual([]);
      expect(writes()).toEqual([]);
    });
  });

  describe('all', () => {
    it('returns every model in primary key order', async () => {
      await seedUsers();
      await db.dexie.table('users').add({ name: 'Barbara', email: 'barbara@example.com' });
      expect((await User.all()).map((user) => user.name)).toEqual([
        'Ada',
        'Grace',
        'Linus',
        'Barbara',
      ]);
    });

    it('returns an empty array for an empty table', async () => {
      expect(await User.all()).toEqual([]);
    });
  });

  describe('query and where', () => {
    it('query() starts an unfiltered query over the table', async () => {
      await seedUsers();
      expect((await User.query().orderBy('name', 'desc').get()).map((u) => u.name)).toEqual([
        'Linus',
        'Grace',
        'Ada',
      ]);
    });

    it('where() is a shortcut for query().where()', async () => {
      await seedUsers();
      expect((await User.where('name', 'Grace').get()).map((u) => u.email)).toEqual([
        'grace@example.com',
      ]);
      expect((await User.where('name', '!=', 'Grace').get()).map((u) => u.name)).toEqual([
        'Ada',
        'Linus',
      ]);
      expect((await User.where({ email: 'linus@example.com' }).get()).map((u) => u.name)).toEqual([
        'Linus',
      ]);
    });
  });

  describe('count', () => {
    it('counts the stored models', async () => {
      expect(await User.count()).toBe(0);
      await seedUsers();
      expect(await User.count()).toBe(3);
    });
  });

  describe('save', () => {
    it('inserts a new model, sets its key and returns the same instance', async () => {
      const user = new User({ name: 'Ada', email: 'ada@example.com' });
      expect(user.getKey()).toBeUndefined();
      const saved = await user.save();
      expect(saved).toBe(user);
      expect(user.id).toEqual(expect.any(Number));
      expect(user.exists).toBe(true);
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada', email: 'ada@example.com' },
      ]);
    });

    it('updates a stored model in place, without a second record', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      user.name = 'Ada Lovelace';
      await user.save();
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada Lovelace', email: 'ada@example.com' },
      ]);
      expect(user.isDirty()).toBe(false);
    });

    it('writes only the changed fields, keeping a field another writer changed meanwhile', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      await db.dexie.table('users').update(user.id!, { email: 'countess@example.com' });
      user.name = 'Ada Lovelace';
      await user.save();
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada Lovelace', email: 'countess@example.com' },
      ]);
    });

    it('removes an attribute deleted from the model', async () => {
      const profile = await Profile.create({ bio: 'hi', website: 'https://example.com' });
      delete profile.website;
      expect(profile.getDirty()).toEqual({ website: undefined });
      await profile.save();
      expect(await rowsOf('profiles')).toEqual([{ id: profile.id, bio: 'hi' }]);
    });

    it('does not store attributes set to undefined, nor count them as changes', async () => {
      const profile = await Profile.create({ bio: 'hi', website: undefined });
      expect(await rowsOf('profiles')).toEqual([{ id: profile.id, bio: 'hi' }]);
      expect(Object.hasOwn((await rowsOf('profiles'))[0]!, 'website')).toBe(false);
      expect(profile.isDirty()).toBe(false);
      profile.location = undefined;
      expect(profile.getDirty()).toEqual({});
    });

    it('stores the model again when another writer deleted its record meanwhile', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      await db.dexie.table('users').delete(user.id!);
      user.name = 'Ada Lovelace';
      await user.save();
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada Lovelace', email: 'ada@example.com' },
      ]);
    });

    it('does not write when nothing changed', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const before = writes().length;
      user.name = 'Ada';
      expect(await user.save()).toBe(user);
      const found = await User.findOrFail(user.id!);
      await found.save();
      expect(writes()).toHaveLength(before);
    });

    it('stores in-place edits of nested arrays and objects', async () => {
      const item = await IndexedItem.create({
        name: 'lamp',
        tags: ['light'],
        meta: { color: 'white', sizes: [1] },
      });
      item.tags!.push('desk');
      item.meta!.sizes!.push(2);
      await item.save();
      expect(await db.dexie.table('indexed_items').get(item.id!)).toEqual({
        id: item.id,
        name: 'lamp',
        tags: ['light', 'desk'],
        meta: { color: 'white', sizes: [1, 2] },
      });
      expect(item.isDirty()).toBe(false);
    });

    it('rejects a change of the primary key of a stored model and writes nothing', async () => {
      const [ada] = await seedUsers();
      const before = writes().length;
      ada!.id = 100;
      ada!.name = 'Changed';
      const error = (await rejectionOf(ada!.save())) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('User');
      expect(error.message).toContain('"id"');
      expect(error).toMatchObject({ model: 'User', table: 'users', field: 'id' });
      expect(writes()).toHaveLength(before);
      expect((await rowsOf('users')).map((row) => [row.id, row.name])).toEqual([
        [1, 'Ada'],
        [2, 'Grace'],
        [3, 'Linus'],
      ]);
    });

    it('rejects an update that breaks a unique index and keeps both records', async () => {
      const [ada, grace] = await seedUsers();
      grace!.email = ada!.email;
      const error = (await rejectionOf(grace!.save())) as UniqueConstraintError;
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect(error.message).toContain('"ada@example.com"');
      expect((await rowsOf('users')).map((row) => row.email)).toEqual([
        'ada@example.com',
        'grace@example.com',
        'linus@example.com',
      ]);
      expect(grace!.isDirty('email')).toBe(true);
    });
  });

  describe('delete', () => {
    it('deletes the stored record and marks the model as not existing', async () => {
      const [ada, grace] = await seedUsers();
      await grace!.delete();
      expect(grace!.exists).toBe(false);
      expect(await User.find(grace!.id!)).toBeNull();
      expect((await rowsOf('users')).map((row) => row.id)).toEqual([ada!.id, 3]);
    });

    it('lets a deleted model be saved again as a new record', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      await user.delete();
      await user.save();
      expect(user.exists).toBe(true);
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada', email: 'ada@example.com' },
      ]);
    });

    it('rejects a model without a key with UnsavedModelError and deletes nothing', async () => {
      await seedUsers();
      const error = (await rejectionOf(
        new User({ name: 'Nobody', email: 'nobody@example.com' }).delete(),
      )) as UnsavedModelError;
      expect(error).toBeInstanceOf(UnsavedModelError);
      expect(error.message).toContain('User');
      expect(error.message).toContain('"users"');
      expect(error.message).toContain('"id"');
      expect(await User.count()).toBe(3);
    });
  });

  describe('refresh', () => {
    it('re-reads the attributes another writer changed, added or removed', async () => {
      const profile = await Profile.create({ bio: 'old', website: 'https://example.com' });
      await db.dexie.table('profiles').put({ id: profile.id, bio: 'new', location: 'London' });
      profile.bio = 'unsaved edit';
      expect(await profile.refresh()).toBe(profile);
      expect(profile.toJSON()).toEqual({ id: profile.id, bio: 'new', location: 'London' });
      expect(profile.website).toBeUndefined();
      expect(profile.isDirty()).toBe(false);
    });

    it('rejects with ModelNotFoundError when the record is gone', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      await db.dexie.table('users').delete(user.id!);
      const error = (await rejectionOf(user.refresh())) as ModelNotFoundError;
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect(error).toMatchObject({ model: 'User', table: 'users', key: user.id });
    });

    it('rejects a model without a key with UnsavedModelError', async () => {
      await expect(new User({ name: 'Ada' }).refresh()).rejects.toBeInstanceOf(UnsavedModelError);
    });
  });

  describe('fill', () => {
    it('assigns the attributes given, returns the model and writes nothing', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const before = writes().length;
      expect(user.fill({ name: 'Ada Lovelace' })).toBe(user);
      expect(user.name).toBe('Ada Lovelace');
      expect(user.email).toBe('ada@example.com');
      expect(user.getDirty()).toEqual({ name: 'Ada Lovelace' });
      expect(writes()).toHaveLength(before);
      expect((await rowsOf('users'))[0]?.name).toBe('Ada');
    });

    it('rejects an attribute that would shadow a member of the model', () => {
      const user = new User({ name: 'Ada' });
      expect(() => user.fill({ save: 1 } as never)).toThrow(ValidationError);
      expect(typeof user.save).toBe('function');
    });
  });

  describe('getKey', () => {
    it('is undefined before the first save and the key afterwards', async () => {
      const user = new User({ name: 'Ada', email: 'ada@example.com' });
      expect(user.getKey()).toBeUndefined();
      await user.save();
      expect(user.getKey()).toBe(user.id);
      expect(await db.dexie.table('users').get(user.getKey()!)).toBeDefined();
    });

    it('reads the declared primary key', () => {
      expect(new Setting({ key: 'lang', value: 'en' }).getKey()).toBe('lang');
    });
  });

  describe('exists', () => {
    it('is false for a new model and true once stored or read', async () => {
      const user = new User({ name: 'Ada', email: 'ada@example.com' });
      expect(user.exists).toBe(false);
      await user.save();
      expect(user.exists).toBe(true);
      expect((await User.findOrFail(user.id!)).exists).toBe(true);
    });

    it('is false for a model built with a key that was never saved', () => {
      expect(new Setting({ key: 'lang', value: 'en' }).exists).toBe(false);
    });
  });

  describe('isDirty and getDirty', () => {
    it('report every attribute of a model that was never saved', () => {
      const user = new User({ name: 'Ada', email: 'ada@example.com' });
      expect(user.isDirty()).toBe(true);
      expect(user.getDirty()).toEqual({ name: 'Ada', email: 'ada@example.com' });
    });

    it('report the changed attributes only, by field', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      expect(user.isDirty()).toBe(false);
      user.name = 'Ada Lovelace';
      expect(user.isDirty()).toBe(true);
      expect(user.isDirty('name')).toBe(true);
      expect(user.isDirty('email')).toBe(false);
      expect(user.getDirty()).toEqual({ name: 'Ada Lovelace' });
      user.name = 'Ada';
      expect(user.isDirty()).toBe(false);
    });

    it('see in-place edits of nested arrays and objects', async () => {
      const created = await IndexedItem.create({
        name: 'lamp',
        tags: ['light'],
        meta: { color: 'white', sizes: [1] },
      });
      const item = await IndexedItem.findOrFail(created.id!);
      item.tags!.push('desk');
      expect(item.isDirty('tags')).toBe(true);
      expect(item.isDirty('meta')).toBe(false);
      item.meta!.color = 'black';
      expect(item.getDirty()).toEqual({
        tags: ['light', 'desk'],
        meta: { color: 'black', sizes: [1] },
      });
      // The edits stay on this instance: the stored record and other reads are untouched.
      expect((await IndexedItem.findOrFail(created.id!)).tags).toEqual(['light']);
      expect(created.tags).toEqual(['light']);
    });

    it('are clean after save', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      user.email = 'countess@example.com';
      await user.save();
      expect(user.getDirty()).toEqual({});
    });
  });

  describe('toJSON', () => {
    it('returns the attributes as a plain object', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const json = user.toJSON();
      expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
      expect(json).toEqual({ id: user.id, name: 'Ada', email: 'ada@example.com' });
      expect(JSON.parse(JSON.stringify(user))).toEqual(json);
    });

    it('nests loaded relations as plain objects, and null for a missing one', async () => {
      const [ada, grace] = await seedUsers();
      const profile = await ada!.profileRelation().create({ bio: 'poet' });
      await ada!.load('profile');
      await grace!.load('profile');
      expect(JSON.parse(JSON.stringify(ada))).toEqual({
        id: ada!.id,
        name: 'Ada',
        email: 'ada@example.com',
        profile: { id: profile.id, user_id: ada!.id, bio: 'poet' },
      });
      expect(grace!.toJSON()).toEqual({
        id: grace!.id,
        name: 'Grace',
        email: 'grace@example.com',
        profile: null,
      });
    });

    it('leaves out relations that were not loaded', async () => {
      const [ada] = await seedUsers();
      await ada!.profileRelation().create({ bio: 'poet' });
      expect(Object.keys(ada!.toJSON()).sort()).toEqual(['email', 'id', 'name']);
    });
  });
});

describe('ValidationError', () => {
  /** Checks that nothing reached the prototype of plain objects. */
  function expectNoPollution(): void {
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }

  const unstorable: [string, unknown][] = [
    ['a function', () => 'nope'],
    ['a symbol', Symbol('nope')],
    ['a DOM-node-like value', { nodeType: 1, nodeName: 'DIV' }],
    ['a WeakMap', new WeakMap()],
    ['a function nested in an object', { color: () => 'red' }],
  ];

  describe.each(unstorable)('for %s', (_what, value) => {
    it('rejects create and stores nothing', async () => {
      const error = (await rejectionOf(
        IndexedItem.create({ name: 'bad', meta: value as never }),
      )) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('IndexedItem');
      expect(error.message).toContain('"indexed_items"');
      expect(error.message).toContain('meta');
      expect(error.field).toMatch(/^meta/);
      expect(await rowsOf('indexed_items')).toEqual([]);
    });

    it('rejects save of a stored model and keeps the stored record', async () => {
      const item = await IndexedItem.create({ name: 'good', meta: { color: 'red' } });
      item.meta = value as never;
      await expect(item.save()).rejects.toBeInstanceOf(ValidationError);
      expect(await rowsOf('indexed_items')).toEqual([
        { id: item.id, name: 'good', meta: { color: 'red' } },
      ]);
    });

    it('rejects createMany and stores none of the batch', async () => {
      await expect(
        IndexedItem.createMany([{ name: 'fine' }, { name: 'bad', meta: value as never }]),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await rowsOf('indexed_items')).toEqual([]);
    });
  });

  it.runIf(typeof document !== 'undefined')('rejects a real DOM node', async () => {
    const node = document.createElement('div');
    await expect(IndexedItem.create({ name: 'bad', meta: node as never })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await rowsOf('indexed_items')).toEqual([]);
  });

  describe('reserved keys', () => {
    it('rejects __proto__ from parsed JSON in create, stores nothing and pollutes nothing', async () => {
      const attributes = JSON.parse(
        '{"name":"Eve","email":"eve@example.com","__proto__":{"polluted":true}}',
      );
      const error = (await rejectionOf(User.create(attributes))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('__proto__');
      expect(error.field).toBe('__proto__');
      expect(await rowsOf('users')).toEqual([]);
      expectNoPollution();
    });

    it('rejects __proto__ nested in an attribute value', async () => {
      const meta = JSON.parse('{"color":"red","__proto__":{"polluted":true}}');
      await expect(IndexedItem.create({ name: 'bad', meta })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await rowsOf('indexed_items')).toEqual([]);
      expectNoPollution();
    });

    it.each(['constructor', 'prototype'])('rejects %s as an attribute name', async (name) => {
      const attributes = { name: 'Eve', email: 'eve@example.com', [name]: 'x' };
      const error = (await rejectionOf(User.create(attributes as never))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain(`"${name}"`);
      expect(error).toMatchObject({ model: 'User', table: 'users', field: name });
      expect(await rowsOf('users')).toEqual([]);
    });

    it('rejects reserved keys in fill and leaves the model as it was', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      const attributes = JSON.parse('{"name":"Eve","__proto__":{"polluted":true}}');
      expect(() => user.fill(attributes)).toThrow(ValidationError);
      expect(() => user.fill({ constructor: 'x' } as never)).toThrow(ValidationError);
      expect(Object.getPrototypeOf(user)).toBe(User.prototype);
      expect(user.constructor).toBe(User);
      expect(Object.hasOwn(user, '__proto__')).toBe(false);
      expectNoPollution();
      await user.save();
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: user.name, email: 'ada@example.com' },
      ]);
    });

    it('rejects a __proto__ attribute set on a model before save and writes nothing', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      Object.defineProperty(user, '__proto__', {
        value: { polluted: true },
        enumerable: true,
        configurable: true,
        writable: true,
      });
      await expect(user.save()).rejects.toBeInstanceOf(ValidationError);
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada', email: 'ada@example.com' },
      ]);
      expectNoPollution();
    });

    it('reads a stored record whose fields are named like members: the member wins, the stored value stays', async () => {
      // As db.dexie, an older version of the app or another replica may have written it.
      const stored = JSON.parse(
        '{"name":"Eve","email":"eve@example.com","nickname":"E","exists":"yes","save":2,' +
          '"constructor":"x","toString":"y","profile$":3,"__proto__":{"polluted":true}}',
      );
      const key = (await db.dexie.table('users').add(stored)) as number;

      const [eve] = await User.query().get();
      const found = await User.findOrFail(key);
      for (const user of [eve!, found]) {
        expect(user).toBeInstanceOf(User);
        expect(user.exists).toBe(true);
        expect(typeof user.save).toBe('function');
        expect(Object.keys(user).sort()).toEqual(['email', 'id', 'name', 'nickname']);
        expect(user.toJSON()).toEqual({
          id: key,
          name: 'Eve',
          email: 'eve@example.com',
          nickname: 'E',
        });
        expect(user.isDirty()).toBe(false);
      }
      expectNoPollution();

      found.name = 'Eve Smith';
      expect(found.getDirty()).toEqual({ name: 'Eve Smith' });
      await found.save();
      const [row] = await rowsOf('users');
      expect(row).toEqual({ ...stored, id: key, name: 'Eve Smith' });
      expect(Object.hasOwn(row!, '__proto__')).toBe(true);

      await db.dexie.table('users').update(key, { name: 'Eve S.', save: 4 });
      await found.refresh();
      expect(found.name).toBe('Eve S.');
      expect(typeof found.save).toBe('function');
      expect(found.isDirty()).toBe(false);
      expectNoPollution();
    });

    it('keeps on refresh an own property the app set over a member', async () => {
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      Object.defineProperty(user, 'toString', { value: () => 'Ada!', enumerable: true });
      await db.dexie.table('users').update(user.id!, { name: 'Ada L.' });

      await user.refresh();
      expect(user.name).toBe('Ada L.');
      expect(user.toString()).toBe('Ada!');
      expect(await rowsOf('users')).toEqual([
        { id: user.id, name: 'Ada L.', email: 'ada@example.com' },
      ]);
    });
  });
});

describe('errors', () => {
  const exportsByName = new Map<string, unknown>(Object.entries(dexorm));
  const classes = [
    ModelNotFoundError,
    UnsavedModelError,
    UniqueConstraintError,
    SchemaError,
    ValidationError,
    DatabaseClosedError,
    StorageError,
  ];

  it.each(classes.map((errorClass) => [errorClass.name, errorClass] as const))(
    '%s is exported by name and extends DexormError',
    (name, errorClass) => {
      expect(exportsByName.get(name)).toBe(errorClass);
      const error = new errorClass('message', {
        model: 'User',
        table: 'users',
        field: 'email',
        key: 7,
        cause: 'why',
      });
      expect(error).toBeInstanceOf(DexormError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error).toMatchObject({ model: 'User', table: 'users', field: 'email', key: 7 });
      expect(error.cause).toBe('why');
    },
  );

  it('exports DexormError itself', () => {
    expect(dexorm.DexormError).toBe(DexormError);
    expect(new DexormError('x')).toBeInstanceOf(Error);
  });

  it('keeps the underlying Dexie error as cause of a translated failure', async () => {
    await User.create({ name: 'Ada', email: 'ada@example.com' });
    const error = (await rejectionOf(
      User.create({ name: 'Copy', email: 'ada@example.com' }),
    )) as UniqueConstraintError;
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toMatch(/ConstraintError/);
  });
});

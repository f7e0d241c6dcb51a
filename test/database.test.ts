import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BelongsTo,
  Database,
  DatabaseClosedError,
  type HasOne,
  Model,
  SchemaError,
} from '../src/index.js';
import { rejectionOf, thrownBy } from './support/failures.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { IndexedItem, Note, Setting, uniqueName } from './support/more-models.js';
import { removeDatabase } from './support/session.js';

const opened: Database[] = [];

/** Registers a Database for deletion after the test. */
function track(db: Database): Database {
  opened.push(db);
  return db;
}

afterEach(async () => {
  for (const db of opened.splice(0).reverse()) await removeDatabase(db);
});

/** The stored index specs of `table`, as Dexie reads them from the opened database. */
function storedIndexes(db: Database, table: string): string[] {
  return db.dexie
    .table(table)
    .schema.indexes.map((index) => index.src)
    .sort();
}

// Version 1 of an app: users without a name index, profiles without a relation.
interface UserV1Attributes {
  id?: number;
  name: string;
  email: string;
}
class UserV1 extends Model<UserV1Attributes> {
  static override table = 'users';
  static override indexes = ['&email'];
}
interface ProfileV1Attributes {
  id?: number;
  user_id?: number;
  bio: string;
}
class ProfileV1 extends Model<ProfileV1Attributes> {
  static override table = 'profiles';
}

describe('Database', () => {
  describe('schema', () => {
    it('derives ++id for auto keys, declared indexes and a unique foreign key for a HasOne', () => {
      const db = track(freshDatabase());
      expect(db.schema).toEqual({ users: '++id, &email, name', profiles: '++id, &user_id' });
    });

    it('uses a plain primary key for uuid and manual keys, with the declared primary key name', () => {
      const db = track(new Database(uniqueName('keys'), { models: [Note, Setting] }));
      expect(db.schema).toEqual({ notes: 'id', settings: 'key' });
    });

    it('keeps compound and multi-entry index specs as declared', () => {
      const db = track(new Database(uniqueName('specs'), { models: [IndexedItem] }));
      expect(db.schema).toEqual({
        indexed_items: '++id, name, category, price, [shelf+slot], *tags',
      });
    });

    it('gives a BelongsTo foreign key a plain index', () => {
      class Post extends Model<{ id?: number; author_id?: number; title: string }> {
        static override table = 'posts';
        authorRelation(): BelongsTo<Post, Author> {
          return this.belongsTo(Author, 'author_id');
        }
      }
      class Author extends Model<{ id?: number; name: string }> {
        static override table = 'authors';
      }
      const db = track(new Database(uniqueName('belongs'), { models: [Post, Author] }));
      expect(db.schema).toEqual({ posts: '++id, author_id', authors: '++id' });
    });

    it('lets the unique index of a HasOne win over the plain one of its inverse BelongsTo', () => {
      // Profile.userRelation() asks for a plain user_id index, User.profileRelation() a unique one.
      const db = track(freshDatabase([Profile, User]));
      expect(db.schema.profiles).toBe('++id, &user_id');
    });

    it('does not duplicate a declared index that a relation also needs', () => {
      class Owner extends Model<{ id?: number }> {
        static override table = 'owners';
        petRelation(): HasOne<Owner, Pet> {
          return this.hasOne(Pet, 'owner_id');
        }
      }
      class Pet extends Model<{ id?: number; owner_id?: number }> {
        static override table = 'pets';
        static override indexes = ['owner_id'];
      }
      const db = track(new Database(uniqueName('dup'), { models: [Owner, Pet] }));
      expect(db.schema.pets).toBe('++id, &owner_id');
    });

    it('never adds an index for a foreign key that is the primary key', () => {
      class Account extends Model<{ id?: number }> {
        static override table = 'accounts';
        settingsRelation(): HasOne<Account, AccountSettings> {
          return this.hasOne(AccountSettings, 'id');
        }
      }
      class AccountSettings extends Model<{ id?: number; theme: string }> {
        static override table = 'account_settings';
        static override indexes = ['id', 'theme'];
      }
      const db = track(new Database(uniqueName('pk'), { models: [Account, AccountSettings] }));
      expect(db.schema).toEqual({ accounts: '++id', account_settings: '++id, theme' });
    });

    it('derives the default foreign key from the table names, not the class names', () => {
      class Person extends Model<{ id?: number }> {
        static override table = 'people_records';
        badgeRelation(): HasOne<Person, Badge> {
          return this.hasOne(Badge);
        }
      }
      class Badge extends Model<{ id?: number; people_record_id?: number }> {
        static override table = 'badges';
      }
      const db = track(new Database(uniqueName('naming'), { models: [Person, Badge] }));
      expect(db.schema.badges).toBe('++id, &people_record_id');
    });

    it('creates the stores it derives when the database opens', async () => {
      const db = track(freshDatabase());
      await db.open();
      expect(db.dexie.tables.map((table) => table.name).sort()).toEqual(['profiles', 'users']);
      expect(storedIndexes(db, 'users')).toEqual(['&email', 'name']);
      expect(storedIndexes(db, 'profiles')).toEqual(['&user_id']);
      expect(db.dexie.table('users').schema.primKey.auto).toBe(true);
    });
  });

  describe('SchemaError', () => {
    it('rejects a model without a table', () => {
      class Nameless extends Model<{ id?: number }> {}
      const error = thrownBy(() => new Database(uniqueName('x'), { models: [Nameless] }));
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).message).toContain('Nameless');
      expect((error as SchemaError).model).toBe('Nameless');
    });

    it('rejects two models on one table, naming both and the table', () => {
      class Member extends Model<{ id?: number; name: string }> {
        static override table = 'users';
      }
      const error = thrownBy(
        () => new Database(uniqueName('x'), { models: [User, Profile, Member] }),
      ) as SchemaError;
      expect(error).toBeInstanceOf(SchemaError);
      expect(error.message).toContain('User');
      expect(error.message).toContain('Member');
      expect(error.message).toContain('"users"');
      expect(error.table).toBe('users');
    });

    it('rejects a relation to a model the Database does not know', () => {
      const error = thrownBy(
        () => new Database(uniqueName('x'), { models: [User] }),
      ) as SchemaError;
      expect(error).toBeInstanceOf(SchemaError);
      expect(error.message).toContain('User.profileRelation()');
      expect(error.message).toContain('Profile');
      expect(error.model).toBe('User');
      expect(error.field).toBe('profile');
    });

    it('rejects reads and writes of a model that no Database registered', async () => {
      class Stray extends Model<{ id?: number; name: string }> {
        static override table = 'strays';
      }
      const error = (await rejectionOf(Stray.create({ name: 'lost' }))) as SchemaError;
      expect(error).toBeInstanceOf(SchemaError);
      expect(error.message).toContain('Stray');
      expect(error.message).toContain('"strays"');
      await expect(Stray.find(1)).rejects.toBeInstanceOf(SchemaError);
      await expect(Stray.query().get()).rejects.toBeInstanceOf(SchemaError);
    });

    it('rejects a model of another Database used inside a transaction', async () => {
      const other = track(new Database(uniqueName('other'), { models: [Note] }));
      const db = track(freshDatabase());
      const error = await rejectionOf(
        db.transaction(async () => {
          await User.create({ name: 'Ada', email: 'ada@example.com' });
          await Note.create({ title: 'elsewhere' });
        }),
      );
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).message).toContain('Note');
      expect(await db.dexie.table('users').count()).toBe(0);
      expect(await other.dexie.table('notes').count()).toBe(0);
    });
  });

  describe('dexie', () => {
    it('is the Dexie instance that holds the models’ records', async () => {
      const db = track(freshDatabase());
      expect(db.dexie).toBeInstanceOf(Dexie);
      expect(db.dexie.name).toBe(db.name);
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      expect(await db.dexie.table('users').get(user.id!)).toEqual({
        id: user.id,
        name: 'Ada',
        email: 'ada@example.com',
      });
      await db.dexie.table('users').add({ name: 'Grace', email: 'grace@example.com' });
      expect((await User.where('name', 'Grace').first())?.email).toBe('grace@example.com');
    });
  });

  describe('open', () => {
    it('is not needed: the first query opens the database', async () => {
      const db = track(freshDatabase());
      expect(db.dexie.isOpen()).toBe(false);
      expect(await User.count()).toBe(0);
      expect(db.dexie.isOpen()).toBe(true);
    });

    it('opens explicitly and resolves to the Database', async () => {
      const db = track(freshDatabase());
      expect(await db.open()).toBe(db);
      expect(db.dexie.isOpen()).toBe(true);
    });
  });

  describe('close', () => {
    it('makes queries reject with DatabaseClosedError until open() is called again', async () => {
      const db = track(freshDatabase());
      const user = await User.create({ name: 'Ada', email: 'ada@example.com' });
      db.close();
      expect(db.dexie.isOpen()).toBe(false);
      const error = (await rejectionOf(User.find(user.id!))) as DatabaseClosedError;
      expect(error).toBeInstanceOf(DatabaseClosedError);
      expect(error.message).toContain('User');
      await expect(User.create({ name: 'Bob', email: 'bob@example.com' })).rejects.toBeInstanceOf(
        DatabaseClosedError,
      );
      await db.open();
      expect((await User.all()).map((u) => u.name)).toEqual(['Ada']);
    });
  });

  describe('delete', () => {
    it('deletes the database and every record in it', async () => {
      const db = freshDatabase();
      await User.create({ name: 'Ada', email: 'ada@example.com' });
      expect(await Dexie.exists(db.name)).toBe(true);
      await db.delete();
      expect(await Dexie.exists(db.name)).toBe(false);
      const again = track(new Database(db.name, { models: [User, Profile] }));
      expect(await User.count()).toBe(0);
      expect(await again.dexie.table('users').count()).toBe(0);
    });
  });

  describe('several instances', () => {
    it('binds the models to the most recently constructed Database', async () => {
      const first = track(freshDatabase());
      const second = track(freshDatabase());
      await User.create({ name: 'Ada', email: 'ada@example.com' });
      expect(await second.dexie.table('users').count()).toBe(1);
      expect(await first.dexie.table('users').count()).toBe(0);
    });

    it('uses the Database of the running transaction', async () => {
      const first = track(freshDatabase());
      const second = track(freshDatabase());
      await first.transaction(async () => {
        await User.create({ name: 'Ada', email: 'ada@example.com' });
      });
      expect(await first.dexie.table('users').count()).toBe(1);
      expect(await second.dexie.table('users').count()).toBe(0);
    });
  });

  describe('upgrade in place', () => {
    /** Stores version-1 records under `name` and closes that connection. */
    async function seedVersionOne(name: string, version?: number): Promise<void> {
      const v1 = new Database(
        name,
        version === undefined
          ? { models: [UserV1, ProfileV1] }
          : { models: [UserV1, ProfileV1], version },
      );
      await UserV1.createMany([
        { name: 'Ada', email: 'ada@example.com' },
        { name: 'Grace', email: 'grace@example.com' },
      ]);
      await ProfileV1.create({ user_id: 2, bio: 'compilers' });
      expect(v1.schema).toEqual({ users: '++id, &email', profiles: '++id' });
      v1.close();
    }

    /** Checks that the version-2 database kept every record and can use its new indexes. */
    async function expectUpgraded(db: Database): Promise<void> {
      await db.open();
      // notes has uuid keys, but the tables replication uses exist only once it starts.
      expect(db.dexie.tables.map((table) => table.name).sort()).toEqual([
        'notes',
        'profiles',
        'users',
      ]);
      expect([...db.dexie.backendDB().objectStoreNames].sort()).toEqual([
        'notes',
        'profiles',
        'users',
      ]);
      expect(storedIndexes(db, 'users')).toEqual(['&email', 'name']);
      expect(storedIndexes(db, 'profiles')).toEqual(['&user_id']);

      expect(await db.dexie.table('users').toArray()).toEqual([
        { id: 1, name: 'Ada', email: 'ada@example.com' },
        { id: 2, name: 'Grace', email: 'grace@example.com' },
      ]);
      expect(await db.dexie.table('profiles').toArray()).toEqual([
        { id: 1, user_id: 2, bio: 'compilers' },
      ]);

      // The new indexes were filled from the records already stored.
      expect(await db.dexie.table('users').where('name').equals('Grace').primaryKeys()).toEqual([
        2,
      ]);
      expect(await db.dexie.table('profiles').where('user_id').equals(2).count()).toBe(1);
      const grace = await User.findOrFail(2);
      expect((await grace.profileRelation().getResults())?.bio).toBe('compilers');

      const note = await Note.create({ title: 'new table' });
      expect(await db.dexie.table('notes').get(note.id!)).toEqual({
        id: note.id,
        title: 'new table',
      });
    }

    it('adds a table, an index and a relation index, keeping every record', async () => {
      const name = uniqueName('upgrade');
      await seedVersionOne(name);
      const db = track(new Database(name, { models: [User, Profile, Note] }));
      await expectUpgraded(db);
    });

    it('upgrades through explicitly numbered versions', async () => {
      const name = uniqueName('upgrade-version');
      await seedVersionOne(name, 1);
      const db = track(new Database(name, { models: [User, Profile, Note], version: 2 }));
      await expectUpgraded(db);
      expect(db.dexie.verno).toBe(2);
    });

    it('opens the upgraded database again without losing anything', async () => {
      const name = uniqueName('upgrade-reopen');
      await seedVersionOne(name);
      const upgraded = new Database(name, { models: [User, Profile, Note] });
      await upgraded.open();
      upgraded.close();
      const db = track(new Database(name, { models: [User, Profile, Note] }));
      expect((await User.all()).map((user) => user.name)).toEqual(['Ada', 'Grace']);
      expect(storedIndexes(db, 'users')).toEqual(['&email', 'name']);
    });
  });
});

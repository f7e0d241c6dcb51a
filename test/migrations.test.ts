import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Database,
  DatabaseClosedError,
  type HasMany,
  type Migration,
  MigrationError,
  type MigrationProgress,
  Model,
  SchemaError,
} from '../src/index.js';
import { uniqueName } from './support/more-models.js';
import { removeDatabase } from './support/session.js';

/** Version 1: a person with a full name and one email. */
class PersonV1 extends Model<{ id?: number; name: string; email: string }> {
  static override table = 'people';
}

/** Version 3: first and last names, emails moved to contacts. */
class Person extends Model<{ id?: number; first: string; last: string }> {
  static override table = 'people';
  contactsRelation(): HasMany<Person, Contact> {
    return this.hasMany(Contact, 'person_id');
  }
}
class Contact extends Model<{ id?: number; person_id: number; email: string }> {
  static override table = 'contacts';
}

interface Row {
  [field: string]: unknown;
}

/** Splits `name` into `first` and `last`. */
const splitNames: Migration = (tx) =>
  tx
    .table('people')
    .toCollection()
    .modify((person: Row) => {
      const [first, ...rest] = String(person.name).split(' ');
      person.first = first;
      person.last = rest.join(' ');
      delete person.name;
    });

/** Moves each person's email to a contact pointing at them, reporting progress. */
function moveEmails(failAfter = Number.POSITIVE_INFINITY): Migration {
  return async (tx) => {
    const people = await tx.table('people').toArray();
    let done = 0;
    for (const person of people) {
      if (done >= failAfter) throw new Error(`stopped after ${done}`);
      await tx.table('contacts').add({ person_id: person.id, email: person.email });
      delete person.email;
      await tx.table('people').put(person);
      done += 1;
      tx.progress(done, people.length);
    }
  };
}

const opened: Database[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await removeDatabase(db);
});

function database(
  name: string,
  version: number,
  migrations: Record<number, Migration>,
  models = [Person, Contact],
) {
  const db = new Database(name, { models, version, migrations });
  opened.push(db);
  return db;
}

/** A version 1 database holding three people; closed, ready to be upgraded. */
async function versionOne(): Promise<string> {
  const name = uniqueName('migrations');
  const db = new Database(name, { models: [PersonV1] });
  await PersonV1.createMany([
    { name: 'Ada Lovelace', email: 'ada@example.com' },
    { name: 'Grace Brewster Hopper', email: 'grace@example.com' },
    { name: 'Alan Turing', email: 'alan@example.com' },
  ]);
  db.close();
  return name;
}

/** The records and version stored under `name`, read without dexorm. */
async function storedState(
  name: string,
): Promise<{ version: number; tables: Record<string, Row[]> }> {
  const raw = new Dexie(name);
  await raw.open();
  const tables: Record<string, Row[]> = {};
  for (const table of raw.tables) tables[table.name] = await table.toArray();
  const version = raw.verno;
  raw.close();
  return { version, tables };
}

describe('migrations', () => {
  it('run in version order on a device two versions behind, with the new schema', async () => {
    const name = await versionOne();
    const progress: MigrationProgress[] = [];
    const db = database(name, 3, { 2: splitNames, 3: moveEmails() });
    await db.open({ onProgress: (step) => progress.push(step) });
    const people = await Person.query().with('contacts').get();
    expect(people.map((p) => [p.first, p.last, p.contacts.map((c) => c.email)])).toEqual([
      ['Ada', 'Lovelace', ['ada@example.com']],
      ['Grace', 'Brewster Hopper', ['grace@example.com']],
      ['Alan', 'Turing', ['alan@example.com']],
    ]);
    expect((await db.dexie.table('people').toArray()).every((row) => !('email' in row))).toBe(true);
    expect(progress).toEqual([
      { version: 3, done: 1, total: 3 },
      { version: 3, done: 2, total: 3 },
      { version: 3, done: 3, total: 3 },
    ]);
    db.close();
    // Once per device: opening again runs nothing.
    const again = database(name, 3, { 2: splitNames, 3: moveEmails(0) });
    await again.open();
    expect(await Contact.count()).toBe(3);
  });

  it('a device one version behind runs only the migrations after its own', async () => {
    const name = await versionOne();
    const middle = database(name, 2, { 2: splitNames });
    await middle.open();
    middle.close();
    const db = database(name, 3, {
      2: () => {
        throw new Error('version 2 ran twice');
      },
      3: moveEmails(),
    });
    await db.open();
    expect(await Contact.count()).toBe(3);
  });

  it('a migration that fails at any step leaves the old version and data; the next open retries', async () => {
    const name = await versionOne();
    const before = await storedState(name);
    expect(before.version).toBe(1);
    for (const failAfter of [0, 1, 2]) {
      const db = database(name, 3, { 2: splitNames, 3: moveEmails(failAfter) });
      const error = await db.open().catch((caught: unknown) => caught);
      expect(error, `failing after ${failAfter}`).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).version).toBe(3);
      expect((error as MigrationError).message).toContain(`stopped after ${failAfter}`);
      db.close();
      expect(await storedState(name)).toEqual(before);
    }
    const fixed = database(name, 3, { 2: splitNames, 3: moveEmails() });
    await fixed.open();
    expect(await Contact.count()).toBe(3);
  });

  it('migrates 100,000 records reading them a chunk at a time, not all at once', async () => {
    const name = uniqueName('migrations-100k');
    const old = new Database(name, { models: [PersonV1] });
    const total = 100_000;
    await old.dexie
      .table('people')
      .bulkAdd(Array.from({ length: total }, (_, i) => ({ name: `Person ${i} Number${i}` })));
    old.close();
    const db = database(name, 2, { 2: splitNames }, [Person, Contact]);
    // The largest number of records (values, not keys alone) one read returned, and all read.
    let largestRead = 0;
    let recordsRead = 0;
    const noted = (count: number) => {
      largestRead = Math.max(largestRead, count);
      recordsRead += count;
    };
    db.dexie.use({
      stack: 'dbcore',
      name: 'largest-read',
      create: (down) => ({
        ...down,
        table: (tableName) => {
          const table = down.table(tableName);
          return {
            ...table,
            query: (request) =>
              table.query(request).then((response) => {
                if (request.values) noted(response.result.length);
                return response;
              }),
            getMany: (request) =>
              table.getMany(request).then((result) => {
                noted(result.length);
                return result;
              }),
          };
        },
      }),
    });
    await db.open();
    expect(await Person.count()).toBe(total);
    const sample = await db.dexie.table('people').get(total);
    expect(sample).toEqual({ id: total, first: 'Person', last: `${total - 1} Number${total - 1}` });
    expect(recordsRead).toBeGreaterThanOrEqual(total);
    // The migration reads records in chunks whatever the table's size (Dexie's modify() lists
    // the keys first, then reads and writes the records 2,000 at a time): memory is bounded.
    expect(largestRead).toBeLessThanOrEqual(2_000);
  }, 180_000);

  it('with an older tab open, the newer one migrates once; the older one is closed, not left stuck', async () => {
    const name = await versionOne();
    const older = new Database(name, { models: [PersonV1] });
    opened.push(older);
    const seen: unknown[] = [];
    const failed = new Promise<unknown>((resolve) => {
      older
        .transaction(() => PersonV1.query().observe())
        .then((observable) =>
          observable.subscribe({ next: (people) => seen.push(people.length), error: resolve }),
        );
    });
    await expect.poll(() => seen).toEqual([3]);
    let runs = 0;
    const newer = database(name, 2, {
      2: (tx) => {
        runs += 1;
        return splitNames(tx);
      },
    });
    await newer.open();
    expect(runs).toBe(1);
    expect(await failed).toBeInstanceOf(DatabaseClosedError);
    expect((await storedState(name)).version).toBe(2);
    expect(await Person.count()).toBe(3);
    // The older tab opening again (its code still of version 1) runs nothing and keeps version 2.
    await older.open();
    expect(runs).toBe(1);
    expect((await storedState(name)).version).toBe(2);
  });

  it('a query that opens the database reports the MigrationError too', async () => {
    const name = await versionOne();
    database(name, 3, { 2: splitNames, 3: moveEmails(1) });
    const error = await Person.count().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
  });

  it('refuses a migration keyed outside 2..version, or one that is not a function', () => {
    const name = uniqueName('migrations');
    expect(
      () =>
        new Database(name, {
          models: [Person, Contact],
          version: 2,
          migrations: { 3: splitNames },
        }),
    ).toThrow(SchemaError);
    expect(
      () =>
        new Database(name, {
          models: [Person, Contact],
          version: 2,
          migrations: { 1: splitNames },
        }),
    ).toThrow(SchemaError);
    expect(
      () =>
        new Database(name, {
          models: [Person, Contact],
          version: 2,
          migrations: { 2: 'split' as unknown as Migration },
        }),
    ).toThrow(SchemaError);
  });
});

import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { Database, type Migration, Model } from '../../src/index.js';
import { replicate } from '../../src/sync/index.js';
import { serverDatabase, serverDocuments, withSyncServer } from './replicas.js';

withSyncServer();

/** Version 1: a note with one text. */
class NoteV1 extends Model<{ id?: string; text: string }> {
  static override table = 'notes';
  static override keyType = 'uuid' as const;
}

/** Version 2: the text split into a title and a body. */
class Note extends Model<{ id?: string; title: string; body: string }> {
  static override table = 'notes';
  static override keyType = 'uuid' as const;
}

const splitText: Migration = (tx) =>
  tx
    .table('notes')
    .toCollection()
    .modify((note: Record<string, unknown>) => {
      const [title, ...rest] = String(note.text).split('\n');
      note.title = title;
      note.body = rest.join('\n');
      delete note.text;
    });

describe('a migration of replicated records', () => {
  it('records its writes as local changes, so they reach the server and the other replicas', async () => {
    const url = await serverDatabase();
    const device = new IDBFactory();
    const options = { indexedDB: device, IDBKeyRange };
    const v1 = new Database('notes-device', { models: [NoteV1], ...options });
    await replicate(v1, { url, live: false }).whenSynced();
    await v1.transaction(() =>
      NoteV1.createMany([{ text: 'Groceries\nmilk, eggs' }, { text: 'Ideas\nan engine' }]),
    );
    await replicate(v1, { url, live: false }).whenSynced();
    v1.close();

    const v2 = new Database('notes-device', {
      models: [Note],
      version: 2,
      migrations: { 2: splitText },
      ...options,
    });
    await v2.open();
    expect(await v2.dexie.table('_dexorm_outbox').count()).toBe(2);
    await replicate(v2, { url, live: false }).whenSynced();
    expect(await v2.dexie.table('_dexorm_outbox').count()).toBe(0);

    const values = (await serverDocuments(url)).map((doc) => doc.values);
    expect(values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: 'Groceries', body: 'milk, eggs' }),
        expect.objectContaining({ title: 'Ideas', body: 'an engine' }),
      ]),
    );
    for (const value of values) expect(value).not.toHaveProperty('text');

    // A device that starts at version 2 receives the migrated records.
    const other = new Database('notes-other', {
      models: [Note],
      version: 2,
      indexedDB: new IDBFactory(),
      IDBKeyRange,
    });
    await replicate(other, { url, live: false }).whenSynced();
    const rows = (await other.dexie.table('notes').toArray()) as Array<{ title: string }>;
    expect(rows.map((row) => row.title).sort()).toEqual(['Groceries', 'Ideas']);
    expect(rows.every((row) => !('text' in row))).toBe(true);
    v2.close();
    other.close();
  });
});

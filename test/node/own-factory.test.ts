import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, Model } from '../../src/index.js';
import { record } from '../support/observe.js';

class Note extends Model<{ id?: string; text: string }> {
  static override table = 'notes';
  static override keyType = 'uuid' as const;
}

/** Dexie's own default factory, as it found it when loaded: none in Node without a polyfill. */
let saved: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange };

beforeEach(() => {
  saved = { ...Dexie.dependencies };
  Dexie.dependencies.indexedDB = undefined as never;
  Dexie.dependencies.IDBKeyRange = undefined as never;
});
afterEach(() => {
  Object.assign(Dexie.dependencies, saved);
});

describe('a Database given its own IndexedDB factory, in a runtime without a global one', () => {
  it('emits to live observers, first and after each write', async () => {
    const db = new Database(`own-factory-${Math.random()}`, {
      models: [Note],
      indexedDB: new IDBFactory(),
      IDBKeyRange,
    });
    try {
      const notes = record(Note.query().observe());
      expect(await notes.nth(1)).toEqual([]);
      await Note.create({ text: 'first' });
      expect((await notes.nth(2)).map((note) => note.text)).toEqual(['first']);
      notes.unsubscribe();
    } finally {
      await db.delete();
    }
  });
});

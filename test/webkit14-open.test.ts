import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Database, DatabaseClosedError, Model } from '../src/index.js';

// The global factory (fake-indexeddb's in Node, Chromium's own in the browser) is made to answer
// as Safari 14's does on a freshly loaded page: the first listing of its databases never answers,
// a later one does; the navigator is one of the browser named.

class Note extends Model<{ id?: number; text: string }> {
  static override table = 'notes';
}

const AGENTS = {
  'Safari 14 on macOS':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Version/14.1.2 Safari/605.1.15',
  'Safari on iOS 14':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like ' +
    'Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1',
  'Chrome on iOS 14':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like ' +
    'Gecko) CriOS/91.0.4472.80 Mobile/15E148 Safari/604.1',
  'Safari 17 on macOS':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Version/17.1 Safari/605.1.15',
  'Chrome on Windows':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Chrome/120.0.0.0 Safari/537.36',
};

/** The calls made of the global factory, in order: `databases` and `open <name>`. */
let calls: string[];

beforeEach(() => {
  calls = [];
  const factory = globalThis.indexedDB;
  const { databases, open } = factory;
  let listings = 0;
  vi.spyOn(factory, 'databases').mockImplementation(() => {
    calls.push('databases');
    listings += 1;
    return listings === 1 ? new Promise(() => undefined) : databases.call(factory);
  });
  vi.spyOn(factory, 'open').mockImplementation((name: string, version?: number) => {
    calls.push(`open ${name}`);
    return version === undefined ? open.call(factory, name) : open.call(factory, name, version);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function browse(agent: keyof typeof AGENTS): Database {
  vi.stubGlobal('navigator', { userAgent: AGENTS[agent] });
  return new Database(`webkit14-${Math.random().toString(36).slice(2)}`, { models: [Note] });
}

/** The calls made before the first open of `name`. */
function beforeOpening(name: string): string[] {
  const first = calls.indexOf(`open ${name}`);
  expect(first, `an open of ${name}`).toBeGreaterThanOrEqual(0);
  return calls.slice(0, first);
}

describe('the first open on a page of Safari 14 / iOS 14 (WebKit bug 226547)', () => {
  for (const agent of ['Safari 14 on macOS', 'Safari on iOS 14', 'Chrome on iOS 14'] as const) {
    it(`${agent}: waits until the factory lists its databases, then opens`, async () => {
      const db = browse(agent);
      try {
        await db.open();
        expect(beforeOpening(db.name)).toEqual(['databases', 'databases']);
        const note = await Note.create({ text: 'kept' });
        expect((await Note.find(note.id!))?.text).toBe('kept');
      } finally {
        await db.delete();
      }
    });
  }

  for (const agent of ['Safari 17 on macOS', 'Chrome on Windows'] as const) {
    it(`${agent}: opens at once`, async () => {
      const db = browse(agent);
      try {
        await db.open();
        expect(beforeOpening(db.name)).toEqual([]);
      } finally {
        await db.delete();
      }
    });
  }

  it('a listing that throws (no answer will come) ends the wait: the open goes on', async () => {
    vi.mocked(globalThis.indexedDB.databases).mockImplementation(() => {
      calls.push('databases');
      throw new DOMException('listing refused', 'SecurityError');
    });
    const db = browse('Safari 14 on macOS');
    try {
      await db.open();
      expect(beforeOpening(db.name)).toEqual(['databases']);
      const note = await Note.create({ text: 'opened' });
      expect(await db.dexie.table('notes').get(note.id!)).toEqual({ id: note.id, text: 'opened' });
    } finally {
      await db.delete();
    }
  });

  it('waits so on a first use by a query too', async () => {
    const db = browse('Safari on iOS 14');
    try {
      const note = await Note.create({ text: 'first use' });
      expect(beforeOpening(db.name)).toEqual(['databases', 'databases']);
      expect(await db.dexie.table('notes').get(note.id!)).toEqual({
        id: note.id,
        text: 'first use',
      });
    } finally {
      await db.delete();
    }
  });

  it('a close() during the wait fails the open and the query waiting on it; the next open() opens', async () => {
    const db = browse('Safari 14 on macOS');
    try {
      const opening = db.open().then(
        () => 'opened',
        (error: unknown) => error,
      );
      const reading = Note.all().then(
        () => 'read',
        (error: unknown) => error,
      );
      // Both wait on the open by now (the factory answers only at its second listing, 100 ms on).
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(calls).toEqual(['databases']);
      db.close();
      expect(await opening).toBeInstanceOf(DatabaseClosedError);
      expect(await reading).toBeInstanceOf(DatabaseClosedError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(db.isOpen()).toBe(false);

      await db.open();
      const note = await Note.create({ text: 'after' });
      expect(await db.dexie.table('notes').get(note.id!)).toEqual({ id: note.id, text: 'after' });
    } finally {
      await db.delete();
    }
  });

  it('a delete() during the wait fails the open and leaves no database behind', async () => {
    const db = browse('Safari 14 on macOS');
    const opening = db.open().then(
      () => 'opened',
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await db.delete();
    expect(await opening).toBeInstanceOf(DatabaseClosedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(db.isOpen()).toBe(false);
    const stored = await globalThis.indexedDB.databases();
    expect(stored.map((info) => info.name)).not.toContain(db.name);
  });
});

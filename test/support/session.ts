import { afterEach, beforeEach } from 'vitest';
import type { Database } from '../../src/index.js';
import { type Recording, record } from './observe.js';
import { installReadCounter, type ReadCounter } from './read-counter.js';

/** What each test of a file gets: a fresh database with a read counter, and recorded streams. */
export interface TestSession {
  readonly db: Database;
  readonly counter: ReadCounter;
  /** Records `observable` until the end of the test. */
  watch<T>(observable: Parameters<typeof record<T>>[0]): Recording<T>;
  /** Deletes `other` at the end of the test too. */
  track(other: Database): Database;
}

/**
 * Deletes `db` quietly: closed first, and given a turn of the event loop for its last
 * transactions (a live query's read) to end, so that the delete does not wait on them (Dexie
 * reports such a wait as "blocked").
 */
export async function removeDatabase(db: Database | undefined): Promise<void> {
  if (!db) return;
  db.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await db.delete();
}

/**
 * Gives every test a fresh database made by `make`, with a read counter installed, and cleans up
 * after it: recordings stopped, tracked databases and the test's own deleted.
 */
export function databaseSession(make: () => Database): TestSession {
  let db: Database | undefined;
  let counter: ReadCounter | undefined;
  let recordings: Recording<unknown>[] = [];
  let others: Database[] = [];
  beforeEach(() => {
    db = make();
    counter = installReadCounter(db.dexie);
  });
  afterEach(async () => {
    for (const recording of recordings) recording.unsubscribe();
    recordings = [];
    for (const other of others) await removeDatabase(other);
    others = [];
    await removeDatabase(db);
  });
  return {
    get db() {
      return db!;
    },
    get counter() {
      return counter!;
    },
    watch(observable) {
      const recording = record(observable);
      recordings.push(recording as Recording<unknown>);
      return recording;
    },
    track(other) {
      others.push(other);
      return other;
    },
  };
}

import { expect } from 'vitest';
import type { Database } from '../../src/index.js';
import { FaultInjector, type FaultKind } from './fault-injector.js';
import { removeDatabase } from './session.js';
import { snapshotTables } from './snapshot.js';

/**
 * Runs `act` once with a fault injected at its 1st write, again at its 2nd, and so on, each time
 * on a fresh database seeded by `seed`: every faulted run must reject and leave every stored
 * record as it was; the first run that needs no fault must succeed and change something.
 * Resolves to the number of writes the operation makes.
 */
export async function expectAtomicAtEveryStep<S>(
  database: () => Database,
  seed: () => Promise<S>,
  act: (seeded: S) => Promise<unknown>,
  kind: FaultKind = 'quota',
): Promise<number> {
  for (let n = 1; n <= 50; n++) {
    const db = database();
    const faults = new FaultInjector().install(db);
    try {
      const seeded = await seed();
      const before = await snapshotTables(db);
      faults.arm(n, kind);
      const outcome = await act(seeded).then(
        () => undefined,
        (error: unknown) => error ?? new Error('rejected'),
      );
      faults.disarm();
      if (!faults.fired) {
        expect(outcome, `no fault at write ${n}: succeeds`).toBeUndefined();
        expect(await snapshotTables(db)).not.toEqual(before);
        return n - 1;
      }
      expect(outcome, `fault at write ${n}: rejects`).toBeInstanceOf(Error);
      expect(await snapshotTables(db), `fault at write ${n}: nothing changed`).toEqual(before);
    } finally {
      await removeDatabase(db);
    }
  }
  throw new Error('the operation made more than 50 writes');
}

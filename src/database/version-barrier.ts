import { Dexie } from 'dexie';
import { SchemaError } from '../core/errors.js';
import type { IndexedDbDependencies } from './upgrade-check.js';

/**
 * Dexie stores schema version `v` as IndexedDB version `10 v`: a barrier takes a version in
 * between, so no declared version's upgrade (and no migration) is skipped or run by it.
 */
const NATIVE_STEP = 10;

/** Connections being closed to let a barrier through: their live queries wait for the reopen. */
const reopening = new WeakSet<Dexie>();

/** True while `dexie` is being closed only to open again after a barrier. */
export function isReopening(dexie: Dexie): boolean {
  return reopening.has(dexie);
}

/** True when another connection's upgrade to `version` is a barrier, not a schema version. */
export function isBarrierVersion(version: number | null): boolean {
  return version !== null && version % NATIVE_STEP !== 0;
}

/**
 * Makes `dexie` give way to another connection's barrier: it closes at the versionchange event
 * and opens again at once (the open waits for the upgrade), its live queries waiting meanwhile.
 * Dexie's own handler, which would warn and leave the connection closed until the next query,
 * is skipped for barriers; schema upgrades and deletes still reach it.
 */
export function giveWayToBarriers(dexie: Dexie): void {
  dexie.on('versionchange', (event: IDBVersionChangeEvent) => {
    if (!isBarrierVersion(event.newVersion)) return undefined;
    // A failed reopen (the database deleted meanwhile) is reported by the next query.
    reopen(dexie).then(undefined, () => undefined);
    return false;
  });
}

/** Closes `dexie`'s connection, keeping it to be opened again and its live queries waiting. */
function closeForBarrier(dexie: Dexie): void {
  reopening.add(dexie);
  try {
    dexie.close({ disableAutoOpen: false });
  } finally {
    reopening.delete(dexie);
  }
}

/** Closes `dexie` and opens it again, its live queries waiting as at a barrier. */
export function reopen(dexie: Dexie): PromiseLike<unknown> {
  closeForBarrier(dexie);
  return dexie.open();
}

/**
 * Raises the stored version of `dexie`'s database by one and runs `step` in that upgrade
 * transaction. IndexedDB lets an upgrade start only once every other connection has closed (and
 * its transactions ended), so every connection, another tab's included (it closes at the
 * versionchange event and opens again at once), opens again after `step` and its ready handlers
 * read what `step` wrote: no transaction after the barrier sees the database without it.
 * @throws SchemaError when the stored version sits just below the next schema version (nine
 * in-place upgrades since the last declared one): the barrier would take that version's number.
 */
export async function raiseVersion(
  dexie: Dexie,
  dependencies: IndexedDbDependencies,
  step: (transaction: IDBTransaction) => void,
): Promise<void> {
  await dexie.open();
  const target = dexie.backendDB().version + 1;
  if (!isBarrierVersion(target)) {
    throw new SchemaError(
      `the database "${dexie.name}" is at IndexedDB version ${target - 1}, one below that of ` +
        `schema version ${target / NATIVE_STEP}: raise the Database's version, then try again`,
    );
  }
  const factory = dependencies.indexedDB ?? Dexie.dependencies.indexedDB;
  closeForBarrier(dexie);
  await new Promise<void>((resolve, reject) => {
    const request = factory.open(dexie.name, target);
    request.onupgradeneeded = () => step(request.transaction as IDBTransaction);
    request.onsuccess = () => {
      request.result.close();
      resolve();
    };
    // Another connection got there first (two tabs raising at once): this one's step did not
    // run, which the caller finds out by reading again.
    request.onerror = (event) => {
      event.preventDefault();
      if (request.error?.name === 'VersionError') resolve();
      else reject(request.error);
    };
  });
  await dexie.open();
}

import type { Dexie } from 'dexie';
import { DatabaseClosedError } from '../core/errors.js';
import type { LiveSource } from '../live/live-observable.js';
import { translateError } from './translate-error.js';
import { isReopening } from './version-barrier.js';

/** What live queries need of the Database on `dexie`: its closing, and its errors translated. */
export function liveSourceOf(dexie: Dexie): LiveSource {
  return {
    onClose: (listener) => {
      // A close that only lets a version barrier through is followed by a reopen: Dexie's live
      // query waits for it, and so do the observers.
      const closed = () => {
        if (!isReopening(dexie)) listener();
      };
      dexie.on('close', closed);
      return () => dexie.on('close').unsubscribe(closed);
    },
    isClosed: () => dexie.hasBeenClosed(),
    closedError: () =>
      new DatabaseClosedError(
        `the database "${dexie.name}" was closed or deleted while a live query observed it`,
      ),
    readError: (error) => translateError(error),
  };
}

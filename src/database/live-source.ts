import type { Dexie } from 'dexie';
import { DatabaseClosedError } from '../core/errors.js';
import type { LiveSource } from '../live/live-observable.js';
import { translateError } from './translate-error.js';

/** What live queries need of the Database on `dexie`: its closing, and its errors translated. */
export function liveSourceOf(dexie: Dexie): LiveSource {
  return {
    onClose: (listener) => {
      dexie.on('close', listener);
      return () => dexie.on('close').unsubscribe(listener);
    },
    isClosed: () => dexie.hasBeenClosed(),
    closedError: () =>
      new DatabaseClosedError(
        `the database "${dexie.name}" was closed or deleted while a live query observed it`,
      ),
    readError: (error) => translateError(error),
  };
}

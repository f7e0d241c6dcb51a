import { Database, Model } from 'dexorm';

/**
 * A shared task: uuid keys, so that tasks made on different devices never clash. An attached
 * file is a Blob, which travels as a CouchDB attachment.
 */
export class Task extends Model<{
  id?: string;
  title: string;
  done?: boolean;
  file?: Blob | null;
  file_name?: string | null;
}> {
  static override table = 'tasks';
  static override keyType = 'uuid' as const;
}

const params = new URLSearchParams(location.search);

/**
 * This page's replica: `?replica=b` opens a database of its own, so that two tabs of one browser
 * act as two devices. (Two browser profiles, or two browsers, need no parameter.)
 */
export const replicaName = params.get('replica') ?? 'a';

/** The CouchDB database tasks replicate with: `?sync=` or the demo server's own. */
export const syncUrl = new URL(params.get('sync') ?? '/couch/dexorm-demo', location.href).href;

/**
 * `?only=open` makes this replica pull open tasks only (a filtered replication: CouchDB's
 * `_selector`); its own writes are still pushed.
 */
export const onlyOpen = params.get('only') === 'open';

export const syncDb = new Database(`dexorm-demo-sync-${replicaName}`, { models: [Task] });

import { Database, Model } from 'dexorm';

/** A shared task: uuid keys, so that tasks made on different devices never clash. */
export class Task extends Model<{ id?: string; title: string; done?: boolean }> {
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

export const syncDb = new Database(`dexorm-demo-sync-${replicaName}`, { models: [Task] });

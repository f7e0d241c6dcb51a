/** A running CouchDB-compatible test server. */
export interface SyncServer {
  /** e.g. `http://127.0.0.1:38211` */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** Stops listening and cuts every open connection; the data stays in memory. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same data. */
  restart(): Promise<void>;
}
/** Starts express-pouchdb over in-memory PouchDB on 127.0.0.1 and creates `databases`. */
export declare function startSyncServer(options?: {
  port?: number;
  databases?: readonly string[];
  /** When given, requests need `Authorization: Bearer <one of these>`; others get 401. */
  tokens?: ReadonlySet<string>;
}): Promise<SyncServer>;
/** The server as a request handler (Express, usable as Connect middleware), with `databases` made. */
export declare function createSyncApp(options?: {
  databases?: readonly string[];
  /** When given, requests need `Authorization: Bearer <one of these>`; others get 401. */
  tokens?: ReadonlySet<string>;
}): (
  request: import('node:http').IncomingMessage,
  response: import('node:http').ServerResponse,
  next: (error?: unknown) => void,
) => void;
/** PouchDB with the memory, http, map-reduce and replication plugins. */
export { default as PouchDB } from 'pouchdb-core';

// The little of PouchDB's API the sync bench and tests use (the packages ship no types).
declare module 'pouchdb-core' {
  interface PouchDatabase {
    bulkDocs(docs: readonly object[]): Promise<unknown>;
    get(id: string): Promise<Record<string, unknown> & { _id: string; _rev: string }>;
    put(doc: object): Promise<{ ok: boolean; id: string; rev: string }>;
    remove(doc: { _id: string; _rev: string }): Promise<{ ok: boolean; rev: string }>;
    putAttachment(
      id: string,
      name: string,
      rev: string,
      data: Uint8Array,
      type: string,
    ): Promise<{ ok: boolean; rev: string }>;
    getAttachment(id: string, name: string): Promise<Uint8Array>;
    info(): Promise<{ doc_count: number }>;
    destroy(): Promise<unknown>;
  }
  interface PouchConstructor {
    new (nameOrUrl: string, options?: { adapter?: string }): PouchDatabase;
    plugin(plugin: unknown): PouchConstructor;
    replicate(
      source: PouchDatabase | string,
      target: PouchDatabase | string,
      options?: { batch_size?: number },
    ): Promise<unknown>;
  }
  const PouchDB: PouchConstructor;
  export default PouchDB;
}

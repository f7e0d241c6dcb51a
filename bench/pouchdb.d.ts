// The little of PouchDB's API the sync bench uses (the packages ship no types).
declare module 'pouchdb-core' {
  interface PouchDatabase {
    bulkDocs(docs: readonly object[]): Promise<unknown>;
    info(): Promise<{ doc_count: number }>;
    destroy(): Promise<unknown>;
  }
  interface PouchConstructor {
    new (name: string, options?: { adapter?: string }): PouchDatabase;
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

// dexie-export-import, written for pages and workers, reads the globals `self` and `FileReader`,
// which Node does not define. The Node tests of export and import run on fake-indexeddb, so they
// get what a page has: `self` as the global object, and a FileReader over Blob's own readers.

type Listener = (event: { target: NodeFileReader }) => void;

/** The FileReader calls dexie-export-import makes, on Blob's promise-based readers. */
class NodeFileReader {
  result: ArrayBuffer | string | null = null;
  error: unknown = null;
  onload: Listener | null = null;
  onerror: Listener | null = null;
  readonly #listeners: Record<string, Listener[]> = { load: [], error: [] };

  addEventListener(type: 'load' | 'error', listener: Listener): void {
    this.#listeners[type]?.push(listener);
  }

  readAsArrayBuffer(blob: Blob): void {
    this.#read(blob.arrayBuffer());
  }

  readAsText(blob: Blob): void {
    this.#read(blob.text());
  }

  readAsBinaryString(blob: Blob): void {
    this.#read(blob.arrayBuffer().then((buffer) => Buffer.from(buffer).toString('latin1')));
  }

  #read(reading: Promise<ArrayBuffer | string>): void {
    reading.then(
      (result) => {
        this.result = result;
        this.#emit('load');
      },
      (error: unknown) => {
        this.error = error;
        this.#emit('error');
      },
    );
  }

  #emit(type: 'load' | 'error'): void {
    const event = { target: this };
    (type === 'load' ? this.onload : this.onerror)?.(event);
    for (const listener of this.#listeners[type] ?? []) listener(event);
  }
}

/** Defines `self` and `FileReader` where they are missing; run on import, for setupFiles. */
export function installNodeGlobals(): void {
  (globalThis as { self?: typeof globalThis }).self ??= globalThis;
  (globalThis as { FileReader?: unknown }).FileReader ??= NodeFileReader;
}

installNodeGlobals();

/** How often the factory is asked again while it has not answered. */
const RETRY_MS = 100;

/**
 * Resolves once `factory` answers, where the first IndexedDB open of a freshly loaded page may
 * otherwise wait for ever: the global factory of Safari 14 and of iOS 14 (WebKit bug 226547,
 * fixed in Safari 15), which is woken by listing its databases, again until one listing answers.
 * Undefined everywhere else: there is nothing to wait for.
 *
 * Dexie waits so itself only when it opens with the global factory; a Database opens through a
 * factory of its own (see `watchOpens`), so it waits here instead.
 */
export function indexedDbReady(factory: IDBFactory): Promise<void> | undefined {
  if (
    factory !== globalThis.indexedDB ||
    !isWebKit14() ||
    typeof factory.databases !== 'function'
  ) {
    return undefined;
  }
  return new Promise<void>((resolve) => {
    const ask = () => {
      // A listing refused at once will not answer later either: nothing is left to wait for.
      try {
        factory.databases().then(answered, answered);
      } catch {
        answered();
      }
    };
    const timer = setInterval(ask, RETRY_MS);
    const answered = () => {
      clearInterval(timer);
      resolve();
    };
    ask();
  });
}

function isWebKit14(): boolean {
  if (typeof navigator === 'undefined') return false;
  const agent = navigator.userAgent;
  // Safari 14 on macOS, and every browser of iOS and iPadOS 14: there, all of them run WebKit.
  return /Version\/14\.[\d.]*( Mobile\/\w+)? Safari\/| OS 14_\d+(_\d+)? like Mac OS X/.test(agent);
}

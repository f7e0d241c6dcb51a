import type { ServerDocument } from './documents.js';
import { ServerUnreachable, SyncError } from './sync-error.js';

/**
 * Headers sent with every request: fixed, or a function (sync or async) asked before each one,
 * for tokens that expire.
 */
export type HeadersOption =
  | Readonly<Record<string, string>>
  | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/** One row of `_changes` with `style=all_docs`: the document's leaf revisions, and the document when asked for. */
export interface ChangeRow {
  readonly id: string;
  readonly seq: unknown;
  readonly deleted?: boolean;
  readonly changes: ReadonlyArray<{ readonly rev: string }>;
  readonly doc?: ServerDocument & { readonly _rev: string; readonly _deleted?: boolean };
}

/** A page of `_changes`. */
export interface ChangesPage {
  readonly results: readonly ChangeRow[];
  readonly last_seq: unknown;
}

/** One result of `_bulk_docs`. */
export interface BulkResult {
  readonly id: string;
  readonly rev?: string;
  readonly ok?: boolean;
  readonly error?: string;
  readonly reason?: string;
}

/** The requests of the CouchDB replication protocol that replication makes, on one database. */
export class CouchClient {
  readonly url: string;
  readonly #headers: HeadersOption;
  readonly #fetch: typeof fetch;

  /** The Mango selector `_changes` is filtered with, if any. */
  readonly #selector: object | undefined;

  constructor(url: string, headers: HeadersOption, fetcher: typeof fetch, selector?: object) {
    this.url = url.replace(/\/+$/, '');
    this.#headers = headers;
    this.#fetch = fetcher;
    this.#selector = selector;
  }

  /** What the pulled changes are filtered with, as text (part of a checkpoint's identity). */
  get filterKey(): string | undefined {
    return this.#selector === undefined ? undefined : JSON.stringify(this.#selector);
  }

  /** The database's information: the first answer tells that the server is reachable. */
  info(signal?: AbortSignal): Promise<{ update_seq: unknown }> {
    return this.#request('GET', '', undefined, signal);
  }

  /**
   * A page of changes after `since` (opaque): each changed document's id and leaf revisions,
   * and with `includeDocs` the document with its conflicting revisions.
   */
  changes(
    since: unknown,
    options: { limit: number; longpoll?: number; includeDocs: boolean },
    signal?: AbortSignal,
  ): Promise<ChangesPage> {
    const query = new URLSearchParams({
      style: 'all_docs',
      since: typeof since === 'string' ? since : JSON.stringify(since),
      limit: String(options.limit),
    });
    if (options.includeDocs) {
      query.set('include_docs', 'true');
      query.set('conflicts', 'true');
      query.set('attachments', 'true');
    }
    if (options.longpoll !== undefined) {
      query.set('feed', 'longpoll');
      query.set('timeout', String(options.longpoll));
    }
    if (this.#selector === undefined) {
      return this.#request('GET', `/_changes?${query}`, undefined, signal);
    }
    query.set('filter', '_selector');
    return this.#request('POST', `/_changes?${query}`, { selector: this.#selector }, signal);
  }

  /** Writes `docs`, each on its `_rev`: a stale one comes back as `{ error: 'conflict' }`. */
  bulkDocs(docs: readonly object[], signal?: AbortSignal): Promise<BulkResult[]> {
    return this.#request('POST', '/_bulk_docs', { docs }, signal);
  }

  /** The current winning revision of each of `ids`, with its `_conflicts` (missing: none). */
  async current(
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<Array<ServerDocument & { readonly _rev: string }>> {
    const page = await this.#request<{
      rows: Array<{
        id?: string;
        value?: { rev?: string; deleted?: boolean };
        doc?: (ServerDocument & { _rev: string }) | null;
      }>;
    }>(
      'POST',
      '/_all_docs?include_docs=true&conflicts=true&attachments=true',
      { keys: ids },
      signal,
    );
    return page.rows.flatMap((row) => {
      if (row.doc) return [row.doc];
      // A deleted document: its tombstone, so that the delete is applied rather than lost.
      const { id, value } = row;
      return id && value?.deleted && value.rev
        ? [{ _id: id, _rev: value.rev, _deleted: true }]
        : [];
    });
  }

  /** The given revisions of documents (conflicting branches), through `_bulk_get`. */
  async revisions(
    wanted: ReadonlyArray<{ id: string; rev: string }>,
    signal?: AbortSignal,
  ): Promise<Array<ServerDocument & { readonly _rev: string }>> {
    const answer = await this.#request<{
      results: Array<{ docs: Array<{ ok?: ServerDocument & { _rev: string } }> }>;
    }>('POST', '/_bulk_get?attachments=true', { docs: wanted }, signal);
    return answer.results.flatMap((result) =>
      result.docs.flatMap((doc) => (doc.ok ? [doc.ok] : [])),
    );
  }

  /** A `_local/` document (checkpoints), or undefined when there is none. */
  async getLocal<T extends object>(
    id: string,
    signal?: AbortSignal,
  ): Promise<(T & { _rev: string }) | undefined> {
    try {
      return await this.#request('GET', `/_local/${encodeURIComponent(id)}`, undefined, signal);
    } catch (error) {
      if (error instanceof SyncError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Writes a `_local/` document; resolves to its new revision. */
  async putLocal(id: string, body: object, signal?: AbortSignal): Promise<string> {
    const answer = await this.#request<{ rev: string }>(
      'PUT',
      `/_local/${encodeURIComponent(id)}`,
      body,
      signal,
    );
    return answer.rev;
  }

  async #request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    // fetch keeps its abort listener on the signal it is given until that signal is collected:
    // each request gets a signal of its own, so the replication's long-lived one gathers none.
    const own = new AbortController();
    const abort = () => own.abort(signal?.reason);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    try {
      return await this.#send<T>(method, path, body, own.signal);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  async #send<T>(method: string, path: string, body: unknown, signal: AbortSignal): Promise<T> {
    let response: Response;
    let headers: Readonly<Record<string, string>>;
    try {
      headers = typeof this.#headers === 'function' ? await this.#headers() : this.#headers;
    } catch (error) {
      // A token that cannot be had now (its issuer is unreachable) is retried, as a server is.
      throw new ServerUnreachable(
        `${method} ${this.url}${path}: the headers function failed`,
        error,
      );
    }
    try {
      response = await this.#fetch(`${this.url}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new ServerUnreachable(
        `${method} ${this.url}${path}: the server cannot be reached`,
        error,
      );
    }
    let answer: unknown;
    try {
      answer = await response.json();
    } catch (error) {
      if (signal.aborted) throw error;
      if (response.ok) {
        throw new ServerUnreachable(`${method} ${this.url}${path}: the answer was cut off`, error);
      }
      answer = undefined;
    }
    if (response.ok) return answer as T;
    const reason = describeFailure(answer);
    const message = `${method} ${this.url}${path}: the server answered ${response.status}${reason}`;
    // Authentication, permission and a missing database need a person; anything else may pass.
    if ([400, 401, 403, 404, 405, 412, 413, 415].includes(response.status)) {
      throw new SyncError(message, response.status, answer);
    }
    throw new ServerUnreachable(message, answer);
  }
}

function describeFailure(answer: unknown): string {
  if (answer === null || typeof answer !== 'object') return '';
  const { error, reason } = answer as { error?: unknown; reason?: unknown };
  return error === undefined
    ? ''
    : ` (${String(error)}${reason === undefined ? '' : `: ${String(reason)}`})`;
}

import { DexormError } from '../core/errors.js';

/**
 * Replication failed in a way that retrying cannot mend (the server answered 401, 403 or 404, or
 * refused a document), or it was stopped while something waited for it. `status` holds the HTTP
 * status when the server gave one.
 */
export class SyncError extends DexormError {
  /** The HTTP status the server answered with, if it answered. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
    this.name = 'SyncError';
    this.status = status;
  }
}

/** The server could not be reached, or answered with a failure that may pass (5xx): retry. */
export class ServerUnreachable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ServerUnreachable';
  }
}

/** Details carried by every dexorm error, so callers can react without parsing messages. */
export interface ErrorDetails {
  /** The model class name involved, e.g. `"User"`. */
  readonly model?: string;
  /** The IndexedDB table involved, e.g. `"users"`. */
  readonly table?: string;
  /** The attribute, index or relation involved. */
  readonly field?: string;
  /** The primary key or value involved. */
  readonly key?: unknown;
  /** The underlying error (usually Dexie's), when there is one. */
  readonly cause?: unknown;
}

/** Base class of every error dexorm throws or rejects with. */
export class DexormError extends Error {
  /** The model class name involved, e.g. `"User"`. */
  readonly model: string | undefined;
  /** The IndexedDB table involved, e.g. `"users"`. */
  readonly table: string | undefined;
  /** The attribute, index or relation involved. */
  readonly field: string | undefined;
  /** The primary key or value involved. */
  readonly key: unknown;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, 'cause' in details ? { cause: details.cause } : undefined);
    this.name = 'DexormError';
    this.model = details.model;
    this.table = details.table;
    this.field = details.field;
    this.key = details.key;
  }
}

/** A record looked up by key (`findOrFail`, `firstOrFail`, `refresh`) does not exist. */
export class ModelNotFoundError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'ModelNotFoundError';
  }
}

/** An operation needs a model that has a key (was saved) and it has none. */
export class UnsavedModelError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'UnsavedModelError';
  }
}

/** A write would break a unique index or the one-per-parent rule of a HasOne. Nothing was written. */
export class UniqueConstraintError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'UniqueConstraintError';
  }
}

/**
 * A write refused by a relation rule (a `'restrict'` delete rule; a delete that cannot take its
 * dependent records with it). Nothing was written.
 */
export class IntegrityError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'IntegrityError';
  }
}

/**
 * The models or a query do not fit together: a model without a table, two models on one table,
 * a relation to an unregistered model, an unknown relation name, a field that cannot be queried.
 */
export class SchemaError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'SchemaError';
  }
}

/**
 * A value IndexedDB cannot store (function, symbol, DOM node), a reserved attribute name
 * (`__proto__`, `constructor`, `prototype`), or an invalid key. Nothing was written.
 */
export class ValidationError extends DexormError {
  /** Each problem a schema found, with the attribute path it concerns (empty for other causes). */
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    details: ErrorDetails = {},
    issues: readonly ValidationIssue[] = [],
  ) {
    super(message, details);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** One problem a model's schema found in its attributes. */
export interface ValidationIssue {
  /** The attribute path, dot-separated (`'title'`, `'tags.0'`); empty for the whole record. */
  readonly path: string;
  /** What the schema said. */
  readonly message: string;
}

/**
 * A data migration failed while the database was upgraded: the whole upgrade was rolled back,
 * and the database keeps its previous version and data (the next open tries again). `version` is
 * the version whose migration failed; `cause` what it threw.
 */
export class MigrationError extends DexormError {
  /** The version whose migration failed. */
  readonly version: number;

  constructor(message: string, version: number, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'MigrationError';
    this.version = version;
  }
}

/** The database was closed or deleted (by this code, or by another connection upgrading it). */
export class DatabaseClosedError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'DatabaseClosedError';
  }
}

/**
 * IndexedDB refused a write for a reason other than a constraint (quota exceeded, the
 * transaction aborted, the disk failed). The transaction was rolled back; `cause` holds the reason.
 */
export class StorageError extends DexormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'StorageError';
  }
}

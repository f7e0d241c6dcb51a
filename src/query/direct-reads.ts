import { Dexie, type PromiseExtended } from 'dexie';
import type { Observable } from 'rxjs';
import { isValidKey, type Key } from '../core/values.js';
import type { ModelBase } from '../model/model.js';
import { type DatabaseRuntime, failedReadOf, type ModelContext } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { hydrate, liveComparison } from '../state/model-state.js';

/**
 * A relation's read that needs no planning: the related records whose indexed `field` holds the
 * parent's `key` (the first, or all in primary-key order), as HasOne and HasMany read them.
 */
export interface FieldRead {
  /** Names this kind of read. */
  readonly kind: 'field';
  /** The related records' indexed field that holds the parent's key. */
  readonly field: string;
  /** The parent's key. */
  readonly key: Key;
  /** True for the first record (a to-one kind), false for all of them. */
  readonly first: boolean;
}

/**
 * A BelongsTo's read through its owner's primary key: the child as stored, for its foreign key
 * as it is now (a foreign key moved in another tab), or, for a child that is not stored, the
 * foreign key it holds in memory; then the owner with that key.
 */
export interface OwnerRead {
  /** Names this kind of read. */
  readonly kind: 'owner';
  /** The child's field that holds its owner's primary key. */
  readonly foreignKey: string;
  /** The stored child: its model class and its key. */
  readonly child?: {
    /** The child's model class. */
    readonly model: ModelClass;
    /** The child's primary key. */
    readonly key: Key;
  };
  /** The foreign key of a child that is not stored. */
  readonly heldKey?: unknown;
}

/** A read a relation describes for the query layer to run directly, without planning. */
export type DirectRead = FieldRead | OwnerRead;

/** What {@link directRead} resolves to: one model or null, or a list. */
export type DirectResult<R> = R | null | R[];

/**
 * Runs `read` over `related` on `runtime` as one chain of Dexie promises, with no native await,
 * so that a live query follows it as it is; read errors are translated as every read's are.
 */
export function directRead<R extends ModelBase>(
  runtime: DatabaseRuntime,
  related: ModelClass<R>,
  read: DirectRead,
): PromiseExtended<DirectResult<R>> {
  const context = runtime.contextOf(related);
  if (read.kind === 'field') {
    const matching = context.table.where(read.field).equals(read.key);
    const rows: PromiseExtended<DirectResult<R>> = read.first
      ? matching.first().then((row) => (row === undefined ? null : hydrate(context, row)))
      : // An index's entries for one key come in primary-key order.
        matching.toArray().then((found) => found.map((row) => hydrate(context, row)));
    return rows.catch(failedReadOf(context));
  }
  if (!read.child) return ownerWith(context, read.heldKey);
  const children = runtime.contextOf(read.child.model);
  return children.table
    .get(read.child.key)
    .then((row) => (row ? ownerWith(context, row[read.foreignKey]) : null), failedReadOf(children));
}

/** The owner whose primary key is `key`; a value that is no key matches none, as a query's would. */
function ownerWith<R extends ModelBase>(
  owners: ModelContext<R>,
  key: unknown,
): PromiseExtended<R | null> {
  if (!isValidKey(key)) return Dexie.Promise.resolve(null);
  return owners.table
    .get(key)
    .then((row) => (row ? hydrate(owners, row) : null), failedReadOf(owners));
}

/**
 * A live Observable of a relation's read: the {@link DirectRead} `direct` describes at each run
 * (none: the relation's `empty` result), or, for a relation that has none or a related model
 * that global scopes constrain (read through its queries), `read`.
 */
export function observeRelated<R extends ModelBase, Result>(
  runtime: DatabaseRuntime,
  related: ModelClass<R>,
  shareKey: string,
  direct: () => DirectRead | undefined,
  read: () => Promise<Result>,
  empty: Result,
): Observable<Result> {
  const scoped = runtime.contextOf(related).lifecycle.scoped;
  if (scoped || direct() === undefined) return runtime.live(shareKey, read, liveComparison);
  return runtime.liveChain(
    shareKey,
    () => {
      const now = direct();
      return now === undefined
        ? Dexie.Promise.resolve(empty)
        : (directRead(runtime, related, now) as PromiseExtended<Result>);
    },
    liveComparison,
  );
}

/** The model of `context` stored under `key`, or null; read errors translated. */
export async function readByKey<M extends ModelBase>(
  context: ModelContext<M>,
  key: Key,
): Promise<M | null> {
  const row = await context.table.get(key).catch(failedReadOf(context));
  return row ? hydrate(context, row) : null;
}

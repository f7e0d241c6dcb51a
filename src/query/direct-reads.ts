import { Dexie, type PromiseExtended } from 'dexie';
import type { Observable } from 'rxjs';
import { isValidKey, type Key, type Row } from '../core/values.js';
import { type DatabaseRuntime, failedReadOf, type ModelContext } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { hydrate, liveComparison } from '../state/model-state.js';
import type { QueryState } from './query-state.js';

/**
 * A read that needs no planning: the records whose indexed `field` (or primary key) holds `key`,
 * the first or all in primary-key order; a HasOne, HasMany or BelongsTo reads its parent's related
 * records so, and a query of one key of one index (see `directReadOf`) its results.
 */
export interface FieldRead {
  /** Names this kind of read. */
  readonly kind: 'field';
  /** The records' index that holds the key: a field, the primary key, or `[a+b]`. */
  readonly field: string;
  /** The key looked up (a parent's key, a query's value; an array for `[a+b]`). */
  readonly key: Key;
  /** True for the first record (a to-one kind), false for all of them. */
  readonly first: boolean;
}

/**
 * A {@link FieldRead} for a stored parent that holds the key it looks up with (a child's foreign
 * key): the parent as stored first, so that a key moved in another tab, or a delete, is seen;
 * then the related records whose `field` holds its `parentField`.
 */
export interface FollowRead {
  /** Names this kind of read. */
  readonly kind: 'follow';
  /** The stored parent: its model class and its primary key. */
  readonly parent: {
    /** The parent's model class. */
    readonly model: ModelClass;
    /** The parent's primary key. */
    readonly key: Key;
  };
  /** The parent's field holding the key looked up with. */
  readonly parentField: string;
  /** The related records' indexed field (or primary key) that holds it. */
  readonly field: string;
  /** True for the first record (a to-one kind), false for all of them. */
  readonly first: boolean;
}

/** A read the query layer runs directly, without planning. */
export type DirectRead = FieldRead | FollowRead;

/**
 * The direct read `state` over `context` comes to, where the planner's whole work would be one
 * key of one index: `=` clauses with valid keys, either one on the primary key or on a plain
 * (single-field, not multi-entry) index, or one on each field of a compound index (a polymorphic
 * relation's `[type+id]`); no order, offset, eager load, relation filter or aggregate; a limit of
 * at most one when `first`, none otherwise; a model no scope constrains. Undefined for every
 * other query, which the planner reads.
 */
export function directReadOf(
  context: ModelContext,
  state: QueryState,
  first: boolean,
): FieldRead | undefined {
  const { clauses } = state;
  if (clauses.length === 0) return undefined;
  for (const clause of clauses) {
    if (clause.operator !== '=' || !isValidKey(clause.value)) return undefined;
  }
  const plain =
    state.order === undefined &&
    state.offset === 0 &&
    (first ? (state.limit ?? 1) === 1 : state.limit === undefined) &&
    state.with.length === 0 &&
    state.has.length === 0 &&
    state.aggregates.length === 0 &&
    !context.lifecycle.scoped;
  if (!plain) return undefined;
  if (clauses.length === 1) {
    const { field, value } = clauses[0] as { field: string; value: unknown };
    const index = context.indexes.get(field);
    const indexed =
      field === context.primaryKey ||
      (index !== undefined && index.fields.length === 1 && !index.multiEntry);
    return indexed ? { kind: 'field', field, key: value as Key, first } : undefined;
  }
  // Built only here: the one-clause read above (every HasOne, every find) makes no map.
  const values = new Map(clauses.map(({ field, value }) => [field, value]));
  if (values.size !== clauses.length) return undefined;
  for (const index of context.indexes.values()) {
    const covers =
      !index.multiEntry &&
      index.fields.length === values.size &&
      index.fields.every((field) => values.has(field));
    if (!covers) continue;
    const key = index.fields.map((field) => values.get(field)) as Key;
    return { kind: 'field', field: index.name, key, first };
  }
  return undefined;
}

/** What {@link directRead} resolves to: one model or null, or a list. */
export type DirectResult<R> = R | null | R[];

/**
 * Runs `read` over `related` on `runtime` as one chain of Dexie promises, with no native await,
 * so that a live query follows it as it is; read errors are translated as every read's are.
 */
export function directRead<R extends ModelInstance>(
  runtime: DatabaseRuntime,
  related: ModelClass<R>,
  read: DirectRead,
): PromiseExtended<DirectResult<R>> {
  const context = runtime.contextOf(related);
  if (read.kind === 'field') return fieldRead(context, read.field, read.key, read.first);
  const parents = runtime.contextOf(read.parent.model);
  return parents.table.get(read.parent.key).then((row) => {
    if (row) return fieldRead(context, read.field, row[read.parentField], read.first);
    return read.first ? null : [];
  }, failedReadOf(parents));
}

/**
 * The records of `context` whose `field` holds `key`: the first or null, or all of them; a value
 * that is no key matches none, as a query's would.
 */
function fieldRead<R extends ModelInstance>(
  context: ModelContext<R>,
  field: string,
  key: unknown,
  first: boolean,
): PromiseExtended<DirectResult<R>> {
  if (!isValidKey(key)) return Dexie.Promise.resolve(first ? null : []);
  return storedRows(context, field, key, first)
    .then((rows) => hydrateRows(context, rows, first))
    .catch(failedReadOf(context));
}

/**
 * Runs `read` once, outside a live query: one async function around one Dexie read, since each
 * promise hop shows on a read that costs 20 µs.
 */
export async function readOnce<R extends ModelInstance>(
  context: ModelContext<R>,
  read: FieldRead,
): Promise<DirectResult<R>> {
  let rows: Row | Row[] | undefined;
  try {
    rows = await storedRows(context, read.field, read.key, read.first);
  } catch (error) {
    throw await context.runtime.readFailed(error, context);
  }
  return hydrateRows(context, rows, read.first);
}

/** The stored records of `context` whose `field` holds `key`: the first, or all of them. */
function storedRows(
  context: ModelContext,
  field: string,
  key: Key,
  first: boolean,
): PromiseExtended<Row | Row[] | undefined> {
  if (field === context.primaryKey) return context.table.get(key);
  const matching = context.table.where(field).equals(key);
  // An index's entries for one key come in primary-key order.
  return first ? matching.first() : matching.toArray();
}

/** `rows` of {@link storedRows} as models: the first or null, or the list. */
function hydrateRows<R extends ModelInstance>(
  context: ModelContext<R>,
  rows: Row | Row[] | undefined,
  first: boolean,
): DirectResult<R> {
  if (rows === undefined) return first ? null : [];
  if (Array.isArray(rows)) {
    const models = rows.map((row) => hydrate(context, row));
    return first ? (models[0] ?? null) : models;
  }
  return first ? hydrate(context, rows) : [hydrate(context, rows)];
}

/**
 * A live Observable of a read that needs no planning (a relation's, a model's by key): `direct`
 * run as one chain of Dexie promises at each change, or, where there is none, `read`.
 */
export function observeDirect<R extends ModelInstance, Result>(
  runtime: DatabaseRuntime,
  related: ModelClass<R>,
  shareKey: string | undefined,
  direct: DirectRead | undefined,
  read: () => Promise<Result>,
): Observable<Result> {
  if (direct === undefined) return runtime.live(shareKey, read, liveComparison);
  return runtime.liveChain(
    shareKey,
    () => directRead(runtime, related, direct) as PromiseExtended<Result>,
    liveComparison,
  );
}

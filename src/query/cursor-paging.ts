import type { PromiseExtended } from 'dexie';
import { isValidKey, type Row, valueAt } from '../core/values.js';
import type { ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { originalOf } from '../state/model-state.js';
import { type Clause, type OrderDirection, orderComparator } from './clause.js';
import { someUnindexed } from './index-coverage.js';
import { type CursorPosition, decodeCursor, encodeCursor } from './page-cursor.js';
import { checkPerPage } from './paging.js';
import { validationError } from './query-input.js';
import { type QueryState, queryHash } from './query-state.js';

/** One page of a keyset-paged query (`cursorPaginate`). */
export interface CursorPage<T> {
  /** The page's results. */
  readonly data: T[];
  /** The cursor of the page after this one; null on the last page. */
  readonly nextCursor: string | null;
  /** The cursor of the page before this one; null on the first page. */
  readonly previousCursor: string | null;
}

/**
 * The page of `perPage` results after (or before) the record `cursor` names, read from that
 * record on through the order's index, so that every page costs what the first does.
 * @throws ValidationError for a cursor of another query, or one cut short or altered.
 */
export async function cursorPaginate<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
  perPage: number,
  cursor: string | null | undefined,
): Promise<CursorPage<M>> {
  checkPerPage(context, perPage, 'cursorPaginate()');
  const paged = pagedQuery(context, state);
  const { base, cursorOf } = paged;
  const position = positionOf(context, paged.identity, cursor);
  const take = perPage + 1;
  if (position?.direction === 'prev') {
    const found = await before({ context, base, position, take });
    const data = found.length > perPage ? found.slice(-perPage) : found;
    await context.queries.loadOnto(base, data);
    return {
      data,
      previousCursor: found.length > perPage ? cursorOf(data[0]!, 'prev') : null,
      nextCursor: data.length > 0 ? cursorOf(data.at(-1)!, 'next') : null,
    };
  }
  const found = position
    ? await after({ context, base, position, take })
    : await context.queries.select({ ...base, limit: take });
  await context.queries.loadOnto(base, found.slice(0, perPage));
  return pageAfter(found, perPage, position, cursorOf);
}

/**
 * The first page of {@link cursorPaginate} as a read of one chain of Dexie promises, where the
 * query reads its own table alone (see `resultsChain`); undefined for a page after a cursor, and
 * for any other query. A live first page re-runs it.
 */
export function firstCursorPageChain<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
  perPage: number,
  cursor: string | null | undefined,
): (() => PromiseExtended<CursorPage<M>>) | undefined {
  if (cursor !== undefined && cursor !== null) return undefined;
  const { base, cursorOf } = pagedQuery(context, state);
  const read = context.queries.resultsChain({ ...base, limit: perPage + 1 });
  if (!read) return undefined;
  return () => {
    checkPerPage(context, perPage, 'cursorPaginate()');
    return read().then((found) => pageAfter(found, perPage, undefined, cursorOf));
  };
}

/** A cursor's direction: the page after the record it names, or the one before. */
type Direction = 'next' | 'prev';

/**
 * The query a cursor pages through (in its order, the primary key's without one, unpaged), its
 * identity in cursors, and the cursor that names one of its models.
 */
function pagedQuery<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
): { base: QueryState; identity: string; cursorOf: (model: M, direction: Direction) => string } {
  const order = state.order ?? { field: context.primaryKey, direction: 'asc' as const };
  const base: QueryState = { ...state, order, limit: undefined, offset: 0 };
  const identity =
    queryHash(context.tableName, { ...base, with: [], aggregates: [] }) ?? context.tableName;
  const cursorOf = (model: M, direction: Direction) => {
    const row = originalOf(model)!;
    const value = valueAt(row, order.field);
    const isKey = isValidKey(value);
    return encodeCursor({
      query: identity,
      direction,
      isKey,
      value: isKey ? value : null,
      key: row[context.primaryKey],
    });
  };
  return { base, identity, cursorOf };
}

/** The position `cursor` names in the query of `identity`, if one is given. */
function positionOf(
  context: ModelContext,
  identity: string,
  cursor: string | null | undefined,
): CursorPosition | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const position = decodeCursor(cursor);
  if (!position || position.query !== identity) {
    throw validationError(
      context.model,
      'cursorPaginate() was given a cursor of another query, or one cut short or altered',
      'cursor',
    );
  }
  return position;
}

/** The page of the first `perPage` of `found` (read one further, to know if more follow). */
function pageAfter<M extends ModelInstance>(
  found: M[],
  perPage: number,
  position: CursorPosition | undefined,
  cursorOf: (model: M, direction: Direction) => string,
): CursorPage<M> {
  const data = found.slice(0, perPage);
  return {
    data,
    nextCursor: found.length > perPage ? cursorOf(data.at(-1)!, 'next') : null,
    previousCursor: position && data.length > 0 ? cursorOf(data[0]!, 'prev') : null,
  };
}

/** A cursor page's read: `take` results of query `base` over `context` beside `position`. */
interface PageRead<M extends ModelInstance> {
  readonly context: ModelContext<M>;
  readonly base: QueryState;
  readonly position: CursorPosition;
  readonly take: number;
}

/** The first `take` results after `position`, in the query's order. */
async function after<M extends ModelInstance>({
  context,
  base,
  position,
  take,
}: PageRead<M>): Promise<M[]> {
  const { field } = base.order!;
  if (!position.isKey)
    return beyond(await tail(context, base), context, base, position, 1).slice(0, take);
  const clauses = [...base.clauses, ...keyset(context, base, position, 'after')];
  const found = await context.queries.select({ ...base, clauses, limit: take });
  if (found.length < take && field !== context.primaryKey) {
    found.push(...(await tail(context, base)).slice(0, take - found.length));
  }
  return found;
}

/** The last `take` results before `position`, in the query's order. */
async function before<M extends ModelInstance>({
  context,
  base,
  position,
  take,
}: PageRead<M>): Promise<M[]> {
  const order = base.order!;
  const flipped = { field: order.field, direction: flip(order.direction) };
  if (position.isKey) {
    const clauses = [...base.clauses, ...keyset(context, base, position, 'before')];
    return (
      await context.queries.select({ ...base, clauses, order: flipped, limit: take })
    ).reverse();
  }
  const earlier = beyond(await tail(context, base), context, base, position, -1).slice(-take);
  if (earlier.length === take) return earlier;
  const last = await context.queries.select({
    ...base,
    order: flipped,
    limit: take - earlier.length,
  });
  const keys = last.filter((model) => isValidKey(valueAt(originalOf(model)!, order.field)));
  return [...keys.reverse(), ...earlier];
}

/**
 * Clauses that keep the records after (or before) `position` in the query's order: a range on
 * the order field from the cursor's value, which an index reads, and the tie broken by key.
 */
function keyset(
  context: ModelContext,
  base: QueryState,
  position: CursorPosition,
  side: 'after' | 'before',
): Clause[] {
  const { field, direction } = base.order!;
  const forward = (direction === 'asc') === (side === 'after');
  const { primaryKey } = context;
  if (field === primaryKey) return [{ field, operator: forward ? '>' : '<', value: position.key }];
  const past = forward ? '>' : '<';
  return [
    { field, operator: forward ? '>=' : '<=', value: position.value },
    {
      field: '',
      operator: 'anyOf',
      value: [
        [{ field, operator: past, value: position.value }],
        [
          { field, operator: '=', value: position.value },
          { field: primaryKey, operator: past, value: position.key },
        ],
      ],
    },
  ];
}

/** The results whose order value is no key, which follow all others, in order. */
async function tail<M extends ModelInstance>(
  context: ModelContext<M>,
  base: QueryState,
): Promise<M[]> {
  const { field, direction } = base.order!;
  if (!(await someUnindexed(context, field))) return [];
  const all = await context.queries.select({ ...base, order: undefined });
  const compare = orderComparator(field, direction, context.primaryKey);
  return all
    .filter((model) => !isValidKey(valueAt(originalOf(model)!, field)))
    .sort((a, b) => compare(originalOf(a)!, originalOf(b)!));
}

/** The models of `sorted` after (`side` 1) or before (-1) the record `position` names. */
function beyond<M extends ModelInstance>(
  sorted: M[],
  context: ModelContext,
  base: QueryState,
  position: CursorPosition,
  side: 1 | -1,
): M[] {
  const { field, direction } = base.order!;
  const compare = orderComparator(field, direction, context.primaryKey);
  const pivot = rowAt(field, position.value);
  pivot[context.primaryKey] = position.key;
  return sorted.filter((model) => Math.sign(compare(originalOf(model)!, pivot)) === side);
}

/** A row holding `value` at `path` (nested for a dotted path). */
function rowAt(path: string, value: unknown): Row {
  const row: Row = {};
  const parts = path.split('.');
  let target = row;
  for (const part of parts.slice(0, -1)) {
    const next: Row = {};
    target[part] = next;
    target = next;
  }
  target[parts.at(-1)!] = value;
  return row;
}

function flip(direction: OrderDirection): OrderDirection {
  return direction === 'asc' ? 'desc' : 'asc';
}

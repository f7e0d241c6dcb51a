import { type Collection, cmp, Dexie, type PromiseExtended } from 'dexie';
import { dictionaryKey, distinctKeys } from '../core/key-dictionary.js';
import { isValidKey, type Key, type Row, valueAt } from '../core/values.js';
import type { ModelContext } from '../state/context.js';
import {
  type Clause,
  type KeySource,
  type KeySourceClause,
  orderComparator,
  rowMatcher,
} from './clause.js';
import { someUnindexed } from './index-coverage.js';
import type { FieldAccess } from './key-range.js';
import { collectionWithKeys, rowsWithKeys } from './key-reads.js';
import { type Plan, planRead, type ReadRequest } from './planner.js';
import type { QueryState } from './query-state.js';

// Each read below is one chain of Dexie promises, with no native await: a live query follows
// such a chain as it runs, where an async function would make Dexie echo each microtask of it
// back into the live query's zone (tens of microseconds per re-run).

/** Reads the rows a query selects, through the plan that reads the fewest records. */
export function readRows(context: ModelContext, state: QueryState): PromiseExtended<Row[]> {
  return withRequest(context, state, (request) =>
    runPlan(context, planRead(context, request), request),
  );
}

/** Counts the rows a query selects, from index keys alone where the plan applies every clause. */
export function countRows(context: ModelContext, state: QueryState): PromiseExtended<number> {
  return withRequest(context, { ...state, order: undefined }, (request) => {
    const plan = planRead(context, request);
    const { access } = plan;
    if (access.kind === 'none') return Dexie.Promise.resolve(0);
    const whole = request.offset === 0 && request.limit === undefined;
    if (whole && access.kind === 'index' && plan.filters.length === 0 && !plan.alternatives) {
      const { collection, wanted } = open(context, access.index, access.keys);
      if (!wanted) return collection.count();
      return collection.keys().then((keys) => keys.filter((key) => wanted.has(key)).length);
    }
    return runPlan(context, plan, request).then((rows) => rows.length);
  });
}

/** The plan `state` reads with, after the keys it takes from other tables are read. */
export function planOf(
  context: ModelContext,
  state: QueryState,
): PromiseExtended<{ plan: Plan; request: ReadRequest }> {
  return withRequest(context, state, (request) =>
    Dexie.Promise.resolve({ plan: planRead(context, request), request }),
  );
}

function runPlan(context: ModelContext, plan: Plan, request: ReadRequest): PromiseExtended<Row[]> {
  if (plan.alternatives) return readAlternatives(context, plan.alternatives, request);
  const { access } = plan;
  if (access.kind === 'none') return Dexie.Promise.resolve([]);
  const keep = rowMatcher(plan.filters);
  const { offset, limit, order } = request;
  const paged = limit === undefined ? undefined : offset + limit;

  if (access.kind === 'keys') {
    let keys = access.keys;
    const byKey = order === undefined || order.field === context.primaryKey;
    if (!keep && byKey && paged !== undefined) {
      // Keys are sorted: the page is known before anything is read.
      const sorted = order?.direction === 'desc' ? [...keys].reverse() : keys;
      keys = sorted.slice(offset, paged);
      if (order?.direction === 'desc') keys = [...keys].reverse();
      request = { ...request, offset: 0 };
    }
    const found =
      keys.length === 1
        ? context.table.get(keys[0]!).then((row) => [row])
        : context.table.bulkGet(keys as Key[]);
    return found.then((rows) => {
      let kept = rows.filter((row): row is Row => row !== undefined);
      if (keep) kept = kept.filter(keep);
      return sortAndSlice(context, kept, request);
    });
  }

  const opened = open(context, access.index, access.keys);
  const { wanted } = opened;
  const index = access.index;
  const test = both(wanted ? (row) => wanted.has(valueAt(row, index)) : null, keep);
  const { remainderOf } = plan;
  let collection = opened.collection;
  if (plan.reverse) collection = collection.reverse();
  if (!plan.ordered || paged === undefined) {
    // Without paging to stop early, one bulk read filtered after beats a cursor's per-row steps.
    return collection.toArray().then((found) => {
      const rows = test ? found.filter(test) : found;
      if (!remainderOf) {
        return plan.ordered ? slice(rows, request) : sortAndSlice(context, rows, request);
      }
      return remainder(context, remainderOf, request).then((rest) =>
        sortAndSlice(context, [...rows, ...rest], request),
      );
    });
  }
  if (!test && !remainderOf && offset === 0) return collection.limit(paged).toArray();
  if (test) collection = collection.filter(test);
  // The rows an offset skips are read, not stepped over with a cursor's advance(): a live query
  // then re-runs when one of them leaves the range (Dexie's advance() misses that).
  return collection
    .limit(paged)
    .toArray()
    .then((rows) => {
      if (!remainderOf || rows.length >= paged) return rows.slice(offset, paged);
      return remainder(context, remainderOf, request).then((rest) =>
        [...rows, ...rest].slice(offset, paged),
      );
    });
}

/**
 * The records a read through `field`'s index missed: those matching the clauses whose `field` is
 * no key, which sort after every key, in order.
 */
function remainder(
  context: ModelContext,
  field: string,
  request: ReadRequest,
): PromiseExtended<Row[]> {
  return someUnindexed(context, field).then((some) => {
    if (!some) return [];
    const unordered: ReadRequest = { ...request, order: undefined, limit: undefined, offset: 0 };
    return runPlan(context, planRead(context, unordered), unordered).then((rows) =>
      rows
        .filter((row) => !isValidKey(valueAt(row, field)))
        .sort(orderComparator(field, request.order!.direction, context.primaryKey)),
    );
  });
}

/** Each alternative read with the query's order and paging, merged once per primary key. */
function readAlternatives(
  context: ModelContext,
  alternatives: readonly Plan[],
  request: ReadRequest,
): PromiseExtended<Row[]> {
  const { offset, limit } = request;
  const each: ReadRequest = {
    ...request,
    offset: 0,
    limit: limit === undefined ? undefined : offset + limit,
  };
  const reads = alternatives.map((plan) => runPlan(context, plan, each));
  return Dexie.Promise.all(reads).then((lists) => {
    const { primaryKey } = context;
    const merged = lists.flat().sort((a, b) => cmp(a[primaryKey], b[primaryKey]));
    const unique = merged.filter(
      (row, i) => i === 0 || cmp(row[primaryKey], merged[i - 1]![primaryKey]) !== 0,
    );
    return sortAndSlice(context, unique, request);
  });
}

/**
 * A Dexie collection over `index` for `keys`; `wanted` the index keys to keep, when the read
 * spans more than the keys asked for.
 */
function open(
  context: ModelContext,
  index: string,
  keys: FieldAccess,
): { collection: Collection<Row, Key>; wanted?: ReadonlySet<unknown> } {
  if (keys.kind === 'values') return collectionWithKeys(context.table, index, keys.values);
  const { lower, upper, lowerOpen, upperOpen } = keys.range;
  if (lower === undefined && upper === undefined) {
    const all =
      index === context.primaryKey ? context.table.toCollection() : context.table.orderBy(index);
    return { collection: all };
  }
  const collection = context.table
    .where(index)
    .between(
      lower ?? -Infinity,
      upper ?? [[]],
      lower === undefined || !lowerOpen,
      upper === undefined || !upperOpen,
    );
  return { collection };
}

function both(
  a: ((row: Row) => boolean) | null,
  b: ((row: Row) => boolean) | null,
): ((row: Row) => boolean) | null {
  if (!a) return b;
  if (!b) return a;
  return (row) => a(row) && b(row);
}

/**
 * Runs `read` with `state`'s read request: at once when it takes no keys from other tables,
 * otherwise once those keys are read (each clause on keys of another table replaced by an `in`
 * clause over them).
 */
function withRequest<T>(
  context: ModelContext,
  state: QueryState,
  read: (request: ReadRequest) => PromiseExtended<T>,
): PromiseExtended<T> {
  const { clauses, order, limit, offset } = state;
  if (!clauses.some((clause) => clause.operator === 'inKeysOf')) {
    return read({ clauses, order, limit, offset });
  }
  const resolved = clauses.map((clause) =>
    clause.operator === 'inKeysOf' ? keysClause(context, clause) : clause,
  );
  return Dexie.Promise.all(resolved).then((done) => read({ clauses: done, order, limit, offset }));
}

/** A clause on keys of another table as an `in` clause over the keys it reads there. */
function keysClause(context: ModelContext, clause: KeySourceClause): PromiseExtended<Clause> {
  const { table, where, equals, select, pick, trashedBy, rowsMatching } = clause.value;
  const valid = equals.filter(isValidKey);
  const read =
    valid.length === 0
      ? Dexie.Promise.resolve<Row[]>([])
      : rowsWithKeys(context.runtime.dexie.table<Row, Key>(table), where, valid as Key[]);
  return read.then((found) => {
    let rows = found;
    if (trashedBy !== undefined) rows = rows.filter((row) => row[trashedBy] == null);
    const matches = rowsMatching && rowMatcher(rowsMatching);
    if (matches) rows = rows.filter(matches);
    const keys = distinctKeys(pick ? firstOfEach(rows, where, pick) : rows, (row) => row[select]);
    return { field: clause.field, operator: 'in', value: keys };
  });
}

/** The first row in `pick`'s order of each group of `rows` that share their `where` key. */
function firstOfEach(
  rows: readonly Row[],
  where: string,
  pick: NonNullable<KeySource['pick']>,
): Row[] {
  const fields = where.startsWith('[') ? where.slice(1, -1).split('+') : [where];
  const compare = orderComparator(pick.field, pick.direction, pick.tieBy, pick.ties);
  const best = new Map<unknown, Row>();
  for (const row of rows) {
    const group = dictionaryKey(fields.map((field) => valueAt(row, field)));
    const current = best.get(group);
    if (!current || compare(row, current) < 0) best.set(group, row);
  }
  return [...best.values()];
}

function sortAndSlice(context: ModelContext, rows: Row[], request: ReadRequest): Row[] {
  const { order } = request;
  const { primaryKey } = context;
  if (order) rows.sort(orderComparator(order.field, order.direction, primaryKey));
  else rows.sort((a, b) => cmp(a[primaryKey], b[primaryKey]));
  return slice(rows, request);
}

function slice(rows: Row[], request: ReadRequest): Row[] {
  const { offset, limit } = request;
  const end = limit === undefined ? undefined : offset + limit;
  return offset > 0 || end !== undefined ? rows.slice(offset, end) : rows;
}

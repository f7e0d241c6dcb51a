import { type Collection, cmp } from 'dexie';
import { dictionaryKey, distinctKeys } from '../core/key-dictionary.js';
import { isValidKey, type Key, type Row, valueAt } from '../core/values.js';
import type { ModelContext } from '../state/context.js';
import { type Clause, type KeySource, orderComparator, rowMatcher } from './clause.js';
import { someUnindexed } from './index-coverage.js';
import type { FieldAccess } from './key-range.js';
import { collectionWithKeys, rowsWithKeys } from './key-reads.js';
import { type Plan, planRead, type ReadRequest } from './planner.js';
import type { QueryState } from './query-state.js';

/** Reads the rows a query selects, through the plan that reads the fewest records. */
export async function readRows(context: ModelContext, state: QueryState): Promise<Row[]> {
  const request = await resolveRequest(context, state);
  return runPlan(context, planRead(context, request), request);
}

/** Counts the rows a query selects, from index keys alone where the plan applies every clause. */
export async function countRows(context: ModelContext, state: QueryState): Promise<number> {
  const request = await resolveRequest(context, { ...state, order: undefined });
  const plan = planRead(context, request);
  const { access } = plan;
  if (access.kind === 'none') return 0;
  const whole = request.offset === 0 && request.limit === undefined;
  if (whole && access.kind === 'index' && plan.filters.length === 0 && !plan.alternatives) {
    const { collection, wanted } = open(context, access.index, access.keys);
    if (!wanted) return collection.count();
    return (await collection.keys()).filter((key) => wanted.has(key)).length;
  }
  return (await runPlan(context, plan, request)).length;
}

/** The plan `state` reads with, after the keys it takes from other tables are read. */
export async function planOf(
  context: ModelContext,
  state: QueryState,
): Promise<{ plan: Plan; request: ReadRequest }> {
  const request = await resolveRequest(context, state);
  return { plan: planRead(context, request), request };
}

async function runPlan(context: ModelContext, plan: Plan, request: ReadRequest): Promise<Row[]> {
  if (plan.alternatives) return readAlternatives(context, plan.alternatives, request);
  const { access } = plan;
  if (access.kind === 'none') return [];
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
        ? [await context.table.get(keys[0]!)]
        : await context.table.bulkGet(keys as Key[]);
    let rows = found.filter((row): row is Row => row !== undefined);
    if (keep) rows = rows.filter(keep);
    return sortAndSlice(context, rows, request);
  }

  const opened = open(context, access.index, access.keys);
  const { wanted } = opened;
  const index = access.index;
  const test = both(wanted ? (row) => wanted.has(valueAt(row, index)) : null, keep);
  let collection = opened.collection;
  if (plan.reverse) collection = collection.reverse();
  if (!plan.ordered || paged === undefined) {
    // Without paging to stop early, one bulk read filtered after beats a cursor's per-row steps.
    const found = await collection.toArray();
    const rows = test ? found.filter(test) : found;
    if (plan.remainderOf) rows.push(...(await remainder(context, plan.remainderOf, request)));
    return plan.ordered && !plan.remainderOf
      ? slice(rows, request)
      : sortAndSlice(context, rows, request);
  }
  if (!test && !plan.remainderOf && offset === 0) return collection.limit(paged).toArray();
  if (test) collection = collection.filter(test);
  // The rows an offset skips are read, not stepped over with a cursor's advance(): a live query
  // then re-runs when one of them leaves the range (Dexie's advance() misses that).
  const rows = await collection.limit(paged).toArray();
  if (plan.remainderOf && rows.length < paged) {
    rows.push(...(await remainder(context, plan.remainderOf, request)));
  }
  return rows.slice(offset, paged);
}

/**
 * The records a read through `field`'s index missed: those matching the clauses whose `field` is
 * no key, which sort after every key, in order.
 */
async function remainder(
  context: ModelContext,
  field: string,
  request: ReadRequest,
): Promise<Row[]> {
  if (!(await someUnindexed(context, field))) return [];
  const unordered: ReadRequest = { ...request, order: undefined, limit: undefined, offset: 0 };
  const rows = await runPlan(context, planRead(context, unordered), unordered);
  const missing = rows.filter((row) => !isValidKey(valueAt(row, field)));
  return missing.sort(orderComparator(field, request.order!.direction, context.primaryKey));
}

/** Each alternative read with the query's order and paging, merged once per primary key. */
async function readAlternatives(
  context: ModelContext,
  alternatives: readonly Plan[],
  request: ReadRequest,
): Promise<Row[]> {
  const { offset, limit } = request;
  const each: ReadRequest = {
    ...request,
    offset: 0,
    limit: limit === undefined ? undefined : offset + limit,
  };
  const lists = await Promise.all(alternatives.map((plan) => runPlan(context, plan, each)));
  const { primaryKey } = context;
  const merged = lists.flat().sort((a, b) => cmp(a[primaryKey], b[primaryKey]));
  const unique = merged.filter(
    (row, i) => i === 0 || cmp(row[primaryKey], merged[i - 1]![primaryKey]) !== 0,
  );
  return sortAndSlice(context, unique, request);
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

/** Replaces each clause on keys of another table by an `in` clause over the keys it reads. */
async function resolveRequest(context: ModelContext, state: QueryState): Promise<ReadRequest> {
  const { order, limit, offset } = state;
  if (!state.clauses.some((clause) => clause.operator === 'inKeysOf')) {
    return { clauses: state.clauses, order, limit, offset };
  }
  const clauses: Clause[] = [];
  for (const clause of state.clauses) {
    if (clause.operator !== 'inKeysOf') {
      clauses.push(clause);
      continue;
    }
    const { table, where, equals, select, pick, trashedBy, rowsMatching } = clause.value;
    const valid = equals.filter(isValidKey);
    let rows =
      valid.length === 0
        ? []
        : await rowsWithKeys(context.runtime.dexie.table<Row, Key>(table), where, valid as Key[]);
    if (trashedBy !== undefined) rows = rows.filter((row) => row[trashedBy] == null);
    const matches = rowsMatching && rowMatcher(rowsMatching);
    if (matches) rows = rows.filter(matches);
    const keys = distinctKeys(pick ? firstOfEach(rows, where, pick) : rows, (row) => row[select]);
    clauses.push({ field: clause.field, operator: 'in', value: keys });
  }
  return { clauses, order, limit, offset };
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

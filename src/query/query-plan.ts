import type { Collection } from 'dexie';
import { cmp } from 'dexie';
import { distinctKeys } from '../core/key-dictionary.js';
import { isValidKey, type Key, type Row, valueAt } from '../core/values.js';
import type { IndexInfo, ModelContext } from '../state/context.js';
import { type Clause, compareValues, matcher } from './clause.js';
import { denseSpan, rowsWithKeys } from './key-reads.js';
import type { QueryState } from './query-state.js';

/** How rows are read: a key lookup, an index range, or a scan, plus what is left to filter. */
type Access =
  | { readonly kind: 'none' }
  | { readonly kind: 'keys'; readonly keys: readonly Key[]; readonly used: readonly Clause[] }
  | {
      readonly kind: 'collection';
      readonly open: () => Collection<Row, Key>;
      readonly used: readonly Clause[];
      /** Fields by which the collection is already sorted ascending. */
      readonly sortedBy: ReadonlySet<string>;
    };

interface Candidate {
  readonly score: number;
  readonly access: Access;
}

/**
 * Reads the rows a query selects. An index is used where one fits (compound indexes for
 * equalities, the primary key for lookups); whatever it does not cover is filtered in memory,
 * so every field can be queried and results are the same either way.
 */
export async function readRows(context: ModelContext, state: QueryState): Promise<Row[]> {
  const clauses = await resolveKeySources(context, state.clauses);
  const access = chooseAccess(context, clauses);
  if (access.kind === 'none') return [];
  const rest = clauses.filter((clause) => !access.used.includes(clause));
  const tests = rest.map((clause) => ({ field: clause.field, test: matcher(clause) }));
  const keep =
    tests.length > 0 ? (row: Row) => tests.every((t) => t.test(valueAt(row, t.field))) : null;
  const { order, offset, limit } = state;

  if (access.kind === 'keys') {
    const found =
      access.keys.length === 1
        ? [await context.table.get(access.keys[0]!)]
        : await context.table.bulkGet(access.keys as Key[]);
    let rows = found.filter((row): row is Row => row !== undefined);
    if (keep) rows = rows.filter(keep);
    return sortAndSlice(rows, state, context.primaryKey);
  }

  let collection = access.open();
  const sortLater = order !== undefined && !access.sortedBy.has(order.field);
  if (sortLater || (keep && offset === 0 && limit === undefined)) {
    // Without paging to stop early, filtering after one bulk read beats a cursor's per-row steps.
    const found = await collection.toArray();
    const rows = keep ? found.filter(keep) : found;
    return sortLater ? sortAndSlice(rows, state, context.primaryKey) : rows;
  }
  if (keep) collection = collection.filter(keep);
  if (order?.direction === 'desc') collection = collection.reverse();
  // The rows skipped by an offset are read too, rather than stepped over: a live query then
  // observes them, so deleting or editing one of them re-runs the page.
  if (limit !== undefined) collection = collection.limit(offset + limit);
  const rows = await collection.toArray();
  return offset > 0 ? rows.slice(offset) : rows;
}

/** Counts the rows a query selects, without reading them where an index can count. */
export async function countRows(context: ModelContext, state: QueryState): Promise<number> {
  const clauses = await resolveKeySources(context, state.clauses);
  const access = chooseAccess(context, clauses);
  if (access.kind === 'none') return 0;
  const plain =
    access.kind === 'collection' &&
    access.used.length === clauses.length &&
    state.offset === 0 &&
    state.limit === undefined;
  return plain ? access.open().count() : (await readRows(context, { ...state, clauses })).length;
}

/** Replaces each clause on keys of another table by an `in` clause over the keys it reads. */
async function resolveKeySources(
  context: ModelContext,
  clauses: readonly Clause[],
): Promise<readonly Clause[]> {
  if (!clauses.some((clause) => clause.operator === 'inKeysOf')) return clauses;
  const resolved: Clause[] = [];
  for (const clause of clauses) {
    if (clause.operator !== 'inKeysOf') {
      resolved.push(clause);
      continue;
    }
    const { table, where, equals, select } = clause.value;
    const valid = equals.filter(isValidKey);
    const rows =
      valid.length === 0
        ? []
        : await rowsWithKeys(context.runtime.dexie.table<Row, Key>(table), where, valid as Key[]);
    const keys = distinctKeys(rows, (row) => row[select]);
    resolved.push({ field: clause.field, operator: 'in', value: keys });
  }
  return resolved;
}

function sortAndSlice(rows: Row[], state: QueryState, primaryKey: string): Row[] {
  const { order, offset, limit } = state;
  if (order) {
    const sign = order.direction === 'desc' ? -1 : 1;
    const { field } = order;
    // Ties follow primary-key order in the sort's direction, as an index read (or reversed) would.
    rows.sort(
      (a, b) =>
        sign *
        (compareValues(valueAt(a, field), valueAt(b, field)) || cmp(a[primaryKey], b[primaryKey])),
    );
  }
  const end = limit === undefined ? undefined : offset + limit;
  return offset > 0 || end !== undefined ? rows.slice(offset, end) : rows;
}

function chooseAccess(context: ModelContext, clauses: readonly Clause[]): Access {
  const { table, primaryKey } = context;
  let best: Candidate = {
    score: 0,
    access: {
      kind: 'collection',
      open: () => table.toCollection(),
      used: [],
      sortedBy: new Set([primaryKey]),
    },
  };
  for (const index of context.indexes.values()) {
    if (index.fields.length < 2 || index.multiEntry) continue;
    const candidate = compoundCandidate(context, index, clauses);
    if (candidate && candidate.score > best.score) best = candidate;
  }
  for (const clause of clauses) {
    if (clause.operator === 'in' && (clause.value as readonly unknown[]).length === 0) {
      return { kind: 'none' };
    }
    const index = context.indexes.get(clause.field);
    if (index?.fields.length !== 1) continue;
    if (index.multiEntry) {
      if (clause.operator === 'includes' && isValidKey(clause.value) && best.score < 3) {
        const value = clause.value;
        best = {
          score: 3,
          access: {
            kind: 'collection',
            open: () => table.where(index.name).equals(value),
            used: [clause],
            sortedBy: new Set([primaryKey]),
          },
        };
      }
      continue;
    }
    const candidate = candidateFor(context, index, clause);
    if (candidate && candidate.score > best.score) best = candidate;
  }
  return best.access;
}

/** The most key combinations a compound index read is asked for at once. */
const MAX_COMBINATIONS = 10_000;

/**
 * A read through a compound index whose every field has an equality or an `in` clause: one key
 * per combination of their values (`[type+id]` with `type = 'posts'` and `id in [1, 2]` reads
 * two keys).
 */
function compoundCandidate(
  context: ModelContext,
  index: IndexInfo,
  clauses: readonly Clause[],
): Candidate | null {
  const used: Clause[] = [];
  let combinations: unknown[][] = [[]];
  for (const field of index.fields) {
    const clause =
      clauses.find((c) => c.field === field && c.operator === '=' && isValidKey(c.value)) ??
      clauses.find(
        (c) =>
          c.field === field &&
          c.operator === 'in' &&
          (c.value as readonly unknown[]).every(isValidKey),
      );
    if (!clause) return null;
    used.push(clause);
    const values = clause.operator === 'in' ? (clause.value as readonly unknown[]) : [clause.value];
    combinations = combinations.flatMap((prefix) => values.map((value) => [...prefix, value]));
    if (combinations.length > MAX_COMBINATIONS) return null;
  }
  if (combinations.length === 0) return { score: 7, access: { kind: 'none' } };
  const keys = combinations as unknown as Key[];
  const { table, primaryKey } = context;
  const single = used.every((clause) => clause.operator === '=');
  return {
    score: 5,
    access: {
      kind: 'collection',
      open: () =>
        single ? table.where(index.name).equals(keys[0]!) : table.where(index.name).anyOf(keys),
      used,
      sortedBy: new Set(single ? [...index.fields, primaryKey] : index.fields.slice(0, 1)),
    },
  };
}

function candidateFor(context: ModelContext, index: IndexInfo, clause: Clause): Candidate | null {
  const { table, primaryKey } = context;
  const { operator, value } = clause;
  const used = [clause];
  const where = () => table.where(index.name);
  const collection = (score: number, open: () => Collection<Row, Key>, sortedBy: string[]) => ({
    score,
    access: { kind: 'collection' as const, open, used, sortedBy: new Set(sortedBy) },
  });
  switch (operator) {
    case '=':
      if (!isValidKey(value)) return null;
      if (index.primary) return { score: 6, access: { kind: 'keys', keys: [value], used } };
      return collection(index.unique ? 4 : 3, () => where().equals(value), [
        clause.field,
        primaryKey,
      ]);
    case 'in': {
      const values = value as readonly unknown[];
      if (!values.every(isValidKey)) return null;
      if (index.primary) {
        const keys = uniqueSorted(values as Key[]);
        return { score: 6, access: { kind: 'keys', keys, used } };
      }
      const span = denseSpan(values);
      if (span) {
        // Reading the whole range is one bulk read, far cheaper than anyOf's cursor hopping from
        // key to key (on fake-indexeddb, 1,000 keys over 10,000 rows take seconds with anyOf).
        // Over a dense span of keys (the keys of one page of parents, for an eager load), the
        // rows in between belong to at most as many other keys as were asked for. The clause
        // stays unused, so those rows are filtered out.
        return {
          score: 2,
          access: {
            kind: 'collection',
            open: () => where().between(span.lowest, span.highest, true, true),
            used: [],
            sortedBy: new Set([clause.field]),
          },
        };
      }
      return collection(2, () => where().anyOf(values as Key[]), [clause.field]);
    }
    case 'startsWith':
      return collection(1, () => where().startsWith(value as string), [clause.field]);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!isValidKey(value)) return null;
      const open = () =>
        operator === '<'
          ? where().below(value)
          : operator === '<='
            ? where().belowOrEqual(value)
            : operator === '>'
              ? where().above(value)
              : where().aboveOrEqual(value);
      return collection(1, open, [clause.field]);
    }
    default:
      return null;
  }
}

function uniqueSorted(keys: Key[]): Key[] {
  const sorted = [...keys].sort(cmp);
  return sorted.filter((key, i) => i === 0 || cmp(key, sorted[i - 1]) !== 0);
}

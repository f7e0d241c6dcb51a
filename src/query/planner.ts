import { isValidKey, type Key } from '../core/values.js';
import type { IndexInfo } from '../state/context.js';
import type { Clause, OrderDirection, ValueClause } from './clause.js';
import { type FieldAccess, type KeyRange, mergeField } from './key-range.js';

/** What the planner knows of a table: its primary key and its indexes by name. */
export interface TableShape {
  readonly primaryKey: string;
  readonly indexes: ReadonlyMap<string, IndexInfo>;
}

/** What a read asks for, once keys of other tables are resolved into `in` clauses. */
export interface ReadRequest {
  readonly clauses: readonly Clause[];
  readonly order: { readonly field: string; readonly direction: OrderDirection } | undefined;
  readonly limit: number | undefined;
  readonly offset: number;
}

/** How one table is read: nothing, primary keys, or one index (or the primary key) in a range. */
export type Access =
  | { readonly kind: 'none' }
  | { readonly kind: 'keys'; readonly keys: readonly Key[] }
  | {
      readonly kind: 'index';
      /** Dexie's index name; the primary key's name for the primary key. */
      readonly index: string;
      readonly primary: boolean;
      /** Exact keys (compound keys for a compound index), or one range; a full read is unbounded. */
      readonly keys: FieldAccess;
    };

/** A plan for one read: the access, what it leaves to memory, and how paging applies to it. */
export interface Plan {
  readonly access: Access;
  /** Clauses the access does not apply, checked on each record read. */
  readonly filters: readonly Clause[];
  /** True when records arrive in the order asked for (reversed for `'desc'`): no sort after. */
  readonly ordered: boolean;
  /** True when the access reads backwards. */
  readonly reverse: boolean;
  /**
   * The order field, when the access is that field's index and clauses do not exclude records
   * whose value is no key: those are not in the index, and follow the index's records.
   */
  readonly remainderOf: string | undefined;
  /** Each alternative's plan, when the query's alternatives are read one by one and merged. */
  readonly alternatives?: readonly Plan[];
}

/** The most keys a compound index read is asked for at once. */
const MAX_COMBINATIONS = 10_000;
/** Assumed records per value of a non-unique index, and in a bounded and a half-open range. */
const PER_VALUE = 10;
const BOUNDED = 1_000;
const HALF_OPEN = 30_000;
const WHOLE_TABLE = 1_000_000;
/** Assumed records an ordered read steps over per result when memory filters reject some. */
const FILTERED_STEP = 20;

interface Candidate {
  readonly plan: Plan;
  readonly cost: number;
}

/**
 * The cheapest plan for `request` over `shape`: clauses on one field merge into one range, the
 * index of `orderBy` is read in order where paging can then stop early, a compound `[a+b]` index
 * serves an equality on `a` with a range or order on `b`, and alternatives whose every branch has
 * an index are read branch by branch. Costs are estimated from the kind of access alone.
 */
export function planRead(shape: TableShape, request: ReadRequest): Plan {
  const plain = request.clauses.filter((clause) => clause.operator !== 'anyOf');
  const groups = request.clauses.filter((clause) => clause.operator === 'anyOf');
  const best = cheapest(shape, request, plain as ValueClause[], groups);
  if (best.plan.access.kind !== 'index' || best.cost < WHOLE_TABLE) return best.plan;
  for (const group of groups) {
    const others = request.clauses.filter((clause) => clause !== group);
    const alternatives = group.value.map((branch) =>
      planRead(shape, { ...request, clauses: [...others, ...branch] }),
    );
    if (alternatives.every((plan) => !isFullScan(plan))) {
      return { ...best.plan, alternatives };
    }
  }
  return best.plan;
}

/** True when `plan` reads a whole table without a bound (alternatives aside). */
export function isFullScan(plan: Plan): boolean {
  const { access } = plan;
  return (
    access.kind === 'index' &&
    access.keys.kind === 'range' &&
    access.keys.range.lower === undefined &&
    access.keys.range.upper === undefined &&
    (access.primary || plan.remainderOf === undefined)
  );
}

function cheapest(
  shape: TableShape,
  request: ReadRequest,
  plain: readonly ValueClause[],
  groups: readonly Clause[],
): Candidate {
  const readable = new Set<string>([shape.primaryKey]);
  for (const index of shape.indexes.values()) {
    if (!index.multiEntry) for (const field of index.fields) readable.add(field);
  }
  const byField = new Map<string, ValueClause[]>();
  for (const clause of plain) {
    if (!readable.has(clause.field)) continue;
    const list = byField.get(clause.field);
    if (list) list.push(clause);
    else byField.set(clause.field, [clause]);
  }
  const merged = new Map<string, { access: FieldAccess; covered: readonly ValueClause[] }>();
  for (const [field, clauses] of byField) {
    const one = mergeField(clauses);
    if (!one) continue;
    if (!one.access) return { plan: nothing(), cost: 0 };
    merged.set(field, { access: one.access, covered: one.covered });
  }
  const all = [...plain, ...groups];
  const { primaryKey } = shape;
  const order = request.order;
  const reverse = order?.direction === 'desc';
  const paged = request.limit === undefined ? undefined : request.offset + request.limit;
  const candidates: Candidate[] = [];
  const add = (
    index: IndexInfo | undefined,
    keys: FieldAccess,
    covered: readonly Clause[],
    sortedBy: string | undefined,
    cost: number,
  ) => {
    const filters = all.filter((clause) => !covered.includes(clause));
    const ordered = order === undefined || order.field === sortedBy;
    const orderIndexOnly =
      order !== undefined &&
      order.field === sortedBy &&
      order.field !== primaryKey &&
      !covered.some((clause) => clause.field === order.field);
    const primary = index === undefined || index.primary;
    const keysRead = primary && keys.kind === 'values';
    let estimate = cost;
    if (keysRead) {
      // Sorted keys are sliced before reading when nothing is checked after and the order is theirs.
      const sliced =
        paged !== undefined &&
        filters.length === 0 &&
        (order === undefined || order.field === primaryKey);
      estimate = sliced ? Math.min(cost, paged) : cost;
    } else if (ordered && paged !== undefined) {
      estimate = Math.min(cost, paged * (filters.length > 0 ? FILTERED_STEP : 1));
    } else if (orderIndexOnly) {
      // Without paging the records missing from the order's index must be read anyway.
      estimate = WHOLE_TABLE + 1;
    }
    const access: Access = keysRead
      ? { kind: 'keys', keys: keys.values }
      : { kind: 'index', index: index?.name ?? primaryKey, primary, keys };
    candidates.push({
      cost: estimate,
      plan: {
        access,
        filters,
        ordered: ordered && access.kind !== 'keys',
        reverse: ordered && reverse && access.kind !== 'keys',
        remainderOf: orderIndexOnly ? order.field : undefined,
      },
    });
  };

  add(
    undefined,
    { kind: 'range', range: { lowerOpen: false, upperOpen: false } },
    [],
    primaryKey,
    WHOLE_TABLE,
  );
  for (const index of shape.indexes.values()) {
    if (index.multiEntry) {
      const field = index.fields[0]!;
      const clause = plain.find((c) => c.field === field && c.operator === 'includes');
      if (clause && isValidKey(clause.value)) {
        add(index, { kind: 'values', values: [clause.value] }, [clause], undefined, PER_VALUE);
      }
      continue;
    }
    if (index.fields.length > 1) {
      compound(index, merged, order?.field, add);
      continue;
    }
    const field = index.fields[0]!;
    const found = merged.get(field);
    if (found) add(index, found.access, found.covered, field, costOf(found.access, index));
    else if (order?.field === field) {
      add(
        index,
        { kind: 'range', range: { lowerOpen: false, upperOpen: false } },
        [],
        field,
        WHOLE_TABLE,
      );
    }
  }
  return candidates.reduce((a, b) =>
    b.cost < a.cost || (b.cost === a.cost && b.plan.ordered && !a.plan.ordered) ? b : a,
  );
}

type AddCandidate = (
  index: IndexInfo,
  keys: FieldAccess,
  covered: readonly Clause[],
  sortedBy: string | undefined,
  cost: number,
) => void;

/**
 * Candidates through a compound index: exact keys when every field has values; with one value
 * for each leading field, a range (or the order) on the next field.
 */
function compound(
  index: IndexInfo,
  merged: ReadonlyMap<string, { access: FieldAccess; covered: readonly ValueClause[] }>,
  orderField: string | undefined,
  add: AddCandidate,
): void {
  const covered: ValueClause[] = [];
  let combinations: Key[][] = [[]];
  for (const [position, field] of index.fields.entries()) {
    const found = merged.get(field);
    if (found?.access.kind === 'values') {
      const values = found.access.values;
      combinations = combinations.flatMap((prefix) => values.map((value) => [...prefix, value]));
      if (combinations.length > MAX_COMBINATIONS) return;
      covered.push(...found.covered);
      continue;
    }
    if (position === 0 || combinations.length !== 1) return;
    const prefix = combinations[0]!;
    const rest = index.fields.length - position - 1;
    const range = found?.access.kind === 'range' ? found.access.range : undefined;
    if (!range && orderField !== field) return;
    add(
      index,
      { kind: 'range', range: prefixed(prefix, range, rest) },
      [...covered, ...(found?.covered ?? [])],
      // Records of one prefix sort by the next field, then by the primary key only when it is last.
      rest === 0 ? field : undefined,
      // The records of one prefix, as an equality on the leading fields reads them; fewer with a range.
      range ? PER_VALUE / 2 : PER_VALUE,
    );
    return;
  }
  add(
    index,
    { kind: 'values', values: combinations as unknown as Key[] },
    covered,
    undefined,
    combinations.length * 2,
  );
}

/** The compound-key range of one prefix of values, narrowed by `range` on the next field. */
function prefixed(prefix: readonly Key[], range: KeyRange | undefined, rest: number): KeyRange {
  const lowerOpen = range?.lowerOpen === true;
  const upperOpen = range?.upperOpen === true;
  // Keys longer than the ranged field sort after it: each bound is padded with the extreme that
  // keeps every key of its value inside (a closed bound) or outside (an open one).
  const low: unknown[] = [...prefix, range?.lower ?? -Infinity];
  const high: unknown[] = [...prefix, range?.upper ?? [[]]];
  for (let i = 0; i < rest; i++) {
    low.push(lowerOpen ? [[]] : -Infinity);
    high.push(upperOpen ? -Infinity : [[]]);
  }
  return { lower: low as Key, upper: high as Key, lowerOpen, upperOpen };
}

function costOf(access: FieldAccess, index: IndexInfo): number {
  if (access.kind === 'values') return access.values.length * (index.unique ? 1 : PER_VALUE);
  const { lower, upper } = access.range;
  if (lower !== undefined && upper !== undefined) return BOUNDED;
  return lower === undefined && upper === undefined ? WHOLE_TABLE : HALF_OPEN;
}

function nothing(): Plan {
  return {
    access: { kind: 'none' },
    filters: [],
    ordered: true,
    reverse: false,
    remainderOf: undefined,
  };
}

import { cmp } from 'dexie';
import { isValidKey, type Row, sameValue, valueAt } from '../core/values.js';

/** Comparison operators accepted by `where(field, operator, value)`. */
export type WhereOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'startsWith' | 'includes';

/** Sort direction for `orderBy`. */
export type OrderDirection = 'asc' | 'desc';

/** One condition of a query. */
export type Clause = ValueClause | KeySourceClause | AnyOfClause;

/** A comparison of an attribute with a value. */
export interface ValueClause {
  /** The attribute (a dotted path reads a nested value). */
  readonly field: string;
  /** How it is compared. */
  readonly operator: WhereOperator;
  /** What it is compared with (an array for `in`). */
  readonly value: unknown;
}

/** An attribute that must be one of the keys read from another table. */
export interface KeySourceClause {
  /** The attribute. */
  readonly field: string;
  /** Always `'inKeysOf'`. */
  readonly operator: 'inKeysOf';
  /** Where the keys are read. */
  readonly value: KeySource;
}

/**
 * Alternatives, any of which must hold: each a list of clauses that must all hold (`orWhere`, and
 * a grouping callback whose query has alternatives).
 */
export interface AnyOfClause {
  /** Always empty: a group names no one attribute. */
  readonly field: '';
  /** Always `'anyOf'`. */
  readonly operator: 'anyOf';
  /** The alternatives. */
  readonly value: readonly (readonly Clause[])[];
}

/**
 * Keys read from another table, as plain data: the `select` attribute of the rows of `table`
 * whose `where` attribute is one of `equals` (through its index). Relations that reach their
 * related models through a table in between (a pivot table, a through model) constrain their
 * queries with it.
 */
export interface KeySource {
  /** The table read (a pivot table, a through model's table). */
  readonly table: string;
  /** Its indexed attribute compared with `equals`. */
  readonly where: string;
  /** The values `where` may take. */
  readonly equals: readonly unknown[];
  /** The attribute of the rows read that gives the keys. */
  readonly select: string;
  /** The soft-delete column of the rows read: rows trashed (it is set) give no key. */
  readonly trashedBy?: string;
  /** Conditions the rows read must meet to give a key (a relation's `wherePivot`). */
  readonly rowsMatching?: readonly Clause[];
  /**
   * Of the rows read for each value of `where`, only the first in this order (by `field`, ties by
   * `tieBy`), as a one-of-many relation picks its one model; every row without it.
   */
  readonly pick?: {
    /** The attribute ordered by. */
    readonly field: string;
    /** `'desc'` picks the greatest. */
    readonly direction: OrderDirection;
    /** The attribute that breaks ties (the primary key)... */
    readonly tieBy: string;
    /** ...in this direction: `'desc'` picks the greatest. */
    readonly ties: OrderDirection;
  };
}

/** The comparisons of values, which also compare counts (`has('posts', '>=', 3)`). */
export const COMPARISONS = ['=', '!=', '<', '<=', '>', '>='] as const;

/** The operators, for validating untyped input. */
export const OPERATORS: ReadonlySet<string> = new Set<WhereOperator>([
  ...COMPARISONS,
  'in',
  'startsWith',
  'includes',
]);

/**
 * A test of whether a stored value satisfies `clause`, with the semantics an index would give:
 * keys are compared in IndexedDB order, `= null` matches a missing or null value (like
 * `whereNull`). Built once per query, so that `in` over many numbers or strings is a set lookup.
 */
export function matcher(clause: ValueClause): (stored: unknown) => boolean {
  if (clause.operator === 'in') {
    const values = clause.value as readonly unknown[];
    if (values.every((item) => typeof item === 'number' || typeof item === 'string')) {
      const lookup = new Set<unknown>(values);
      // Set.has keeps 1 and "1" apart and takes 0 and -0 as equal, as an index does.
      return (stored) => lookup.has(stored);
    }
  }
  return (stored) => matches(stored, clause);
}

/** A test of whether a stored record satisfies every one of `clauses`; null when there is none. */
export function rowMatcher(clauses: readonly Clause[]): ((row: Row) => boolean) | null {
  if (clauses.length === 0) return null;
  const tests = clauses.map(clauseTest);
  return tests.length === 1 ? tests[0]! : (row) => tests.every((test) => test(row));
}

function clauseTest(clause: Clause): (row: Row) => boolean {
  if (clause.operator === 'anyOf') {
    const alternatives = clause.value.map((clauses) => rowMatcher(clauses) ?? (() => true));
    return (row) => alternatives.some((test) => test(row));
  }
  if (clause.operator === 'inKeysOf') {
    throw new TypeError(`the keys of "${clause.value.table}" must be read before matching`);
  }
  const test = matcher(clause);
  const { field } = clause;
  return (row) => test(valueAt(row, field));
}

function matches(stored: unknown, clause: ValueClause): boolean {
  const { operator, value } = clause;
  switch (operator) {
    case '=':
      return value == null ? stored == null : sameValue(stored, value);
    case '!=':
      return value == null ? stored != null : !sameValue(stored, value);
    case 'in':
      return (value as readonly unknown[]).some((item) => sameValue(stored, item));
    case 'startsWith':
      return typeof stored === 'string' && stored.startsWith(value as string);
    case 'includes':
      // As a multi-entry index: the array holds an element equal to the value.
      return Array.isArray(stored) && stored.some((item) => sameValue(item, value));
    default: {
      if (!isValidKey(stored) || !isValidKey(value)) return false;
      const order = cmp(stored, value);
      if (operator === '<') return order < 0;
      if (operator === '<=') return order <= 0;
      if (operator === '>') return order > 0;
      return order >= 0;
    }
  }
}

/**
 * Orders any two attribute values: missing/null first, then booleans, then keys in IndexedDB
 * order (numbers, Dates, strings, binary, arrays), then anything else by its text.
 */
export function compareValues(a: unknown, b: unknown): number {
  const rankA = rank(a);
  const rankB = rank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (rankA === 2) return cmp(a, b);
  if (rankA === 1) return Number(a) - Number(b);
  if (rankA === 3) return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return 0;
}

function rank(value: unknown): number {
  if (value == null) return 0;
  if (typeof value === 'boolean') return 1;
  return isValidKey(value) ? 2 : 3;
}

/**
 * Orders two stored records by `field` for `orderBy`: values that are IndexedDB keys first, in key
 * order (reversed for `'desc'`), then the others (missing, null, booleans, objects), as
 * {@link compareValues} orders them in the same direction; ties by primary key in the direction
 * (or in `ties`).
 * Keys first either way makes an index read in either direction an exact prefix of the result.
 */
export function orderComparator(
  field: string,
  direction: OrderDirection,
  primaryKey: string,
  ties: OrderDirection = direction,
): (a: Row, b: Row) => number {
  const sign = direction === 'desc' ? -1 : 1;
  const tieSign = ties === 'desc' ? -1 : 1;
  return (a, b) => {
    const x = valueAt(a, field);
    const y = valueAt(b, field);
    const xKey = isValidKey(x);
    const yKey = isValidKey(y);
    if (xKey !== yKey) return xKey ? -1 : 1;
    const byValue = xKey ? cmp(x, y) : compareValues(x, y);
    return byValue ? sign * byValue : tieSign * cmp(a[primaryKey], b[primaryKey]);
  };
}

import { cmp } from 'dexie';
import { isValidKey, sameValue } from '../core/values.js';

/** Comparison operators accepted by `where(field, operator, value)`. */
export type WhereOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'startsWith' | 'includes';

/** Sort direction for `orderBy`. */
export type OrderDirection = 'asc' | 'desc';

/** One condition of a query. */
export type Clause = ValueClause | KeySourceClause;

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
}

/** The operators, for validating untyped input. */
export const OPERATORS: ReadonlySet<string> = new Set<WhereOperator>([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'startsWith',
  'includes',
]);

/**
 * A test of whether a stored value satisfies `clause`, with the semantics an index would give:
 * keys are compared in IndexedDB order, `= null` matches a missing or null value (like
 * `whereNull`). Built once per query, so that `in` over many numbers or strings is a set lookup.
 */
export function matcher(clause: Clause): (stored: unknown) => boolean {
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

function matches(stored: unknown, clause: Clause): boolean {
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

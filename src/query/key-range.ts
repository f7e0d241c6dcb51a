import { cmp } from 'dexie';
import { isValidKey, type Key } from '../core/values.js';
import type { ValueClause } from './clause.js';

/** A span of index keys; a missing bound is open-ended. */
export interface KeyRange {
  /** The lowest key, if bounded below. */
  readonly lower?: Key;
  /** The highest key, if bounded above. */
  readonly upper?: Key;
  /** True when `lower` itself is excluded. */
  readonly lowerOpen: boolean;
  /** True when `upper` itself is excluded. */
  readonly upperOpen: boolean;
}

/** What the clauses on one field let an index read: some exact keys, or one range of them. */
export type FieldAccess =
  | { readonly kind: 'values'; readonly values: readonly Key[] }
  | { readonly kind: 'range'; readonly range: KeyRange };

/** The clauses on one field merged: what an index on it reads, and which clauses that covers. */
export interface MergedField {
  /** Null when the clauses contradict each other: nothing can match. */
  readonly access: FieldAccess | null;
  /** The clauses the access applies exactly; the others are checked in memory. */
  readonly covered: readonly ValueClause[];
}

const UNBOUNDED: KeyRange = { lowerOpen: false, upperOpen: false };

/**
 * Merges `clauses` (all on one field) into one index access: equalities and `in` lists intersect
 * into values, comparisons and prefixes into one range, values outside the range drop out.
 * Undefined when no clause can be read through an index (`!=`, a null, a boolean).
 */
export function mergeField(clauses: readonly ValueClause[]): MergedField | undefined {
  let values: Key[] | undefined;
  let range = UNBOUNDED;
  const covered: ValueClause[] = [];
  for (const clause of clauses) {
    const { operator, value } = clause;
    if (operator === '=' || operator === 'in') {
      const list = operator === '=' ? [value] : (value as readonly unknown[]);
      if (!list.every(isValidKey)) continue;
      const sorted = uniqueSorted(list as Key[]);
      values = values ? sorted.filter((key) => contains(values!, key)) : sorted;
    } else if (operator === 'startsWith') {
      const bounds = prefixRange(value as string);
      if (!bounds) continue;
      range = intersect(range, bounds);
    } else if (operator === '<' || operator === '<=' || operator === '>' || operator === '>=') {
      if (!isValidKey(value)) continue;
      const open = operator === '<' || operator === '>';
      range = intersect(
        range,
        operator[0] === '<'
          ? { upper: value, upperOpen: open, lowerOpen: false }
          : { lower: value, lowerOpen: open, upperOpen: false },
      );
    } else {
      continue;
    }
    covered.push(clause);
  }
  if (covered.length === 0) return undefined;
  if (values) {
    const inside = values.filter((key) => inRange(key, range));
    return { access: inside.length > 0 ? { kind: 'values', values: inside } : null, covered };
  }
  return { access: isEmpty(range) ? null : { kind: 'range', range }, covered };
}

/** True when `key` lies in `range`. */
export function inRange(key: Key, range: KeyRange): boolean {
  if (range.lower !== undefined) {
    const order = cmp(key, range.lower);
    if (order < 0 || (order === 0 && range.lowerOpen)) return false;
  }
  if (range.upper !== undefined) {
    const order = cmp(key, range.upper);
    if (order > 0 || (order === 0 && range.upperOpen)) return false;
  }
  return true;
}

/** True when `range` is bounded on neither side. */
export function isUnbounded(range: KeyRange): boolean {
  return range.lower === undefined && range.upper === undefined;
}

/** The keys of `keys` sorted in IndexedDB order, each once. */
export function uniqueSorted(keys: readonly Key[]): Key[] {
  const sorted = [...keys].sort(cmp);
  return sorted.filter((key, i) => i === 0 || cmp(key, sorted[i - 1]) !== 0);
}

/**
 * The strings that start with `prefix`, as a range: up to the prefix with its last character
 * raised by one, excluded. Undefined for an empty prefix or one ending in U+FFFF, which no
 * exact range bounds; those are checked in memory.
 */
function prefixRange(prefix: string): KeyRange | undefined {
  if (prefix === '') return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last === 0xffff) return undefined;
  const upper = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return { lower: prefix, lowerOpen: false, upper, upperOpen: true };
}

function intersect(a: KeyRange, b: KeyRange): KeyRange {
  let { lower, lowerOpen, upper, upperOpen } = a;
  if (b.lower !== undefined) {
    const order = lower === undefined ? 1 : cmp(b.lower, lower);
    if (order > 0) [lower, lowerOpen] = [b.lower, b.lowerOpen];
    else if (order === 0) lowerOpen = lowerOpen || b.lowerOpen;
  }
  if (b.upper !== undefined) {
    const order = upper === undefined ? -1 : cmp(b.upper, upper);
    if (order < 0) [upper, upperOpen] = [b.upper, b.upperOpen];
    else if (order === 0) upperOpen = upperOpen || b.upperOpen;
  }
  return {
    ...(lower === undefined ? {} : { lower }),
    ...(upper === undefined ? {} : { upper }),
    lowerOpen,
    upperOpen,
  };
}

function isEmpty(range: KeyRange): boolean {
  if (range.lower === undefined || range.upper === undefined) return false;
  const order = cmp(range.lower, range.upper);
  return order > 0 || (order === 0 && (range.lowerOpen || range.upperOpen));
}

function contains(sorted: readonly Key[], key: Key): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const order = cmp(sorted[middle], key);
    if (order === 0) return true;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

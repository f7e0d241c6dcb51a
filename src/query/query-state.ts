import { stableHash } from '../core/stable-hash.js';
import type { Clause, OrderDirection } from './clause.js';

/** What a query asks for, as plain data: independent of how it is read, and hashable. */
export interface QueryState {
  readonly clauses: readonly Clause[];
  readonly order: { readonly field: string; readonly direction: OrderDirection } | undefined;
  readonly limit: number | undefined;
  readonly offset: number;
  /** Relation paths to eager-load onto the results. */
  readonly with: readonly string[];
}

/** The state of a query that has no clause, order, paging or eager loading yet. */
export const EMPTY_QUERY: QueryState = {
  clauses: [],
  order: undefined,
  limit: undefined,
  offset: 0,
  with: [],
};

/**
 * A string naming what `state` reads from `table`, equal for equal queries, so that identical
 * observers share one live query; undefined when a value in it has no stable identity.
 */
export function queryHash(table: string, state: QueryState): string | undefined {
  const hash = stableHash([state.clauses, state.order, state.limit, state.offset, state.with]);
  return hash === undefined ? undefined : `query\u0000${table}\u0000${hash}`;
}

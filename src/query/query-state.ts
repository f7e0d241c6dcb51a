import { stableHash } from '../core/stable-hash.js';
import type { Clause, OrderDirection } from './clause.js';

/** How a relation filter compares the number of related models: `has('posts', '>=', 3)`. */
export type CountOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** One alternative of `orHas`/`orWhereHas`: filters and relation filters that must all hold. */
export interface FilterAlternative {
  /** The filters on attributes. */
  readonly clauses: readonly Clause[];
  /** The relation filters. */
  readonly has: readonly RelationFilter[];
}

/**
 * A filter on the related models of each result: `has`, `whereHas` and their negations; or, with
 * `anyOf` (and an empty `relation`), alternatives any of which must hold (`orHas`, `orWhereHas`).
 */
export interface RelationFilter {
  /** One relation name; dotted paths are nested filters in `constraint`. Empty with `anyOf`. */
  readonly relation: string;
  /** Alternatives, any of which must hold, in place of one relation's count. */
  readonly anyOf?: readonly FilterAlternative[];
  /** What a related model must match to be counted; undefined counts them all. */
  readonly constraint: QueryState | undefined;
  /** How the number of related models is compared with `count`. */
  readonly operator: CountOperator;
  /** The number compared with. */
  readonly count: number;
}

/** What an aggregate computes over each result's related models. */
export type AggregateKind = 'count' | 'exists' | 'sum' | 'min' | 'max' | 'avg';

/** A value computed per result over its related models: `withCount`, `withSum`, ... */
export interface Aggregate {
  /** The relation name. */
  readonly relation: string;
  /** What is computed. */
  readonly kind: AggregateKind;
  /** The related models' field summed, or compared; undefined for count and exists. */
  readonly field: string | undefined;
  /** What a related model must match to be included; undefined includes them all. */
  readonly constraint: QueryState | undefined;
  /** The property it is set as on each result: `posts_count`, `posts_sum_likes`. */
  readonly alias: string;
}

/** A relation path eager-loaded onto the results, with what its related models must match. */
export interface EagerLoad {
  /** A relation name, or a dotted path through several. */
  readonly path: string;
  /** Filters, order and per-parent paging of the last level of `path`; undefined for none. */
  readonly constraint: QueryState | undefined;
  /**
   * For a MorphTo level (`morphWith`): by owner table, what constrains that table's owners and
   * the relations loaded onto them.
   */
  readonly perTable?: Readonly<
    Record<
      string,
      {
        /** The constraint of that table's owners; undefined for none. */
        readonly constraint: QueryState | undefined;
        /** The relations loaded onto them. */
        readonly with: readonly EagerLoad[];
      }
    >
  >;
}

/**
 * Which of its model's read constraints a query keeps: trashed models left out (`'without'`),
 * kept (`'with'`) or the only ones (`'only'`), and the global scopes lifted by name, or all.
 */
export interface ScopeSelection {
  /** What becomes of trashed models of a soft-deleting model. */
  readonly trashed: 'without' | 'with' | 'only';
  /** The global scopes that do not apply: their names, or `'all'`. */
  readonly lifted: readonly string[] | 'all';
}

/** Every read constraint of the model applies: where each query starts. */
export const DEFAULT_SCOPES: ScopeSelection = { trashed: 'without', lifted: [] };

/** No read constraint is left to apply: that of a query whose constraints are already clauses. */
export const NO_SCOPES: ScopeSelection = { trashed: 'with', lifted: 'all' };

/** What a query asks for, as plain data: independent of how it is read, and hashable. */
export interface QueryState {
  /** The filters on attributes, all of which must hold. */
  readonly clauses: readonly Clause[];
  /** The sort, if any. */
  readonly order:
    | {
        /** The attribute sorted by. */
        readonly field: string;
        /** Ascending or descending. */
        readonly direction: OrderDirection;
      }
    | undefined;
  /** The most results returned (per parent, in a constrained eager load). */
  readonly limit: number | undefined;
  /** The results skipped first (per parent, in a constrained eager load). */
  readonly offset: number;
  /** Relations to eager-load onto the results. */
  readonly with: readonly EagerLoad[];
  /** Filters on each result's related models, all of which must hold. */
  readonly has: readonly RelationFilter[];
  /** Values computed over each result's related models. */
  readonly aggregates: readonly Aggregate[];
  /** The model's read constraints (soft deletes, global scopes) the query keeps. */
  readonly scopes: ScopeSelection;
}

/** The state of a query that has no clause, order, paging or eager loading yet. */
export const EMPTY_QUERY: QueryState = {
  clauses: [],
  order: undefined,
  limit: undefined,
  offset: 0,
  with: [],
  has: [],
  aggregates: [],
  scopes: DEFAULT_SCOPES,
};

/**
 * The key live observers share one live query under: what is read of `state` over `table`
 * (`kind`: `['first']`, `['count']`, a relation's name and parent), equal for equal reads;
 * undefined (not shared) when a value in `state` has no stable identity.
 */
export function liveShareKey(
  kind: readonly string[],
  table: string,
  state: QueryState,
): string | undefined {
  const hash = queryHash(table, state);
  return hash && [...kind, hash].join('\u0000');
}

/**
 * A string naming what `state` reads from `table`, equal for equal queries; undefined when a
 * value in it has no stable identity.
 */
export function queryHash(table: string, state: QueryState): string | undefined {
  const hash = stableHash([
    state.clauses,
    state.order,
    state.limit,
    state.offset,
    state.with,
    state.has,
    state.aggregates,
    state.scopes,
  ]);
  return hash === undefined ? undefined : `query\u0000${table}\u0000${hash}`;
}

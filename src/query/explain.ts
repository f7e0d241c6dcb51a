import { describe, type Key } from '../core/values.js';
import type { ModelContext } from '../state/context.js';
import type { Clause } from './clause.js';
import { isFullScan, type Plan } from './planner.js';
import { planOf } from './query-plan.js';
import type { QueryState } from './query-state.js';

/** The keys an explained read covers: exact keys, or one range (a missing bound is open). */
export type ExplainedRange =
  | {
      /** The keys read, in index order. */
      readonly anyOf: readonly Key[];
    }
  | {
      /** The lowest key read, if bounded below. */
      readonly lower?: Key;
      /** The highest key read, if bounded above. */
      readonly upper?: Key;
      /** True when `lower` itself is excluded. */
      readonly lowerOpen: boolean;
      /** True when `upper` itself is excluded. */
      readonly upperOpen: boolean;
    };

/** How a query reads its table, as `query.explain()` tells it. */
export interface QueryExplanation {
  /** The table read. */
  readonly table: string;
  /** The index read: its name, `':primary'` for the primary key, null for a full scan. */
  readonly index: string | null;
  /** The keys read through it; null for a full scan or a read of nothing. */
  readonly range: ExplainedRange | null;
  /** True when records arrive in the query's order, so nothing is sorted after reading. */
  readonly orderedByIndex: boolean;
  /** True when the read stops once it has the records paging asks for. */
  readonly limitApplied: boolean;
  /** The clauses checked in memory on each record read. */
  readonly filters: readonly string[];
  /** Each alternative's own read, when the query's alternatives are read one by one. */
  readonly alternatives?: readonly QueryExplanation[];
}

/** How `state` reads `context`'s table, without reading any record. */
export async function explainRead(
  context: ModelContext,
  state: QueryState,
): Promise<QueryExplanation> {
  state = context.constrain(state);
  const { plan } = await planOf(context, state);
  return explained(context, plan, state);
}

function explained(context: ModelContext, plan: Plan, state: QueryState): QueryExplanation {
  const table = context.tableName;
  const filters = plan.filters.map(describeClause);
  const paged = state.limit !== undefined && state.has.length === 0;
  if (plan.alternatives) {
    return {
      table,
      index: null,
      range: null,
      orderedByIndex: false,
      limitApplied: false,
      filters: [],
      alternatives: plan.alternatives.map((branch) => explained(context, branch, state)),
    };
  }
  const { access } = plan;
  if (access.kind === 'none') {
    return { table, index: null, range: null, orderedByIndex: false, limitApplied: false, filters };
  }
  if (access.kind === 'keys') {
    const range = { anyOf: access.keys };
    return { table, index: ':primary', range, orderedByIndex: false, limitApplied: false, filters };
  }
  const full = isFullScan(plan);
  const index = full ? null : access.primary ? ':primary' : access.index;
  const range = full
    ? null
    : access.keys.kind === 'values'
      ? { anyOf: access.keys.values }
      : access.keys.range;
  const orderedByIndex = state.order !== undefined && plan.ordered;
  return { table, index, range, orderedByIndex, limitApplied: paged && plan.ordered, filters };
}

function describeClause(clause: Clause): string {
  if (clause.operator === 'anyOf') {
    return `(${clause.value.map((branch) => branch.map(describeClause).join(' and ')).join(') or (')})`;
  }
  if (clause.operator === 'inKeysOf') return `${clause.field} in keys of ${clause.value.table}`;
  return `${clause.field} ${clause.operator} ${describe(clause.value)}`;
}

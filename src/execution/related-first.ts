import { dictionaryKey } from '../core/key-dictionary.js';
import { isValidKey, type Key, valueAt } from '../core/values.js';
import type { Clause } from '../query/clause.js';
import { everyIndexKey } from '../query/key-reads.js';
import { isFullScan, planRead } from '../query/planner.js';
import { EMPTY_QUERY, type QueryState, type RelationFilter } from '../query/query-state.js';
import type { ModelContext } from '../state/context.js';
import type { Execution } from './execution.js';
import { compareCount } from './relation-filters.js';
import { countableFromIndex } from './relation-groups.js';

/**
 * `state` with its relation filters turned into key clauses where that reads less: when the
 * parents' own read would scan their whole table (without paging, which stops a read early), a
 * filter that no parent without related models
 * passes (`has`, `whereHas`, a count of at least one) is answered from the related side first —
 * the foreign-key index alone for a plain `has`, the matching related records for a constrained
 * one — and only the parents whose keys they hold are read. Filters it cannot answer so stay.
 */
export async function relatedFirst(
  execution: Execution,
  context: ModelContext,
  state: QueryState,
): Promise<QueryState> {
  const paged = state.limit !== undefined || state.offset > 0;
  if (paged || state.clauses.some((clause) => clause.operator === 'inKeysOf')) return state;
  const request = { clauses: state.clauses, order: state.order, limit: undefined, offset: 0 };
  const plan = planRead(context, request);
  if (plan.alternatives || !isFullScan(plan)) return state;
  const kept: RelationFilter[] = [];
  const clauses: Clause[] = [...state.clauses];
  for (const filter of state.has) {
    if (filter.anyOf) {
      kept.push(filter);
      continue;
    }
    const relation = execution.relation(context.model, filter.relation);
    const join = compareCount(0, filter.operator, filter.count)
      ? undefined
      : relation.existenceJoin();
    if (!join) {
      kept.push(filter);
      continue;
    }
    const related = context.runtime.contextOf(relation.related);
    const counts = await countsByKey(related, join.relatedField, filter.constraint);
    const keys: Key[] = [];
    for (const { key, count } of counts.values()) {
      if (compareCount(count, filter.operator, filter.count)) keys.push(key);
    }
    clauses.push({ field: join.parentField, operator: 'in', value: keys });
  }
  return { ...state, clauses, has: kept };
}

/**
 * How many related records (matching `constraint`) hold each value of `field`, by the value's
 * dictionary key (so that Dates and compound keys group as IndexedDB compares them).
 */
async function countsByKey(
  related: ModelContext,
  field: string,
  constraint: QueryState | undefined,
): Promise<Map<unknown, { key: Key; count: number }>> {
  const counts = new Map<unknown, { key: Key; count: number }>();
  const add = (key: unknown) => {
    if (!isValidKey(key)) return;
    const entry = counts.get(dictionaryKey(key));
    if (entry) entry.count += 1;
    else counts.set(dictionaryKey(key), { key, count: 1 });
  };
  if (countableFromIndex(related, constraint)) {
    // The foreign key's index holds one entry per related record: no record is read.
    for (const key of await everyIndexKey(related.table, field)) add(key);
    return counts;
  }
  const whole: QueryState = {
    ...(constraint ?? EMPTY_QUERY),
    order: undefined,
    limit: undefined,
    offset: 0,
    with: [],
    aggregates: [],
  };
  for (const row of await related.queries.rows(whole)) add(valueAt(row, field));
  return counts;
}

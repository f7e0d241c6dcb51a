import { rowMatcher } from '../query/clause.js';
import type { CountOperator, FilterAlternative, RelationFilter } from '../query/query-state.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { originalOf } from '../state/model-state.js';
import type { Execution } from './execution.js';
import { countPerParent } from './relation-groups.js';

/**
 * The `models` (of `model`) whose related models satisfy every filter: per filter, one count for
 * all the models still in, read from index keys unless the filter constrains what is counted.
 */
export async function filterByRelations<M extends ModelInstance>(
  execution: Execution,
  model: ModelClass,
  models: readonly M[],
  filters: readonly RelationFilter[],
): Promise<M[]> {
  let kept = [...models];
  for (const filter of filters) {
    // With no model left, no related record can change the result: nothing more to read.
    if (kept.length === 0) break;
    if (filter.anyOf) {
      kept = await anyOf(execution, model, kept, filter.anyOf);
      continue;
    }
    const relation = execution.relation(model, filter.relation);
    const counts = await countPerParent(relation, kept, execution.runtime, filter.constraint);
    kept = kept.filter((_, i) => compareCount(counts[i]!, filter.operator, filter.count));
  }
  return kept;
}

/** The `models` that pass at least one of `alternatives`, in their order. */
async function anyOf<M extends ModelInstance>(
  execution: Execution,
  model: ModelClass,
  models: readonly M[],
  alternatives: readonly FilterAlternative[],
): Promise<M[]> {
  const passing = new Set<M>();
  for (const alternative of alternatives) {
    const matches = rowMatcher(alternative.clauses);
    const candidates = models.filter(
      (one) => !passing.has(one) && (!matches || matches(originalOf(one)!)),
    );
    const kept = await filterByRelations(execution, model, candidates, alternative.has);
    for (const one of kept) passing.add(one);
  }
  return models.filter((one) => passing.has(one));
}

/** `count operator expected`, as `has(relation, operator, expected)` reads. */
export function compareCount(count: number, operator: CountOperator, expected: number): boolean {
  switch (operator) {
    case '=':
      return count === expected;
    case '!=':
      return count !== expected;
    case '<':
      return count < expected;
    case '<=':
      return count <= expected;
    case '>':
      return count > expected;
    case '>=':
      return count >= expected;
  }
}

import type { Aggregate } from '../query/query-state.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { readAttribute, setLoaded } from '../state/model-state.js';
import type { Execution } from './execution.js';
import { countPerParent } from './relation-groups.js';

/**
 * Sets each aggregate on every one of `models` (of `model`) as an extra value: never saved,
 * never dirty, shown by `toJSON()`. Counts and existence come from index keys where nothing
 * constrains them; sums, minimums, maximums and averages from one eager read per relation.
 */
export async function addAggregates(
  execution: Execution,
  model: ModelClass,
  models: readonly ModelInstance[],
  aggregates: readonly Aggregate[],
): Promise<void> {
  if (models.length === 0) return;
  await Promise.all(
    aggregates.map(async (aggregate) => {
      const values = await valuesOf(execution, model, models, aggregate);
      models.forEach((one, i) => {
        setLoaded(one, aggregate.alias, values[i], 'extra');
      });
    }),
  );
}

async function valuesOf(
  execution: Execution,
  model: ModelClass,
  models: readonly ModelInstance[],
  aggregate: Aggregate,
): Promise<(number | boolean | null)[]> {
  const relation = execution.relation(model, aggregate.relation);
  const { runtime } = execution;
  const { kind, field, constraint } = aggregate;
  if ((kind === 'count' && field === undefined) || kind === 'exists') {
    const counts = await countPerParent(relation, models, runtime, constraint);
    return kind === 'count' ? counts : counts.map((count) => count > 0);
  }
  const groups = await relation.eagerRead(models, runtime, constraint);
  return groups.map((related) => {
    if (kind === 'count') return related.filter((one) => readAttribute(one, field!) != null).length;
    const numbers = related
      .map((one) => readAttribute(one, field!))
      .filter((value): value is number => typeof value === 'number' && !Number.isNaN(value));
    if (numbers.length === 0) return null;
    if (kind === 'min') return numbers.reduce((least, value) => Math.min(least, value));
    if (kind === 'max') return numbers.reduce((most, value) => Math.max(most, value));
    const sum = numbers.reduce((total, value) => total + value, 0);
    return kind === 'sum' ? sum : sum / numbers.length;
  });
}

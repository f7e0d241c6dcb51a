import type { ModelBase } from '../model/model.js';
import { addAggregates } from '../query/aggregates.js';
import type { EagerLoad, QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { readAttribute, setLoaded } from '../state/model-state.js';

/** What is loaded under one relation name: its constraint, and the levels below it. */
interface Level {
  constraint: QueryState | undefined;
  readonly nested: EagerLoad[];
}

/**
 * Loads relation paths onto `models` (all of one class): one eager read per relation and level,
 * whatever the number of models, matched back through key dictionaries; nested paths load from
 * the models just loaded. A constraint filters and orders the related models of its level, and
 * pages them per parent. Relations come from `runtime`'s registry, not from method calls.
 */
export async function eagerLoad(
  runtime: DatabaseRuntime,
  models: readonly ModelBase[],
  loads: readonly EagerLoad[],
): Promise<void> {
  const first = models[0];
  if (!first || loads.length === 0) return;
  const levels = new Map<string, Level>();
  for (const { path, constraint } of loads) {
    const [name, ...rest] = path.split('.') as [string, ...string[]];
    const level = levels.get(name) ?? { constraint: undefined, nested: [] };
    if (rest.length > 0) level.nested.push({ path: rest.join('.'), constraint });
    else if (constraint) level.constraint = constraint;
    levels.set(name, level);
  }
  const model = first.constructor as ModelClass;
  await Promise.all(
    [...levels].map(async ([name, { constraint, nested }]) => {
      const { relation } = runtime.relation(model, name);
      const related = await relation.eagerRead(models, runtime, constraint);
      relation.match(models, related, name);
      const kept = constraint ? pagePerParent(models, name, constraint) : related;
      nested.push(...(constraint?.with ?? []));
      const aggregates = constraint?.aggregates ?? [];
      if (nested.length === 0 && aggregates.length === 0) return;
      // A MorphTo loads models of several classes: each class loads its own nested relations.
      const byClass = new Map<ModelClass, ModelBase[]>();
      for (const model of kept) {
        const group = byClass.get(model.constructor as ModelClass);
        if (group) group.push(model);
        else byClass.set(model.constructor as ModelClass, [model]);
      }
      await Promise.all(
        [...byClass].map(([of, group]) =>
          Promise.all([
            eagerLoad(runtime, group, nested),
            addAggregates(runtime, of, group, aggregates),
          ]),
        ),
      );
    }),
  );
}

/**
 * Applies `constraint`'s offset and limit to what relation `name` holds for each parent;
 * resolves to the related models kept.
 */
function pagePerParent(
  parents: readonly ModelBase[],
  name: string,
  constraint: QueryState,
): ModelBase[] {
  const { offset, limit } = constraint;
  const paged = offset > 0 || limit !== undefined;
  const end = limit === undefined ? undefined : offset + limit;
  const kept: ModelBase[] = [];
  for (const parent of parents) {
    const value = readAttribute(parent, name) as ModelBase | ModelBase[] | null;
    if (Array.isArray(value)) {
      const page = paged ? value.slice(offset, end) : value;
      if (paged) setLoaded(parent, name, page, 'relation');
      kept.push(...page);
    } else if (value) {
      if (paged && (offset > 0 || limit === 0)) setLoaded(parent, name, null, 'relation');
      else kept.push(value);
    }
  }
  return kept;
}

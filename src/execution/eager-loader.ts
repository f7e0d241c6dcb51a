import { rowMatcher } from '../query/clause.js';
import type { EagerLoad, QueryState } from '../query/query-state.js';
import { byClass, type ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { originalOf, readAttribute, setLoaded } from '../state/model-state.js';
import { addAggregates } from './aggregates.js';
import type { Execution } from './execution.js';
import { filterByRelations } from './relation-filters.js';
import { setRelationGroups } from './relation-groups.js';

/** What is loaded under one relation name: its constraint, and the levels below it. */
interface Level {
  constraint: QueryState | undefined;
  readonly nested: EagerLoad[];
  /** A MorphTo level's per-table constraints and loads (`morphWith`). */
  perTable: EagerLoad['perTable'];
}

/**
 * Loads relation paths onto `models` (all of one class): one eager read per relation and level,
 * whatever the number of models, matched back through key dictionaries; nested paths load from
 * the models just loaded. A constraint filters and orders the related models of its level, and
 * pages them per parent. Relations come from `execution`, not from method calls.
 */
export async function eagerLoad(
  execution: Execution,
  models: readonly ModelInstance[],
  loads: readonly EagerLoad[],
): Promise<void> {
  const first = models[0];
  if (!first || loads.length === 0) return;
  const levels = new Map<string, Level>();
  for (const { path, constraint, perTable } of loads) {
    const [name, ...rest] = path.split('.') as [string, ...string[]];
    const level = levels.get(name) ?? { constraint: undefined, nested: [], perTable: undefined };
    if (rest.length > 0) level.nested.push({ path: rest.join('.'), constraint });
    else if (constraint) level.constraint = constraint;
    if (rest.length === 0 && perTable) level.perTable = perTable;
    levels.set(name, level);
  }
  const model = first.constructor as ModelClass;
  await Promise.all(
    [...levels].map(async ([name, { constraint, nested, perTable }]) => {
      const relation = execution.relation(model, name);
      let groups = await relation.eagerRead(models, execution.runtime, constraint);
      if (perTable) groups = await constrainPerTable(execution, groups, perTable);
      setRelationGroups(relation, models, groups, name);
      // An owner of several children (BelongsTo) is in each of their lists: loaded below once.
      const kept = constraint ? pagePerParent(models, name, constraint) : distinct(groups);
      nested.push(...(constraint?.with ?? []));
      const aggregates = constraint?.aggregates ?? [];
      const perTableLoads = Object.values(perTable ?? {}).some((table) => table.with.length > 0);
      if (nested.length === 0 && aggregates.length === 0 && !perTableLoads) return;
      // A MorphTo loads models of several classes: each class loads its own nested relations.
      await Promise.all(
        [...byClass(kept)].map(([of, group]) =>
          Promise.all([
            eagerLoad(execution, group, [...nested, ...(perTable?.[of.table]?.with ?? [])]),
            addAggregates(execution, of, group, aggregates),
          ]),
        ),
      );
    }),
  );
}

/** The models of `groups`, each once. */
function distinct(groups: readonly (readonly ModelInstance[])[]): ModelInstance[] {
  return [...new Set(groups.flat())];
}

/**
 * The owners of a MorphTo level (one list per child) that their table's `morphWith` constraint
 * keeps (its filters and relation filters); owners of a table without one are all kept.
 */
async function constrainPerTable(
  execution: Execution,
  groups: readonly (readonly ModelInstance[])[],
  perTable: NonNullable<EagerLoad['perTable']>,
): Promise<ModelInstance[][]> {
  const kept = new Set<ModelInstance>();
  for (const [of, group] of byClass(distinct(groups))) {
    const constraint = perTable[of.table]?.constraint;
    if (!constraint) {
      for (const owner of group) kept.add(owner);
      continue;
    }
    const matches = rowMatcher(constraint.clauses);
    const matching = matches ? group.filter((owner) => matches(originalOf(owner)!)) : group;
    for (const owner of await filterByRelations(execution, of, matching, constraint.has)) {
      kept.add(owner);
    }
  }
  return groups.map((group) => group.filter((owner) => kept.has(owner)));
}

/**
 * Applies `constraint`'s offset and limit to what relation `name` holds for each parent;
 * resolves to the related models kept.
 */
function pagePerParent(
  parents: readonly ModelInstance[],
  name: string,
  constraint: QueryState,
): ModelInstance[] {
  const { offset, limit } = constraint;
  const paged = offset > 0 || limit !== undefined;
  const end = limit === undefined ? undefined : offset + limit;
  const kept: ModelInstance[] = [];
  for (const parent of parents) {
    const value = readAttribute(parent, name) as ModelInstance | ModelInstance[] | null;
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

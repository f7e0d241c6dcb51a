import { distinctKeys, groupsPerOwner } from '../core/key-dictionary.js';
import {
  type EagerLoad,
  EMPTY_QUERY,
  type QueryState,
  type RelationFilter,
} from '../query/query-state.js';
import type { AnyRelation, ExistenceJoin } from '../relations/relation.js';
import type { ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { hydrate, readAttribute } from '../state/model-state.js';
import type { Execution } from './execution.js';
import { setRelationGroups } from './relation-groups.js';

/** A relation that both filters the results and is loaded onto them (`withWhereHas`). */
interface FilteredLoad {
  readonly filter: RelationFilter;
  readonly load: EagerLoad;
  readonly relation: AnyRelation;
  /** The one field of the related models that holds the parent's key. */
  readonly join: ExistenceJoin;
}

/**
 * The relation `state` filters by and loads with one constraint object (`withWhereHas`), when its
 * related models can be read once for both: a one-level relation that holds the parent's key in
 * one field (HasOne, HasMany), an unpaged query and an unpaged constraint. Undefined otherwise.
 */
export function filteredLoadOf(
  execution: Execution,
  context: ModelContext,
  state: QueryState,
): FilteredLoad | undefined {
  if (state.limit !== undefined || state.offset > 0) return undefined;
  for (const load of state.with) {
    if (load.path.includes('.')) continue;
    const filter = state.has.find(
      (candidate) =>
        candidate.relation === load.path &&
        candidate.constraint === load.constraint &&
        candidate.operator === '>=' &&
        candidate.count === 1,
    );
    const constraint = load.constraint;
    if (!filter || (constraint && (constraint.limit !== undefined || constraint.offset > 0))) {
      continue;
    }
    const relation = execution.relation(context.model, load.path);
    const join = relation.existenceJoin();
    if (join) return { filter, load, relation, join };
  }
  return undefined;
}

/**
 * Reads the related models of `found` once, and from them the parents `state` selects: the
 * parents are those whose key the related models hold (and that pass the rest of `state`, which
 * `select` reads), each loaded with its related models. Resolves to the parents, loaded.
 */
export async function readFilteredLoad<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
  found: FilteredLoad,
  select: (state: QueryState) => Promise<M[]>,
): Promise<M[]> {
  const { relation, join } = found;
  const related = context.runtime.contextOf(relation.related);
  const constraint = found.load.constraint ?? EMPTY_QUERY;
  const rows = await related.queries.rows({ ...constraint, with: [], aggregates: [] });
  const keys = distinctKeys(rows, (row) => row[join.relatedField]);
  const parents = await select({
    ...state,
    clauses: [...state.clauses, { field: join.parentField, operator: 'in', value: keys }],
    has: state.has.filter((filter) => filter !== found.filter),
    with: state.with.filter((load) => load !== found.load),
  });
  const groups = groupsPerOwner(
    rows.map((row) => hydrate(related, row)),
    (model) => readAttribute(model, join.relatedField),
    parents,
    (parent) => readAttribute(parent, join.parentField),
  );
  setRelationGroups(relation, parents, groups, found.load.path);
  return parents;
}

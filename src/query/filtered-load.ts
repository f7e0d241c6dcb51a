import { distinctKeys, groupsPerOwner } from '../core/key-dictionary.js';
import type { ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { hydrate, readAttribute } from '../state/model-state.js';
import { readRows } from './query-plan.js';
import {
  type EagerLoad,
  EMPTY_QUERY,
  type QueryState,
  type RelationFilter,
} from './query-state.js';

/** A relation that both filters the results and is loaded onto them (`withWhereHas`). */
interface FilteredLoad {
  readonly filter: RelationFilter;
  readonly load: EagerLoad;
}

/**
 * The relation `state` filters by and loads with one constraint object (`withWhereHas`), when its
 * related models can be read once for both: a one-level relation that holds the parent's key in
 * one field (HasOne, HasMany), an unpaged query and an unpaged constraint. Undefined otherwise.
 */
export function filteredLoadOf(context: ModelContext, state: QueryState): FilteredLoad | undefined {
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
    const { relation } = context.runtime.relation(context.model, load.path);
    if (relation.existenceJoin()) return { filter, load };
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
  const { runtime, model } = context;
  const { relation } = runtime.relation(model, found.load.path);
  const join = relation.existenceJoin()!;
  const related = runtime.contextOf(relation.related);
  const constraint = found.load.constraint ?? EMPTY_QUERY;
  const rows = await readRows(
    related,
    related.constrain({ ...constraint, with: [], aggregates: [] }),
  );
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
  relation.match(parents, groups, found.load.path);
  return parents;
}

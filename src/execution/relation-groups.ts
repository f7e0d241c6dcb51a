import type { QueryState } from '../query/query-state.js';
import type { AnyRelation } from '../relations/relation.js';
import type { DatabaseRuntime, ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { setLoaded } from '../state/model-state.js';

/**
 * Sets relation `name` on each of `parents` from its list in `groups` (of the relation's eager
 * read): the first related model or null for a to-one relation, the list for a to-many one.
 */
export function setRelationGroups(
  relation: AnyRelation,
  parents: readonly ModelInstance[],
  groups: readonly (readonly ModelInstance[])[],
  name: string,
): void {
  parents.forEach((parent, i) => {
    const group = groups[i] ?? [];
    setLoaded(parent, name, relation.toMany ? group : (group[0] ?? null), 'relation');
  });
}

/**
 * How many related models matching `constraint` each of `parents` has, in their order: from
 * index keys without a constraint, else from one constrained eager read.
 */
export async function countPerParent(
  relation: AnyRelation,
  parents: readonly ModelInstance[],
  runtime: DatabaseRuntime,
  constraint?: QueryState,
): Promise<number[]> {
  if (countableFromIndex(runtime.contextOf(relation.related), constraint)) {
    return relation.countRelated(parents, runtime);
  }
  const groups = await relation.eagerRead(parents, runtime, constraint);
  return groups.map((group) => group.length);
}

/**
 * True when the related models matching `constraint` are counted by their index keys alone: no
 * clause or relation filter, and no read constraint of the model (index keys count trashed and
 * scoped-out models too).
 */
export function countableFromIndex(
  related: ModelContext,
  constraint: QueryState | undefined,
): boolean {
  const plain = !constraint || (constraint.clauses.length === 0 && constraint.has.length === 0);
  return plain && !related.lifecycle.scoped;
}

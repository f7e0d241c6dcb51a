import type { QueryState } from '../query/query-state.js';
import type { AnyRelation } from '../relations/relation.js';
import type { DatabaseRuntime } from '../state/context.js';
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
  const plain = !constraint || (constraint.clauses.length === 0 && constraint.has.length === 0);
  // Index keys count trashed and scoped-out models too: a constrained model is counted by reading.
  if (plain && !runtime.contextOf(relation.related).lifecycle.scoped) {
    return relation.countRelated(parents, runtime);
  }
  const groups = await relation.eagerRead(parents, runtime, constraint);
  return groups.map((group) => group.length);
}

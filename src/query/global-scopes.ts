import type { Lifecycle } from '../state/lifecycle.js';
import type { ModelInstance } from '../state/model-instance.js';
import type { Clause } from './clause.js';
import type { QueryBuilder } from './query-builder.js';
import { EMPTY_QUERY, NO_SCOPES, type QueryState, type RelationFilter } from './query-state.js';

/**
 * What `static scopes` takes: named constraints on every read of the model, each a function that
 * narrows the query it is given (its filters and relation filters count; order and paging do not).
 * @example static override scopes: GlobalScopes<Post> = { published: (query) => query.where('published', true) };
 */
export type GlobalScopes<M extends ModelInstance> = Readonly<
  Record<string, (query: QueryBuilder<M>) => unknown>
>;

/**
 * `state` with the read constraints of its model that `state.scopes` keeps, added as clauses and
 * relation filters: trashed models left out (or kept alone), then each global scope not lifted,
 * run on a fresh query from `start`. The result keeps no scope, so applying it again changes
 * nothing.
 */
export function applyScopes(
  lifecycle: Lifecycle,
  state: QueryState,
  start: (state: QueryState) => { readonly state: QueryState },
): QueryState {
  const { scopes } = state;
  if (!lifecycle.scoped || scopes === NO_SCOPES) return state;
  const clauses: Clause[] = [...state.clauses];
  const has: RelationFilter[] = [...state.has];
  const column = lifecycle.softDelete;
  if (column !== undefined && scopes.trashed !== 'with') {
    clauses.push({ field: column, operator: scopes.trashed === 'only' ? '!=' : '=', value: null });
  }
  if (scopes.lifted !== 'all') {
    for (const [name, scope] of lifecycle.scopes) {
      if (scopes.lifted.includes(name)) continue;
      const query = start({ ...EMPTY_QUERY, scopes: NO_SCOPES });
      scope(query as never);
      clauses.push(...query.state.clauses);
      has.push(...query.state.has);
    }
  }
  return { ...state, clauses, has, scopes: NO_SCOPES };
}

/**
 * True when one of the model's global scopes applies to `state` (not lifted): a scope is a
 * function, which may add relation filters as well as clauses.
 */
export function globalScopesApply(lifecycle: Lifecycle, state: QueryState): boolean {
  const { lifted } = state.scopes;
  if (lifted === 'all') return false;
  for (const name of lifecycle.scopes.keys()) if (!lifted.includes(name)) return true;
  return false;
}

import type { AttributeKey, AttributesOf } from '../core/attribute-types.js';
import type { MorphTablesAt, RelatedAt, RelationPath } from '../relations/relation-types.js';
import type { ModelInstance } from '../state/model-instance.js';
import type { ComparisonOperator } from './filter-builder.js';
import type { MorphLoads } from './morph-with.js';
import type { Query } from './query-type.js';

/** The model at the end of relation path `P` of `M`, as a query callback receives it. */
type ModelAt<M, P extends string> =
  RelatedAt<M, P> extends infer R extends ModelInstance ? R : never;

/** A callback that constrains the query over the related models of relation path `P`. */
export type RelationConstraint<M, P extends string> = (query: Query<ModelAt<M, P>>) => unknown;

/**
 * A record of relation paths of `M` (or, with `Allowed`, relation names), each with the
 * callback that constrains it; a key that is not one of them is typed `never`.
 */
export type RelationConstraints<M, K extends string, Allowed extends string = RelationPath<M>> = {
  [X in K]: X extends Allowed ? RelationConstraint<M, X> | MorphLoads<MorphTablesAt<M, X>> : never;
};

/** The properties `withCount(...names)` adds: `posts_count: number`. */
export type WithCounts<N extends string> = { [K in N as `${K}_count`]: number };

/** The properties `withExists(...names)` adds: `posts_exists: boolean`. */
export type WithExists<N extends string> = { [K in N as `${K}_exists`]: boolean };

/** The property `withSum('posts', 'likes')` (or min, max, avg) adds: `posts_sum_likes`. */
export type WithAggregate<N extends string, Kind extends string, F extends string> = {
  [K in `${N}_${Kind}_${F}`]: Kind extends 'count' ? number : number | null;
};

/** What follows a field in `whereRelation`: a value (`=`), or an operator and a value. */
export type RelationCondition<R, F extends AttributeKey<R>> =
  | [value: AttributesOf<R>[F] | null]
  | [operator: ComparisonOperator, value: AttributesOf<R>[F] | null];

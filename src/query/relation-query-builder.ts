import type { AttributeKey } from '../core/attribute-types.js';
import { describe } from '../core/values.js';
import type {
  RelatedModel,
  RelationName,
  RelationPath,
  WithRelations,
} from '../relations/relation-types.js';
import type { ModelInstance } from '../state/model-instance.js';
import { morphLoadsOf } from './morph-with.js';
import { assertField, schemaError } from './query-input.js';
import type { Aggregate, AggregateKind, EagerLoad } from './query-state.js';
import type { Query } from './query-type.js';
import { RelationFilterBuilder } from './relation-filter-builder.js';
import type {
  RelationConstraint,
  RelationConstraints,
  WithAggregate,
  WithCounts,
  WithExists,
} from './relation-query-types.js';

/**
 * The loading side of a query: eager loads of each result's related models (`with`) and
 * aggregates over them (`withCount`, `withSum`, ...); its relation filters are
 * {@link RelationFilterBuilder}'s.
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results, including eager-loaded relations and aggregates
 */
export abstract class RelationQueryBuilder<
  M extends ModelInstance,
  Out = M,
> extends RelationFilterBuilder<M> {
  /**
   * Keeps the results with related models matching `constraint` along `relation`, and eager-loads
   * those same models (and only those) onto them.
   * @example User.query().withWhereHas('posts', (query) => query.where('published', true))
   */
  withWhereHas<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
  ): Query<M, Out & WithRelations<M, P>> {
    const filter = this.relationFilter(relation, constraint, '>=', 1);
    // One constraint object for both: the executor reads the related models once for the two.
    const load: EagerLoad = { path: relation, constraint: filter.constraint };
    return this.change({
      has: [...this.state.has, filter],
      with: [...this.state.with, load],
    }) as unknown as Query<M, Out & WithRelations<M, P>>;
  }

  /**
   * Eager-loads relations with the results: one query per relation level for all results. A
   * record constrains what is loaded: filters, order, and `limit`/`offset` per parent; a dotted
   * key constrains a nested level.
   * @throws SchemaError for a name that is not a relation of the model.
   * @example User.query().with('profile', { posts: (query) => query.orderBy('id', 'desc').limit(3) })
   */
  with<P extends RelationPath<M>>(...relations: P[]): Query<M, Out & WithRelations<M, P>>;
  /** Eager-loads relations, the last argument a record of constraints. */
  with<P extends RelationPath<M> = never, K extends string = never>(
    ...relations: [...P[], RelationConstraints<M, K>]
  ): Query<M, Out & WithRelations<M, P | (K & RelationPath<M>)>>;
  with(...relations: unknown[]): unknown {
    const loads: EagerLoad[] = [];
    for (const [path, constraint] of this.paths().entries(relations)) {
      const perTable = morphLoadsOf(constraint);
      if (perTable) loads.push(this.paths().morphLoad(path, perTable));
      else
        loads.push({
          path,
          constraint: constraint && this.paths().constraintOf(path, constraint),
        });
    }
    return this.change({ with: [...this.state.with, ...loads] });
  }

  /**
   * Adds `<name>_count` to each result: its number of related models, counted from index keys;
   * a record counts only those matching its callback.
   * @example User.query().withCount('posts', { comments: (query) => query.where('approved', true) })
   */
  withCount<N extends RelationName<M>>(...relations: N[]): Query<M, Out & WithCounts<N>>;
  /** As above, the last argument a record of constraints on what is included. */
  withCount<N extends RelationName<M> = never, K extends string = never>(
    ...relations: [...N[], RelationConstraints<M, K, RelationName<M>>]
  ): Query<M, Out & WithCounts<N | (K & RelationName<M>)>>;
  withCount(...relations: unknown[]): unknown {
    const aggregates: Aggregate[] = [];
    for (const [name, constraint] of this.paths().entries(relations)) {
      aggregates.push(this.#aggregate(name, 'count', undefined, constraint));
    }
    return this.#withAggregates(aggregates);
  }

  /** Adds `<name>_exists` to each result: whether it has a related model. */
  withExists<N extends RelationName<M>>(...relations: N[]): Query<M, Out & WithExists<N>>;
  /** As above, the last argument a record of constraints on what is included. */
  withExists<N extends RelationName<M> = never, K extends string = never>(
    ...relations: [...N[], RelationConstraints<M, K, RelationName<M>>]
  ): Query<M, Out & WithExists<N | (K & RelationName<M>)>>;
  withExists(...relations: unknown[]): unknown {
    const aggregates: Aggregate[] = [];
    for (const [name, constraint] of this.paths().entries(relations)) {
      aggregates.push(this.#aggregate(name, 'exists', undefined, constraint));
    }
    return this.#withAggregates(aggregates);
  }

  /** Adds `<name>_sum_<field>`: the sum of `field` over the related models (null for none). */
  withSum<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): Query<M, Out & WithAggregate<N, 'sum', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'sum', field, undefined)]);
  }

  /** Adds `<name>_min_<field>`: the least `field` of the related models (null for none). */
  withMin<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): Query<M, Out & WithAggregate<N, 'min', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'min', field, undefined)]);
  }

  /** Adds `<name>_max_<field>`: the greatest `field` of the related models (null for none). */
  withMax<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): Query<M, Out & WithAggregate<N, 'max', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'max', field, undefined)]);
  }

  /** Adds `<name>_avg_<field>`: the mean of `field` over the related models (null for none). */
  withAvg<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): Query<M, Out & WithAggregate<N, 'avg', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'avg', field, undefined)]);
  }

  /**
   * Adds `<name>_<kind>_<field>`: the sum, least, greatest or mean of `field` over the related
   * models (null for none), or with `'count'` the number of them whose `field` is set.
   * @throws SchemaError for another kind.
   * @example User.query().withAggregate('posts', 'likes', 'max')
   */
  withAggregate<
    N extends RelationName<M>,
    F extends AttributeKey<RelatedModel<M, N>>,
    K extends 'sum' | 'min' | 'max' | 'avg' | 'count',
  >(relation: N, field: F, kind: K): Query<M, Out & WithAggregate<N, K, F>> {
    if (!(['sum', 'min', 'max', 'avg', 'count'] as unknown[]).includes(kind)) {
      throw schemaError(
        this.model,
        `withAggregate() computes 'sum', 'min', 'max', 'avg' or 'count', not ${describe(kind)}`,
      );
    }
    return this.#withAggregates([this.#aggregate(relation, kind, field, undefined)]);
  }

  #aggregate(
    name: string,
    kind: AggregateKind,
    field: string | undefined,
    constraint: ((query: never) => unknown) | undefined,
  ): Aggregate {
    if (name.includes('.')) {
      throw schemaError(
        this.model,
        `${kind} aggregates take relation names, not paths ("${name}")`,
      );
    }
    const related = this.paths().relatedAt(name);
    if (field !== undefined) assertField(related, field);
    const alias = field === undefined ? `${name}_${kind}` : `${name}_${kind}_${field}`;
    return {
      relation: name,
      kind,
      field,
      constraint: constraint && this.paths().constraintOf(name, constraint),
      alias,
    };
  }

  #withAggregates<T>(aggregates: readonly Aggregate[]): Query<M, T> {
    const kept = this.state.aggregates.filter(
      (existing) => !aggregates.some((added) => added.alias === existing.alias),
    );
    return this.change({ aggregates: [...kept, ...aggregates] }) as unknown as Query<M, T>;
  }
}

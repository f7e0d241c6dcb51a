import { describe } from '../core/values.js';
import type { AttributeKey, ModelBase } from '../model/model.js';
import type {
  RelatedAt,
  RelatedModel,
  RelationName,
  RelationPath,
  WithRelations,
} from '../relations/relation-types.js';
import type { ModelClass } from '../state/model-class.js';
import { FilterBuilder } from './filter-builder.js';
import { morphLoadsOf } from './morph-with.js';
import type { QueryBuilder } from './query-builder.js';
import { assertField, countOperator, schemaError, wholeNumber } from './query-input.js';
import {
  type Aggregate,
  type AggregateKind,
  type CountOperator,
  type EagerLoad,
  EMPTY_QUERY,
  type RelationFilter,
} from './query-state.js';
import { RelationPaths } from './relation-paths.js';
import type {
  RelationCondition,
  RelationConstraint,
  RelationConstraints,
  WithAggregate,
  WithCounts,
  WithExists,
} from './relation-query-types.js';

/**
 * The relation side of a query: filters on each result's related models (`has`, `whereHas`),
 * eager loads (`with`) and aggregates over them (`withCount`, `withSum`, ...).
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results, including eager-loaded relations and aggregates
 */
export abstract class RelationQueryBuilder<M extends ModelBase, Out = M> extends FilterBuilder<M> {
  /** A blank query over `model` on this query's Database, for a constraint callback. */
  /** @internal */
  protected abstract blank<R extends ModelBase>(model: ModelClass<R>): QueryBuilder<R>;

  /**
   * Keeps the results that have related models along `relation` (a dotted path nests), or whose
   * number of related models compares to `count` by `operator`.
   * @example User.query().has('posts', '>=', 3)
   */
  has<P extends RelationPath<M>>(relation: P, operator: CountOperator = '>=', count = 1): this {
    return this.#filter(relation, undefined, operator, count);
  }

  /** Keeps the results that have no related model along `relation`. */
  doesntHave<P extends RelationPath<M>>(relation: P): this {
    return this.#filter(relation, undefined, '<', 1);
  }

  /**
   * Like {@link has}, counting only the related models that match `constraint`.
   * @example User.query().whereHas('posts', (query) => query.where('published', true))
   */
  whereHas<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
    operator: CountOperator = '>=',
    count = 1,
  ): this {
    return this.#filter(relation, constraint, operator, count);
  }

  /** Keeps the results that have no related model matching `constraint` along `relation`. */
  whereDoesntHave<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
  ): this {
    return this.#filter(relation, constraint, '<', 1);
  }

  /**
   * Keeps the results that pass what the query asked so far, or that have related models along
   * `relation` (compared as {@link has} compares). What follows applies to both alternatives.
   * @example User.query().has('posts', '>=', 3).orHas('comments')
   */
  orHas<P extends RelationPath<M>>(relation: P, operator: CountOperator = '>=', count = 1): this {
    return this.#or(this.#filterOf(relation, undefined, operator, count));
  }

  /** As {@link orHas}, counting only the related models that match `constraint`. */
  orWhereHas<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
    operator: CountOperator = '>=',
    count = 1,
  ): this {
    return this.#or(this.#filterOf(relation, constraint, operator, count));
  }

  /** Keeps the results that pass what the query asked so far, or that have no related model. */
  orDoesntHave<P extends RelationPath<M>>(relation: P): this {
    return this.#or(this.#filterOf(relation, undefined, '<', 1));
  }

  /**
   * Keeps the results with a related model along `relation` whose `field` compares to `value`:
   * `whereHas(relation, (query) => query.where(field, operator, value))`.
   * @example Post.query().whereRelation('author', 'name', 'Ada')
   */
  whereRelation<P extends RelationPath<M>, F extends AttributeKey<RelatedAt<M, P>>>(
    relation: P,
    field: F,
    ...condition: RelationCondition<RelatedAt<M, P>, F>
  ): this {
    return this.#filter(relation, conditionOn(field, condition), '>=', 1);
  }

  /** As {@link whereRelation}, as an alternative ({@link orWhereHas}). */
  orWhereRelation<P extends RelationPath<M>, F extends AttributeKey<RelatedAt<M, P>>>(
    relation: P,
    field: F,
    ...condition: RelationCondition<RelatedAt<M, P>, F>
  ): this {
    return this.#or(this.#filterOf(relation, conditionOn(field, condition), '>=', 1));
  }

  /**
   * Keeps the results with related models matching `constraint` along `relation`, and eager-loads
   * those same models (and only those) onto them.
   * @example User.query().withWhereHas('posts', (query) => query.where('published', true))
   */
  withWhereHas<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
  ): QueryBuilder<M, Out & WithRelations<M, P>> {
    const filter = this.#filterOf(relation, constraint, '>=', 1);
    // One constraint object for both: the executor reads the related models once for the two.
    const load: EagerLoad = { path: relation, constraint: filter.constraint };
    return this.change({
      has: [...this.state.has, filter],
      with: [...this.state.with, load],
    }) as unknown as QueryBuilder<M, Out & WithRelations<M, P>>;
  }

  /**
   * Eager-loads relations with the results: one query per relation level for all results. A
   * record constrains what is loaded: filters, order, and `limit`/`offset` per parent; a dotted
   * key constrains a nested level.
   * @throws SchemaError for a name that is not a relation of the model.
   * @example User.query().with('profile', { posts: (query) => query.orderBy('id', 'desc').limit(3) })
   */
  with<P extends RelationPath<M>>(...relations: P[]): QueryBuilder<M, Out & WithRelations<M, P>>;
  /** Eager-loads relations, the last argument a record of constraints. */
  with<P extends RelationPath<M> = never, K extends string = never>(
    ...relations: [...P[], RelationConstraints<M, K>]
  ): QueryBuilder<M, Out & WithRelations<M, P | (K & RelationPath<M>)>>;
  with(...relations: unknown[]): unknown {
    const loads: EagerLoad[] = [];
    for (const [path, constraint] of this.#paths().entries(relations)) {
      const perTable = morphLoadsOf(constraint);
      if (perTable) loads.push(this.#paths().morphLoad(path, perTable));
      else
        loads.push({
          path,
          constraint: constraint && this.#paths().constraintOf(path, constraint),
        });
    }
    return this.change({ with: [...this.state.with, ...loads] });
  }

  /**
   * Adds `<name>_count` to each result: its number of related models, counted from index keys;
   * a record counts only those matching its callback.
   * @example User.query().withCount('posts', { comments: (query) => query.where('approved', true) })
   */
  withCount<N extends RelationName<M>>(...relations: N[]): QueryBuilder<M, Out & WithCounts<N>>;
  /** As above, the last argument a record of constraints on what is included. */
  withCount<N extends RelationName<M> = never, K extends string = never>(
    ...relations: [...N[], RelationConstraints<M, K, RelationName<M>>]
  ): QueryBuilder<M, Out & WithCounts<N | (K & RelationName<M>)>>;
  withCount(...relations: unknown[]): unknown {
    const aggregates: Aggregate[] = [];
    for (const [name, constraint] of this.#paths().entries(relations)) {
      aggregates.push(this.#aggregate(name, 'count', undefined, constraint));
    }
    return this.#withAggregates(aggregates);
  }

  /** Adds `<name>_exists` to each result: whether it has a related model. */
  withExists<N extends RelationName<M>>(...relations: N[]): QueryBuilder<M, Out & WithExists<N>>;
  /** As above, the last argument a record of constraints on what is included. */
  withExists<N extends RelationName<M> = never, K extends string = never>(
    ...relations: [...N[], RelationConstraints<M, K, RelationName<M>>]
  ): QueryBuilder<M, Out & WithExists<N | (K & RelationName<M>)>>;
  withExists(...relations: unknown[]): unknown {
    const aggregates: Aggregate[] = [];
    for (const [name, constraint] of this.#paths().entries(relations)) {
      aggregates.push(this.#aggregate(name, 'exists', undefined, constraint));
    }
    return this.#withAggregates(aggregates);
  }

  /** Adds `<name>_sum_<field>`: the sum of `field` over the related models (null for none). */
  withSum<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'sum', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'sum', field, undefined)]);
  }

  /** Adds `<name>_min_<field>`: the least `field` of the related models (null for none). */
  withMin<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'min', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'min', field, undefined)]);
  }

  /** Adds `<name>_max_<field>`: the greatest `field` of the related models (null for none). */
  withMax<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'max', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'max', field, undefined)]);
  }

  /** Adds `<name>_avg_<field>`: the mean of `field` over the related models (null for none). */
  withAvg<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'avg', F>> {
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
  >(relation: N, field: F, kind: K): QueryBuilder<M, Out & WithAggregate<N, K, F>> {
    if (!(['sum', 'min', 'max', 'avg', 'count'] as unknown[]).includes(kind)) {
      throw schemaError(
        this.model,
        `withAggregate() computes 'sum', 'min', 'max', 'avg' or 'count', not ${describe(kind)}`,
      );
    }
    return this.#withAggregates([this.#aggregate(relation, kind, field, undefined)]);
  }

  /**
   * A relation filter along `path`: the outer levels need one related model each (`whereHas`
   * nested), the last compares its count; a negation (`doesntHave`) applies to the whole path,
   * so `doesntHave('posts.comments')` keeps those without any post that has comments.
   */
  #filter(
    path: string,
    constraint: ((query: never) => unknown) | undefined,
    operator: CountOperator,
    count: number,
  ): this {
    const filter = this.#filterOf(path, constraint, operator, count);
    return this.change({ has: [...this.state.has, filter] });
  }

  /**
   * Makes the query `(what it asked so far) or filter`: one `anyOf` relation filter, whose
   * alternatives an `or...` call that follows at once extends.
   */
  #or(filter: RelationFilter): this {
    const own = this.takeOwnClauses();
    const { has } = this.state;
    const last = has.at(-1);
    if (own.length === 0 && has.length === 1 && last?.anyOf) {
      const anyOf = [...last.anyOf, { clauses: [], has: [filter] }];
      return this.change({ has: [{ ...last, anyOf }] });
    }
    if (own.length === 0 && has.length === 0) return this.change({ has: [filter] });
    const anyOf = [
      { clauses: own, has },
      { clauses: [], has: [filter] },
    ];
    return this.change({
      has: [{ relation: '', anyOf, constraint: undefined, operator: '>=', count: 1 }],
    });
  }

  #filterOf(
    path: string,
    constraint: ((query: never) => unknown) | undefined,
    operator: CountOperator,
    count: number,
  ): RelationFilter {
    const model = this.model;
    const comparison = countOperator(model, operator);
    const expected = wholeNumber(model, 'a relation count', count);
    const negated = comparison === '<' && expected === 1;
    const names = this.#paths().names(path);
    let filter: RelationFilter = {
      relation: names.at(-1)!,
      constraint: constraint && this.#paths().constraintOf(path, constraint),
      operator: negated ? '>=' : comparison,
      count: negated ? 1 : expected,
    };
    for (const name of names.slice(0, -1).reverse()) {
      filter = {
        relation: name,
        constraint: { ...EMPTY_QUERY, has: [filter] },
        operator: '>=',
        count: 1,
      };
    }
    if (negated) filter = { ...filter, operator: '<', count: 1 };
    return filter;
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
    const related = this.#paths().relatedAt(name);
    if (field !== undefined) assertField(related, field);
    const alias = field === undefined ? `${name}_${kind}` : `${name}_${kind}_${field}`;
    return {
      relation: name,
      kind,
      field,
      constraint: constraint && this.#paths().constraintOf(name, constraint),
      alias,
    };
  }

  #withAggregates<T>(aggregates: readonly Aggregate[]): QueryBuilder<M, T> {
    const kept = this.state.aggregates.filter(
      (existing) => !aggregates.some((added) => added.alias === existing.alias),
    );
    return this.change({ aggregates: [...kept, ...aggregates] }) as unknown as QueryBuilder<M, T>;
  }

  /** The relation paths of this query's model, read on its Database. */
  #paths(): RelationPaths {
    return new RelationPaths(this.model, this.context().runtime, (model) => this.blank(model));
  }
}

/** The constraint `whereRelation(relation, field, ...condition)` stands for. */
function conditionOn(
  field: string,
  condition: readonly unknown[],
): (query: { where(...args: unknown[]): unknown }) => unknown {
  return (query) => query.where(field, ...condition);
}

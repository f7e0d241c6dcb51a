import type { AttributeKey } from '../core/attribute-types.js';
import type { RelatedAt, RelationPath } from '../relations/relation-types.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { FilterBuilder } from './filter-builder.js';
import { countOperator, wholeNumber } from './query-input.js';
import { type CountOperator, EMPTY_QUERY, type RelationFilter } from './query-state.js';
import type { Query } from './query-type.js';
import { RelationPaths } from './relation-paths.js';
import type { RelationCondition, RelationConstraint } from './relation-query-types.js';

/**
 * What `whereHas` and `orWhereHas` take: a relation path, a callback constraining the related
 * models counted, and how their number compares (default: at least one).
 */
export type WhereHasArguments<M extends ModelInstance, P extends RelationPath<M>> = [
  relation: P,
  constraint?: RelationConstraint<M, P>,
  operator?: CountOperator,
  count?: number,
];

/**
 * The relation filters of a query: which results to keep by their related models (`has`,
 * `whereHas`, `whereRelation`, and their `or` and negated forms).
 * @typeParam M - the model queried
 */
export abstract class RelationFilterBuilder<M extends ModelInstance> extends FilterBuilder<M> {
  /** A blank query over `model` on this query's Database, for a constraint callback. */
  /** @internal */
  protected abstract blank<R extends ModelInstance>(model: ModelClass<R>): Query<R>;

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
    ...[relation, constraint, operator = '>=', count = 1]: WhereHasArguments<M, P>
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
    return this.#or(this.relationFilter(relation, undefined, operator, count));
  }

  /** As {@link orHas}, counting only the related models that match `constraint`. */
  orWhereHas<P extends RelationPath<M>>(
    ...[relation, constraint, operator = '>=', count = 1]: WhereHasArguments<M, P>
  ): this {
    return this.#or(this.relationFilter(relation, constraint, operator, count));
  }

  /** Keeps the results that pass what the query asked so far, or that have no related model. */
  orDoesntHave<P extends RelationPath<M>>(relation: P): this {
    return this.#or(this.relationFilter(relation, undefined, '<', 1));
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
    return this.#or(this.relationFilter(relation, conditionOn(field, condition), '>=', 1));
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
    const filter = this.relationFilter(path, constraint, operator, count);
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

  /** The relation filter {@link has} and its kin add for `path`. @internal */
  protected relationFilter(
    path: string,
    constraint: ((query: never) => unknown) | undefined,
    operator: CountOperator,
    count: number,
  ): RelationFilter {
    const model = this.model;
    const comparison = countOperator(model, operator);
    const expected = wholeNumber(model, 'a relation count', count);
    const negated = comparison === '<' && expected === 1;
    const names = this.paths().names(path);
    let filter: RelationFilter = {
      relation: names.at(-1)!,
      constraint: constraint && this.paths().constraintOf(path, constraint),
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

  /** The relation paths of this query's model, read on its Database. */
  /** @internal */
  protected paths(): RelationPaths {
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

import type { AttributesOf, SoftDeletingModel } from '../core/attribute-types.js';
import type { WhereArguments } from '../query/filter-builder.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { CountOperator } from '../query/query-state.js';
import type {
  RelationConstraint,
  RelationConstraints,
  WithCounts,
} from '../query/relation-query-types.js';
import type { RelationName, RelationPath, WithRelations } from '../relations/relation-types.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { RelationFactories } from './relation-factories.js';

/**
 * The statics every model class has that start a query: `User.where(...)`,
 * `User.whereHas(...)`, `User.with(...)`; each is `User.query()` followed by the same call.
 */
export abstract class QueryShortcuts extends RelationFactories {
  /** Every model of this class, in primary key order. */
  static all<M extends ModelInstance>(this: ModelClass<M>): Promise<M[]> {
    return new QueryBuilder(this).get();
  }

  /** A new query over this model's table. */
  static query<M extends ModelInstance>(this: ModelClass<M>): QueryBuilder<M> {
    return new QueryBuilder(this);
  }

  /** Shortcut for `query().where(...)`: every form `where` takes. */
  static where<M extends ModelInstance>(
    this: ModelClass<M>,
    conditions: Partial<AttributesOf<M>>,
  ): QueryBuilder<M>;
  static where<M extends ModelInstance>(
    this: ModelClass<M>,
    ...args: WhereArguments<M>
  ): QueryBuilder<M>;
  static where<M extends ModelInstance>(
    this: ModelClass<M>,
    ...args: WhereArguments<M>
  ): QueryBuilder<M> {
    return new QueryBuilder(this).where(...args);
  }

  /** Shortcut for `query().withTrashed()`: trashed models included. */
  static withTrashed<M extends ModelInstance>(
    this: ModelClass<M> & SoftDeletingModel<M>,
  ): QueryBuilder<M> {
    const query = new QueryBuilder(this as ModelClass<M>) as QueryBuilder<M> & SoftDeletingModel<M>;
    return query.withTrashed();
  }

  /** Shortcut for `query().onlyTrashed()`: trashed models alone. */
  static onlyTrashed<M extends ModelInstance>(
    this: ModelClass<M> & SoftDeletingModel<M>,
  ): QueryBuilder<M> {
    const query = new QueryBuilder(this as ModelClass<M>) as QueryBuilder<M> & SoftDeletingModel<M>;
    return query.onlyTrashed();
  }

  /** Shortcut for `query().withoutGlobalScope(name)`. */
  static withoutGlobalScope<M extends ModelInstance>(
    this: ModelClass<M>,
    name: string,
  ): QueryBuilder<M> {
    return new QueryBuilder(this).withoutGlobalScope(name);
  }

  /** Shortcut for `query().withoutGlobalScopes()`. */
  static withoutGlobalScopes<M extends ModelInstance>(this: ModelClass<M>): QueryBuilder<M> {
    return new QueryBuilder(this).withoutGlobalScopes();
  }

  /** The number of stored models of this class. */
  static count<M extends ModelInstance>(this: ModelClass<M>): Promise<number> {
    return new QueryBuilder(this).count();
  }

  /** Shortcut for `query().has(...)`. */
  static has<M extends ModelInstance, P extends string>(
    this: ModelClass<M>,
    relation: P & RelationPath<M>,
    operator?: CountOperator,
    count?: number,
  ): QueryBuilder<M> {
    return new QueryBuilder(this).has(relation, operator, count);
  }

  /** Shortcut for `query().doesntHave(...)`. */
  static doesntHave<M extends ModelInstance, P extends string>(
    this: ModelClass<M>,
    relation: P & RelationPath<M>,
  ): QueryBuilder<M> {
    return new QueryBuilder(this).doesntHave(relation);
  }

  /** Shortcut for `query().whereHas(...)`. */
  static whereHas<M extends ModelInstance, P extends string>(
    this: ModelClass<M>,
    relation: P & RelationPath<M>,
    constraint?: RelationConstraint<NoInfer<M>, NoInfer<P>>,
    operator?: CountOperator,
    count?: number,
  ): QueryBuilder<M> {
    return new QueryBuilder(this).whereHas(relation, constraint as never, operator, count);
  }

  /** Shortcut for `query().whereDoesntHave(...)`. */
  static whereDoesntHave<M extends ModelInstance, P extends string>(
    this: ModelClass<M>,
    relation: P & RelationPath<M>,
    constraint?: RelationConstraint<NoInfer<M>, NoInfer<P>>,
  ): QueryBuilder<M> {
    return new QueryBuilder(this).whereDoesntHave(relation, constraint as never);
  }

  /** Shortcut for `query().with(...)`. */
  static with<M extends ModelInstance, P extends string>(
    this: ModelClass<M>,
    ...relations: (P & RelationPath<M>)[]
  ): QueryBuilder<M, M & WithRelations<M, P & RelationPath<M>>>;
  /** Shortcut for `query().with(...)`, the last argument a record of constraints. */
  static with<M extends ModelInstance, P extends string = never, K extends string = never>(
    this: ModelClass<M>,
    ...relations: [...(P & RelationPath<M>)[], RelationConstraints<M, K>]
  ): QueryBuilder<M, M & WithRelations<M, (P | K) & RelationPath<M>>>;
  static with<M extends ModelInstance>(this: ModelClass<M>, ...relations: unknown[]): unknown {
    return new QueryBuilder(this).with(...(relations as never[]));
  }

  /** Shortcut for `query().withCount(...)`. */
  static withCount<M extends ModelInstance, N extends string>(
    this: ModelClass<M>,
    ...relations: (N & RelationName<M>)[]
  ): QueryBuilder<M, M & WithCounts<N & RelationName<M>>>;
  /** Shortcut for `query().withCount(...)`, the last argument a record of constraints. */
  static withCount<M extends ModelInstance, N extends string = never, K extends string = never>(
    this: ModelClass<M>,
    ...relations: [...(N & RelationName<M>)[], RelationConstraints<M, K, RelationName<M>>]
  ): QueryBuilder<M, M & WithCounts<(N | K) & RelationName<M>>>;
  static withCount<M extends ModelInstance>(this: ModelClass<M>, ...relations: unknown[]): unknown {
    return new QueryBuilder(this).withCount(...(relations as never[]));
  }
}

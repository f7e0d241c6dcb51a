import type { Observable } from 'rxjs';
import { of, throwError } from 'rxjs';
import { SchemaError } from '../core/errors.js';
import { shareKeyOf } from '../core/key-dictionary.js';
import type { Key } from '../core/values.js';
import { type DirectRead, directReadOf, observeDirect, readOnce } from '../query/direct-reads.js';
import { readByKey } from '../query/find.js';
import { QueryBuilder } from '../query/query-builder.js';
import { liveShareKey, type QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { contextFor, runtimeFor } from '../state/model-runtime.js';
import { keyAttribute } from '../state/model-state.js';
import type { RelationRequirements } from './requirements.js';

/** A relation of any kind, as the registry and the eager loader handle it. */
export type AnyRelation = Relation<ModelInstance, ModelInstance, unknown>;

/** A relation as the Database's registry keeps it for one model class. */
export interface RegisteredRelation {
  /** Its name in `with()` and `load()`: `profile` for `profileRelation()`. */
  readonly name: string;
  /** The model class it is defined on. */
  readonly owner: ModelClass;
  /** The relation bound to a blank instance: what it relates to, its keys, its eager reads. */
  readonly relation: AnyRelation;
}

/** How a parent's key is found on its related models: `posts.user_id` holds `users.id`. */
export interface ExistenceJoin {
  /** The related models' field holding the parent's key. */
  readonly relatedField: string;
  /** The parent's field it holds. */
  readonly parentField: string;
}

/**
 * The contract every relation kind fulfils, and the handle bound to one parent that is written
 * once for all of them. A kind states whether a parent relates to a list ({@link toMany}), the
 * query over the related model for one parent ({@link addConstraints}), one batch read for many
 * parents ({@link eagerRead}) and what it needs of the schema ({@link requirements}), and gives
 * the parent's attribute it looks up with to the constructor. From those, this class reads for
 * one parent (`getResults`) and observes (`observe`); the execution layer matches eager loads
 * and counts. A kind may add a faster count from index keys ({@link countRelated}). Where the
 * query for one parent is one key of one index, the query layer reads it directly.
 * @typeParam P - the model the relation is defined on
 * @typeParam R - the model at the other end
 * @typeParam Result - what `getResults()` resolves to (`R | null` for a to-one relation)
 */
export abstract class Relation<P extends ModelInstance, R extends ModelInstance, Result> {
  /** The model instance the relation is bound to. */
  readonly parent: P;
  /** The model class at the other end. */
  readonly related: ModelClass<R>;

  /**
   * `parent` related to models of `related`, looking up with the parent's `lookupField` (default
   * its primary key). `otherFields`: the parent's other attributes that decide what it relates to
   * (MorphTo's type column, which names the related model).
   */
  constructor(
    parent: P,
    related: ModelClass<R>,
    lookupField?: string,
    otherFields: readonly string[] = [],
  ) {
    if (typeof related !== 'function' || !(related.prototype instanceof Object)) {
      const model = (parent?.constructor as ModelClass | undefined)?.name ?? 'a model';
      throw new SchemaError(`a relation of ${model} needs a model class, got ${String(related)}`, {
        model,
      });
    }
    this.parent = parent;
    this.related = related;
    this.lookupField = lookupField ?? (parent.constructor as ModelClass).primaryKey;
    this.#decidedByMore = otherFields.length > 0;
  }

  /** True when more of the parent than its lookup attribute decides the read (`otherFields`). */
  readonly #decidedByMore: boolean;

  /** True when a parent relates to a list of models, false when to at most one. */
  abstract readonly toMany: boolean;

  /** The parent's attribute holding what the relation looks up with (its key, a foreign key). */
  protected readonly lookupField: string;

  /** Filters `query` (over the related table) to what this relation holds for its one parent. */
  abstract addConstraints(query: QueryBuilder<R>): QueryBuilder<R>;

  /**
   * Reads what the relation holds for any of `parents`, with as few reads as the kind allows:
   * the list of each parent's related models, in the parents' order. With `constraint`, only
   * the related models that match its clauses and relation filters, in its order (its paging,
   * eager loads and aggregates are the caller's, per parent).
   */
  abstract eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[][]>;

  /**
   * What the relation needs of the schema: indexes and derived tables, the stored fields that
   * hold another model's keys, and what deletes do to other records.
   * @param name - the relation's name on its model, for messages
   */
  abstract requirements(name: string): RelationRequirements;

  /** The related result for the one parent: its direct read where it has one, else its batch read. */
  async getResults(): Promise<Result> {
    if (this.lookupKey() === undefined) return this.emptyResult();
    const runtime = this.runtime();
    const query = this.addConstraints(new QueryBuilder(this.related, runtime));
    const context = runtime.contextOf(query.model);
    const direct = directReadOf(context, query.state, !this.toMany);
    if (direct) return (await readOnce(context, direct)) as Result;
    return this.resultOf(this.parent, runtime);
  }

  /**
   * How many related records each of `parents` has, in their order, for relation queries
   * (`has`, `withCount`); a kind that can count from index keys, not whole records, does.
   */
  async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    const groups = await this.eagerRead(parents, runtime);
    return groups.map((group) => group.length);
  }

  /**
   * The field of the related models that holds each parent's `parentField`, for a kind that
   * relates through that one field alone (HasOne, HasMany): a relation filter can then find its
   * parents from the related side. Undefined for every other kind.
   */
  existenceJoin(): ExistenceJoin | undefined {
    return undefined;
  }

  /**
   * A QueryBuilder over the related model, on the parent's Database, with the constraints; they
   * hold in every alternative that `orWhere` adds.
   */
  query(): QueryBuilder<R> {
    const runtime = this.runtime();
    const constrained = this.addConstraints(new QueryBuilder(this.related, runtime));
    return new QueryBuilder(constrained.model, runtime, constrained.state);
  }

  /**
   * A live Observable of `getResults()`: emits the current value, then again after each committed
   * change that alters it; observers of the same relation share one live query. A parent that
   * holds what the relation looks up with (a child's foreign key) is followed as stored, so that
   * a change of it in another tab, or its delete, is seen.
   */
  observe(): Observable<Result> {
    const follows = this.followsParent();
    if (!follows && this.lookupKey() === undefined) return of(this.emptyResult());
    try {
      const runtime = this.runtime();
      const query = this.query();
      const parentModel = this.parent.constructor as ModelClass;
      const subject = follows ? [parentModel.table, shareKeyOf(this.parent.getKey())] : [];
      // The query state names what is read; the shape and the followed parent, how.
      const kind = ['relation', this.toMany ? 'many' : 'one', ...subject];
      const direct = this.#liveDirectRead(runtime, query, follows);
      return observeDirect(
        runtime,
        query.model,
        liveShareKey(kind, query.model.table, query.state),
        direct,
        () => this.liveRead(follows),
      );
    } catch (error) {
      return throwError(() => error);
    }
  }

  /** The parent's value of {@link lookupField}, or undefined while it has none. */
  protected lookupKey(): Key | undefined {
    return keyAttribute(this.parent, this.lookupField);
  }

  /**
   * True when live reads follow the parent as stored: it is stored and the relation looks up
   * with an attribute that may change (not its primary key).
   */
  protected followsParent(): boolean {
    const parentModel = this.parent.constructor as ModelClass;
    return this.lookupField !== parentModel.primaryKey && this.parent.exists;
  }

  /**
   * The read a live observer runs without planning, where the planner finds `query` to be one key
   * of one index: that read, or for a followed parent the same read keyed by the stored parent's
   * lookup attribute. None where more of the parent decides the read (MorphTo's type).
   */
  #liveDirectRead(
    runtime: DatabaseRuntime,
    query: QueryBuilder<R>,
    follows: boolean,
  ): DirectRead | undefined {
    const read = directReadOf(runtime.contextOf(query.model), query.state, !this.toMany);
    if (!read || !follows) return read;
    const lookedUp = this.lookupKey();
    const byLookup = lookedUp !== undefined && shareKeyOf(read.key) === shareKeyOf(lookedUp);
    if (!byLookup || this.#decidedByMore) return undefined;
    const parent = { model: this.parent.constructor as ModelClass, key: this.parent.getKey()! };
    return {
      kind: 'follow',
      parent,
      parentField: this.lookupField,
      field: read.field,
      first: read.first,
    };
  }

  /**
   * A query over the related model on `runtime` for an eager read, starting from `constraint`'s
   * clauses, relation filters and order.
   */
  protected relatedQuery(runtime: DatabaseRuntime, constraint?: QueryState): QueryBuilder<R> {
    if (!constraint) return new QueryBuilder(this.related, runtime);
    return new QueryBuilder(this.related, runtime, {
      ...constraint,
      limit: undefined,
      offset: 0,
      with: [],
      aggregates: [],
    });
  }

  /** The Database the parent belongs to, which every read and write of the relation uses. */
  protected runtime(): DatabaseRuntime {
    return runtimeFor(this.parent);
  }

  /** What the relation holds when there is nothing to look up: null, or an empty list. */
  protected emptyResult(): Result {
    return (this.toMany ? [] : null) as Result;
  }

  /** `HasOne User → Profile`, for messages. */
  protected describe(): string {
    const parentModel = this.parent.constructor as ModelClass;
    return `${this.constructor.name} ${parentModel.name} → ${this.related.name}`;
  }

  /** One parent's list of related models as its result: the list, or its first model or null. */
  private shape(group: readonly R[]): Result {
    return (this.toMany ? group : (group[0] ?? null)) as Result;
  }

  /** What the relation holds for `parent`, through the batch read. */
  private async resultOf(parent: P, runtime: DatabaseRuntime): Promise<Result> {
    const [group = []] = await this.eagerRead([parent], runtime);
    return this.shape(group);
  }

  /**
   * The read a live observer re-runs where it has no direct read: for a followed parent, the
   * parent as stored (null once deleted: the empty result), then what it relates to.
   */
  private async liveRead(follows: boolean): Promise<Result> {
    if (!follows) return this.getResults();
    const key = this.parent.getKey();
    const stored = key === undefined ? null : await readByKey(contextFor(this.parent), key);
    return stored ? this.resultOf(stored, this.runtime()) : this.emptyResult();
  }
}

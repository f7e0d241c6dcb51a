import type { Observable } from 'rxjs';
import { of, throwError } from 'rxjs';
import { SchemaError } from '../core/errors.js';
import type { Key } from '../core/values.js';
import type { AttributeKey, ModelBase } from '../model/model.js';
import type { KeySource } from '../query/clause.js';
import { type DirectRead, observeRelated, readByKey } from '../query/direct-reads.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import { contextFor, type DatabaseRuntime, runtimeFor } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { setLoaded } from '../state/model-state.js';
import type { DeleteEffect, ForeignKeyColumn, TableRequirement } from './requirements.js';

/**
 * `query` constrained to what a parent with `key` relates to: `field` equal to it, or (with
 * `via`) `field` among the `select` values of the rows of another table whose `where` equals it.
 * A parent without a key relates to nothing, not to the records whose field is null.
 */
export function constrainToParent<R extends ModelBase>(
  query: QueryBuilder<R>,
  field: string,
  key: Key | undefined,
  via?: Omit<KeySource, 'equals'>,
): QueryBuilder<R> {
  const typed = field as AttributeKey<R>;
  if (key === undefined) return query.whereIn(typed, []);
  return via
    ? query.whereKeysOf(typed, { ...via, equals: [key] })
    : query.where(typed, key as never);
}

/** How a parent's key is found on its related models: `posts.user_id` holds `users.id`. */
export interface ExistenceJoin {
  /** The related models' field holding the parent's key. */
  readonly relatedField: string;
  /** The parent's field it holds. */
  readonly parentField: string;
}

/** A relation of any kind, as the registry and the eager loader handle it. */
export type AnyRelation = Relation<ModelBase, ModelBase, unknown>;

/** A relation as the Database's registry keeps it for one model class. */
export interface RelationDefinition {
  /** Its name in `with()` and `load()`: `profile` for `profileRelation()`. */
  readonly name: string;
  /** The model class it is defined on. */
  readonly owner: ModelClass;
  /** The relation bound to a blank instance: what it relates to, its keys, its eager reads. */
  readonly relation: AnyRelation;
}

/**
 * The contract every relation kind fulfils. A relation is used three ways, each with one home:
 * bound to one parent (`getResults`, and the writes of each kind), eager-loaded for many parents
 * at once (`eagerRead` + `match`, one read per level, or two for pivot and through relations),
 * and observed live (`observe`, which runs the same read inside a live query). It also states the
 * indexes and tables it needs, and counts related records per parent for relation queries.
 * @typeParam P - the model the relation is defined on
 * @typeParam R - the model at the other end
 * @typeParam Result - what `getResults()` resolves to (`R | null` for a to-one relation)
 */
export abstract class Relation<P extends ModelBase, R extends ModelBase, Result> {
  /** The model instance the relation is bound to. */
  readonly parent: P;
  /** The model class at the other end. */
  readonly related: ModelClass<R>;

  constructor(parent: P, related: ModelClass<R>) {
    if (typeof related !== 'function' || !(related.prototype instanceof Object)) {
      const model = (parent?.constructor as ModelClass | undefined)?.name ?? 'a model';
      throw new SchemaError(`a relation of ${model} needs a model class, got ${String(related)}`, {
        model,
      });
    }
    this.parent = parent;
    this.related = related;
  }

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
   * Sets relation `name` on each parent from its list in `groups` (of {@link eagerRead}): the
   * first related model or null for a to-one kind, the list for a to-many one.
   */
  match(parents: readonly P[], groups: readonly (readonly R[])[], name: string): void {
    const toMany = Array.isArray(this.emptyResult());
    parents.forEach((parent, i) => {
      const group = groups[i] ?? [];
      setLoaded(parent, name, toMany ? group : (group[0] ?? null), 'relation');
    });
  }

  /**
   * How many related records each of `parents` has, in their order: for relation queries
   * (`has`, `withCount`), read from index keys where the kind allows, not from whole records.
   */
  abstract countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]>;

  /**
   * How many related models matching `constraint` each of `parents` has, in their order: from
   * index keys without a constraint, else from one constrained eager read.
   */
  async countWhere(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<number[]> {
    const plain = !constraint || (constraint.clauses.length === 0 && constraint.has.length === 0);
    // Index keys count trashed and scoped-out models too: a constrained model is counted by reading.
    if (plain && !runtime.contextOf(this.related).lifecycle.scoped) {
      return this.countRelated(parents, runtime);
    }
    const groups = await this.eagerRead(parents, runtime, constraint);
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
   * False for a kind whose related models are of several classes (MorphTo), which a query
   * callback cannot constrain.
   */
  get constrainable(): boolean {
    return true;
  }

  /** The related result for the one parent. */
  abstract getResults(): Promise<Result>;

  /** The indexes and tables this relation needs, so that the Database can declare them. */
  abstract requirements(): TableRequirement[];

  /** What the relation holds when there is nothing to look up (the parent has no key). */
  protected abstract emptyResult(): Result;

  /** True when the parent has the key the relation looks up with. */
  protected abstract canLookUp(): boolean;

  /** A key naming this relation's read, so that observers of the same read share it. */
  protected abstract shareKey(): string;

  /** The stored fields this relation keeps another model's keys in (none by default). */
  foreignKeys(): ForeignKeyColumn[] {
    return [];
  }

  /**
   * What deleting a parent or a related record does to other records (nothing by default).
   * @param _name - the relation's name on its model, for messages
   */
  deleteEffects(_name: string): DeleteEffect[] {
    return [];
  }

  /**
   * A QueryBuilder over the related model, on the parent's Database, with the constraints; they
   * hold in every alternative that `orWhere` adds.
   */
  query(): QueryBuilder<R> {
    const runtime = this.runtime();
    const constrained = this.addConstraints(new QueryBuilder(this.related, runtime));
    return new QueryBuilder(this.related, runtime, constrained.state);
  }

  /**
   * A live Observable of `getResults()`: emits the current value, then again after each committed
   * change that alters it; observers of the same relation share one live query.
   */
  observe(): Observable<Result> {
    if (!this.canLookUp()) return of(this.emptyResult());
    try {
      return observeRelated(
        this.runtime(),
        this.related,
        this.shareKey(),
        () => this.directRead(),
        () => this.liveRead(),
        this.emptyResult(),
      );
    } catch (error) {
      return throwError(() => error);
    }
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

  /**
   * The parent as stored now, read inside the live query so that a change of the parent itself
   * (a foreign key moved in another tab, a delete) is seen: null once deleted, undefined for a
   * parent that is not stored (its in-memory attributes are then what counts).
   */
  protected async storedParent(): Promise<P | null | undefined> {
    const key = this.parent.getKey();
    if (!this.parent.exists || key === undefined) return undefined;
    return readByKey(contextFor(this.parent), key);
  }

  /** The read a live observer re-runs; the same as `getResults()` unless a kind needs more. */
  protected liveRead(): Promise<Result> {
    return this.getResults();
  }

  /**
   * The read a live observer re-runs, described for the query layer to run directly where the
   * kind's read is one (see `DirectRead`); otherwise undefined, and {@link liveRead} runs.
   */
  protected directRead(): DirectRead | undefined {
    return undefined;
  }

  /** `HasOne User → Profile`, for messages. */
  protected describe(): string {
    const parentModel = this.parent.constructor as ModelClass;
    return `${this.constructor.name} ${parentModel.name} → ${this.related.name}`;
  }
}

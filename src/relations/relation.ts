import type { Observable } from 'rxjs';
import { of, throwError } from 'rxjs';
import { SchemaError } from '../errors.js';
import { contextOf } from '../model/context.js';
import type { ModelBase } from '../model/model.js';
import { liveComparison } from '../model/model.js';
import type { ModelClass } from '../model/model-class.js';
import { QueryBuilder } from '../query/query-builder.js';

/** An index a relation needs on one side, derived into the schema by the Database. */
export interface IndexRequirement {
  readonly model: ModelClass;
  readonly field: string;
  readonly unique: boolean;
}

/**
 * The contract every relation kind fulfils. A relation is used three ways, each with one home:
 * bound to one parent (`getResults`, and the writes of each kind), eager-loaded for many parents
 * at once (`addEagerConstraints` + `match`, one query), and observed live (`observe`, which
 * runs the same read inside a live query).
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

  /** Filters `query` to what the relation holds for any of `parents`. */
  abstract addEagerConstraints(query: QueryBuilder<R>, parents: readonly P[]): QueryBuilder<R>;

  /** Sets relation `name` on each parent from `results`, matched through a key dictionary. */
  abstract match(parents: readonly P[], results: readonly R[], name: string): void;

  /** The related result for the one parent. */
  abstract getResults(): Promise<Result>;

  /** The indexes this relation needs, so that the Database can declare them. */
  abstract indexRequirements(): IndexRequirement[];

  /** What the relation holds when there is nothing to look up (the parent has no key). */
  protected abstract emptyResult(): Result;

  /** True when the parent has the key the relation looks up with. */
  protected abstract canLookUp(): boolean;

  /** A key naming this relation's read, so that observers of the same read share it. */
  protected abstract shareKey(): string;

  /** A QueryBuilder over the related model with this relation's constraints applied. */
  query(): QueryBuilder<R> {
    return this.addConstraints(new QueryBuilder(this.related));
  }

  /** Loads the relation for all `parents` with one query and sets it on each; returns the related. */
  async eagerLoad(parents: readonly P[], name: string): Promise<R[]> {
    const results = await this.addEagerConstraints(new QueryBuilder(this.related), parents).get();
    this.match(parents, results, name);
    return results;
  }

  /**
   * A live Observable of `getResults()`: emits the current value, then again after each committed
   * change that alters it; observers of the same relation share one live query.
   */
  observe(): Observable<Result> {
    if (!this.canLookUp()) return of(this.emptyResult());
    try {
      const { runtime } = contextOf(this.related);
      return runtime.live(this.shareKey(), () => this.liveRead(), liveComparison);
    } catch (error) {
      return throwError(() => error);
    }
  }

  /** The read a live observer re-runs; the same as `getResults()` unless a kind needs more. */
  protected liveRead(): Promise<Result> {
    return this.getResults();
  }
}

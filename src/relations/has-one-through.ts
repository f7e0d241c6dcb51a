import type { ModelBase } from '../model/model.js';
import { HasOneOrManyThrough } from './through.js';

/**
 * The first related model (in related primary-key order) of the models in between, or null;
 * read-only.
 * @example
 * latestPostRelation(): HasOneThrough<Country, Post, User> { return this.hasOneThrough(Post, User); }
 */
export class HasOneThrough<
  P extends ModelBase,
  R extends ModelBase,
  T extends ModelBase,
> extends HasOneOrManyThrough<P, R, T, R | null> {
  /** The related model, or null (without a query when the parent has no key). */
  async getResults(): Promise<R | null> {
    if (this.parentKey() === undefined) return null;
    return this.query()
      .orderBy(this.related.primaryKey as never)
      .first();
  }

  protected emptyResult(): R | null {
    return null;
  }
}

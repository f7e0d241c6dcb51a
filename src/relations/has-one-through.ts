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
  protected readonly toMany = false;
}

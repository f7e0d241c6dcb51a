import type { ModelInstance } from '../state/model-instance.js';
import { HasOneOrManyThrough } from './through.js';

/**
 * The related models of the models in between (a country's posts, through its users), in related
 * primary-key order; read-only.
 * @example
 * postsRelation(): HasManyThrough<Country, Post, User> { return this.hasManyThrough(Post, User); }
 */
export class HasManyThrough<
  P extends ModelInstance,
  R extends ModelInstance,
  T extends ModelInstance,
> extends HasOneOrManyThrough<P, R, T, R[]> {
  readonly toMany = true;
}

import type { ModelInstance } from '../state/model-instance.js';
import { HasOneOrManyThrough } from './through.js';

/**
 * The first related model (in related primary-key order) of the models in between, or null;
 * read-only.
 * @example
 * latestPostRelation(): HasOneThrough<Country, Post, User> { return this.hasOneThrough(Post, User); }
 */
export class HasOneThrough<
  P extends ModelInstance,
  R extends ModelInstance,
  T extends ModelInstance,
> extends HasOneOrManyThrough<P, R, T, R | null> {
  readonly toMany = false;
}

import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { HasMany } from './has-many.js';

/**
 * HasMany for parents of several tables: each related model holds `<name>_type` (the parent's
 * table name, never a class name) and `<name>_id`, under a `[<name>_type+<name>_id]` index.
 * @example
 * commentsRelation(): MorphMany<Post, Comment> { return this.morphMany(Comment, 'commentable'); }
 */
export class MorphMany<P extends ModelInstance, R extends ModelInstance> extends HasMany<P, R> {
  constructor(parent: P, related: ModelClass<R>, name: string, localKey?: string) {
    super(parent as never, related, undefined, localKey as never, name);
  }
}

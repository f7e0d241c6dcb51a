import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { HasOne } from './has-one.js';

/**
 * HasOne for parents of several tables: the related model holds `<name>_type` (the parent's table
 * name, never a class name) and `<name>_id`, under a unique `[<name>_type+<name>_id]` index.
 * @example
 * thumbnailRelation(): MorphOne<Video, Image> { return this.morphOne(Image, 'imageable'); }
 */
export class MorphOne<P extends ModelInstance, R extends ModelInstance> extends HasOne<P, R> {
  constructor(parent: P, related: ModelClass<R>, name: string, localKey?: string) {
    super(parent as never, related, undefined, localKey as never, name);
  }
}

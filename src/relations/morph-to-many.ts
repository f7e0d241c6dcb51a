import type { Key } from '../core/values.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { BelongsToMany } from './belongs-to-many.js';
import type { BelongsToManyOptions } from './pivot-types.js';

/**
 * A many-to-many relation whose pivot serves parents of several tables: `Post.tags` and
 * `Video.tags` share `taggables` (`tag_id`, `taggable_type`, `taggable_id`), told apart by the
 * type column. Made by `morphToMany(Tag, 'taggable')` on the morphing side and by
 * `morphedByMany(Post, 'taggable')` on the other (`inverse`); every BelongsToMany read and write.
 * @example
 * tagsRelation(): MorphToMany<Post, Tag> { return this.morphToMany(Tag, 'taggable'); }
 */
export class MorphToMany<
  P extends ModelInstance,
  R extends ModelInstance,
  Pivot extends object = Record<string, Key>,
> extends BelongsToMany<P, R, Pivot> {
  /** The morph name (`taggable`). */
  readonly morphName: string;
  /** True on the side the pivot's type column does not name (`Tag.posts`). */
  readonly inverse: boolean;

  constructor(
    parent: P,
    related: ModelClass<R>,
    morphName: string,
    inverse = false,
    options: Omit<BelongsToManyOptions, 'morph'> = {},
  ) {
    super(parent, related, {
      ...options,
      morph: { name: morphName, side: inverse ? 'related' : 'parent' },
    });
    this.morphName = morphName;
    this.inverse = inverse;
  }
}

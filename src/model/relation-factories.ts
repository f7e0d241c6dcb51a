import type { AttributeKey, attributesType } from '../core/attribute-types.js';
import type { Key } from '../core/values.js';
import { BelongsTo } from '../relations/belongs-to.js';
import { BelongsToMany } from '../relations/belongs-to-many.js';
import { HasMany } from '../relations/has-many.js';
import { HasManyThrough } from '../relations/has-many-through.js';
import { HasOne } from '../relations/has-one.js';
import { HasOneThrough } from '../relations/has-one-through.js';
import { MorphMany } from '../relations/morph-many.js';
import { MorphOne } from '../relations/morph-one.js';
import { MorphTo } from '../relations/morph-to.js';
import { MorphToMany } from '../relations/morph-to-many.js';
import type { BelongsToManyOptions } from '../relations/pivot-types.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';

/**
 * `this` of a relation factory, with the attribute interface `A` of the class that calls it:
 * inside a class `this` is polymorphic, but TypeScript infers `A` from the class's declaration,
 * so that this model's own keys can be checked.
 */
type Calling<T, A> = T & { readonly [attributesType]?: A };

/**
 * The keys of a through relation (`Country` → `User` → `Post`), each optional: the through
 * model's key to this model (`country_id`), the related model's key to the through model
 * (`user_id`), this model's field the first matches (its primary key), and the through model's
 * field the second matches (its primary key).
 */
export type ThroughKeys<A, R, Th> = [
  firstKey?: AttributeKey<Th>,
  secondKey?: AttributeKey<R>,
  localKey?: Extract<keyof A, string>,
  secondLocalKey?: AttributeKey<Th>,
];

/**
 * What `hasOne` and `hasMany` take: the related model class, its field holding this model's key
 * (default `<this model's singular>_id`), and this model's field it holds (its primary key).
 */
export type HasOneOrManyArguments<A, R extends ModelInstance> = [
  related: ModelClass<R>,
  foreignKey?: AttributeKey<R>,
  localKey?: Extract<keyof A, string>,
];

/**
 * What `morphOne` and `morphMany` take: the related model class, the name of its pair of
 * columns (`<name>_type` holding this table, `<name>_id` this model's key), and this model's
 * field that `<name>_id` holds (its primary key).
 */
export type MorphOneOrManyArguments<A, R extends ModelInstance> = [
  related: ModelClass<R>,
  name: string,
  localKey?: Extract<keyof A, string>,
];

/** The model instances that `models` make: `Post | Video` for `[Post, Video]`. */
export type OwnerOf<Ms extends readonly ModelClass[]> = Ms[number] extends infer C
  ? C extends ModelClass<infer O>
    ? O
    : never
  : never;

/**
 * The relation factories every model has (`this.hasOne(...)`, `this.belongsToMany(...)`), for
 * its `<name>Relation()` methods. Each builds the relation bound to this model.
 */
export abstract class RelationFactories {
  /** A HasOne relation: the related model holds `foreignKey` pointing at this model's `localKey`. */
  hasOne<T extends ModelInstance, R extends ModelInstance, A extends object>(
    this: Calling<T, A>,
    ...args: HasOneOrManyArguments<A, R>
  ): HasOne<T, R> {
    return new HasOne(this, ...args);
  }

  /** A HasMany relation: each related model holds `foreignKey` pointing at this model's `localKey`. */
  hasMany<T extends ModelInstance, R extends ModelInstance, A extends object>(
    this: Calling<T, A>,
    ...args: HasOneOrManyArguments<A, R>
  ): HasMany<T, R> {
    return new HasMany(this, ...args);
  }

  /**
   * A BelongsToMany relation through a pivot table the Database derives (default name: the two
   * tables' singulars in alphabetical order, `post_tag`).
   */
  belongsToMany<
    T extends ModelInstance,
    R extends ModelInstance,
    Pivot extends object = Record<string, Key>,
  >(this: T, related: ModelClass<R>, options?: BelongsToManyOptions): BelongsToMany<T, R, Pivot> {
    return new BelongsToMany<T, R, Pivot>(this, related, options);
  }

  /**
   * A MorphToMany relation: this model's rows in the polymorphic pivot `<name>s` name its table
   * in `<name>_type` and its key in `<name>_id` (`morphToMany(Tag, 'taggable')`: `taggables`).
   */
  morphToMany<
    T extends ModelInstance,
    R extends ModelInstance,
    Pivot extends object = Record<string, Key>,
  >(
    this: T,
    related: ModelClass<R>,
    name: string,
    options?: Omit<BelongsToManyOptions, 'morph'>,
  ): MorphToMany<T, R, Pivot> {
    return new MorphToMany<T, R, Pivot>(this, related, name, false, options);
  }

  /**
   * The inverse of {@link morphToMany}: the models of `related`'s table paired with this one
   * through the polymorphic pivot `<name>s` (`morphedByMany(Post, 'taggable')` on Tag).
   */
  morphedByMany<
    T extends ModelInstance,
    R extends ModelInstance,
    Pivot extends object = Record<string, Key>,
  >(
    this: T,
    related: ModelClass<R>,
    name: string,
    options?: Omit<BelongsToManyOptions, 'morph'>,
  ): MorphToMany<T, R, Pivot> {
    return new MorphToMany<T, R, Pivot>(this, related, name, true, options);
  }

  /** A BelongsTo relation: this model holds `foreignKey` pointing at the owner's `ownerKey`. */
  belongsTo<T extends ModelInstance, R extends ModelInstance, A extends object>(
    this: Calling<T, A>,
    owner: ModelClass<R>,
    foreignKey?: Extract<keyof A, string>,
    ownerKey?: AttributeKey<R>,
  ): BelongsTo<T, R> {
    return new BelongsTo(this, owner, foreignKey, ownerKey);
  }

  /** A MorphOne relation: the related model holds `<name>_type` (this table) and `<name>_id`. */
  morphOne<T extends ModelInstance, R extends ModelInstance, A extends object>(
    this: Calling<T, A>,
    ...args: MorphOneOrManyArguments<A, R>
  ): MorphOne<T, R> {
    return new MorphOne(this, ...args);
  }

  /** A MorphMany relation: each related model holds `<name>_type` (this table) and `<name>_id`. */
  morphMany<T extends ModelInstance, R extends ModelInstance, A extends object>(
    this: Calling<T, A>,
    ...args: MorphOneOrManyArguments<A, R>
  ): MorphMany<T, R> {
    return new MorphMany(this, ...args);
  }

  /** A MorphTo relation: this model holds `<name>_type` and `<name>_id` naming an owner of `models`. */
  morphTo<T extends ModelInstance, const Ms extends readonly ModelClass[]>(
    this: T,
    name: string,
    models: Ms,
  ): MorphTo<T, OwnerOf<Ms>, Ms[number]['table']> {
    return new MorphTo(this, name, models as unknown as readonly ModelClass<OwnerOf<Ms>>[]);
  }

  /** A HasOneThrough relation: the first related model of the `through` models of this one. */
  hasOneThrough<
    T extends ModelInstance,
    R extends ModelInstance,
    Th extends ModelInstance,
    A extends object,
  >(
    this: Calling<T, A>,
    related: ModelClass<R>,
    through: ModelClass<Th>,
    ...keys: ThroughKeys<A, R, Th>
  ): HasOneThrough<T, R, Th> {
    return new HasOneThrough(this, related, through, ...keys);
  }

  /** A HasManyThrough relation: the related models of the `through` models of this one. */
  hasManyThrough<
    T extends ModelInstance,
    R extends ModelInstance,
    Th extends ModelInstance,
    A extends object,
  >(
    this: Calling<T, A>,
    related: ModelClass<R>,
    through: ModelClass<Th>,
    ...keys: ThroughKeys<A, R, Th>
  ): HasManyThrough<T, R, Th> {
    return new HasManyThrough(this, related, through, ...keys);
  }
}

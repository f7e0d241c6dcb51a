import type { AttributeKey, AttributesOf } from '../core/attribute-types.js';
import { assertAttributeSet, assertList } from '../core/storable.js';
import { describe } from '../core/values.js';
import { assertField, schemaError } from '../query/query-input.js';
import type { ModelInstance } from '../state/model-instance.js';
import { insertModels } from '../state/model-writes.js';
import { HasOneOfMany, type OfManyAggregate } from './has-one-of-many.js';
import { HasOneOrMany } from './has-one-or-many.js';

/**
 * Many related models per parent; the foreign key lives on each of them (a user has many posts:
 * `posts.user_id`). The Database gives that foreign key a plain index. Lists come in primary-key
 * order.
 * @example
 * postsRelation(): HasMany<User, Post> { return this.hasMany(Post, 'user_id', 'id'); }
 */
export class HasMany<
  P extends ModelInstance,
  R extends ModelInstance,
  PA = AttributesOf<P>,
> extends HasOneOrMany<P, R, R[], PA> {
  readonly toMany = true;

  /** The related model with the greatest `field` (ties: the greater primary key); read-only. */
  latestOfMany(field: AttributeKey<R>): HasOneOfMany<P, R> {
    return this.ofMany(field, 'max');
  }

  /** The related model with the least `field` (ties: the greater primary key); read-only. */
  oldestOfMany(field: AttributeKey<R>): HasOneOfMany<P, R> {
    return this.ofMany(field, 'min');
  }

  /** The related model with the greatest or least `field` (ties: the greater primary key). */
  ofMany(field: AttributeKey<R>, aggregate: OfManyAggregate): HasOneOfMany<P, R> {
    assertField(this.related, field);
    if (aggregate !== 'max' && aggregate !== 'min') {
      throw schemaError(
        this.related,
        `ofMany() takes 'max' or 'min', not ${describe(aggregate)}`,
        field,
      );
    }
    return new HasOneOfMany(this, field, aggregate);
  }

  /**
   * Inserts related models, each with the parent's key as foreign key, in one bulk write and one
   * transaction, their keys read back. @throws UnsavedModelError when the parent has no key.
   */
  async createMany(list: readonly Partial<AttributesOf<R>>[]): Promise<R[]> {
    const key = this.requireParentKey('createMany');
    assertList(list, this.relatedOwner(), `${this.describe()}: createMany()`);
    for (const attributes of list) {
      assertAttributeSet(attributes, this.relatedOwner(), `${this.describe()}: createMany()`);
    }
    const models = list.map((attributes) => {
      const model = this.build(attributes);
      this.writeKeys(model, key);
      return model;
    });
    const runtime = this.runtime();
    await this.inTransaction(() => insertModels(runtime.contextOf(this.related), models));
    return models;
  }

  /** Sets each model's foreign key to the parent's key and saves them all, in one transaction. */
  async saveMany(models: readonly R[]): Promise<R[]> {
    const key = this.requireParentKey('saveMany');
    assertList(models, this.relatedOwner(), `${this.describe()}: saveMany()`);
    for (const model of models) this.assertRelatedModel(model, 'saveMany()');
    return this.inTransaction(async () => {
      for (const model of models) await this.attach(model, key);
      return [...models];
    });
  }

  /**
   * The first related model (primary-key order) whose attributes equal every field of `search`,
   * else one created from `{ ...search, ...values }`; one transaction.
   */
  async firstOrCreate(
    search: Partial<AttributesOf<R>>,
    values: Partial<AttributesOf<R>> = {},
  ): Promise<R> {
    this.requireParentKey('firstOrCreate');
    return this.inTransaction(
      async () =>
        (await this.query().where(search).first()) ?? this.create({ ...search, ...values }),
    );
  }

  /** Fills the first match with `values` and saves it, else creates it; one transaction. */
  async updateOrCreate(
    search: Partial<AttributesOf<R>>,
    values: Partial<AttributesOf<R>>,
  ): Promise<R> {
    this.requireParentKey('updateOrCreate');
    return this.inTransaction(async () => {
      const existing = await this.query().where(search).first();
      if (!existing) return this.create({ ...search, ...values });
      existing.fill(values as never);
      await existing.save();
      return existing;
    });
  }

  protected async assertCanAttach(): Promise<void> {}
}

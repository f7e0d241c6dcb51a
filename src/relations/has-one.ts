import type { AttributesOf } from '../core/attribute-types.js';
import { UniqueConstraintError } from '../core/errors.js';
import { describe, type Key, sameValue } from '../core/values.js';
import type { ModelInstance } from '../state/model-instance.js';
import { HasOneOrMany } from './has-one-or-many.js';

/**
 * One related model per parent; the foreign key lives on the related model
 * (a user has one profile: `profiles.user_id`). The Database gives that foreign key a unique index.
 * @example
 * profileRelation(): HasOne<User, Profile> { return this.hasOne(Profile, 'user_id', 'id'); }
 */
export class HasOne<
  P extends ModelInstance,
  R extends ModelInstance,
  PA = AttributesOf<P>,
> extends HasOneOrMany<P, R, R | null, PA> {
  readonly toMany = false;

  /**
   * Sets the related model's foreign key to null and saves it, in one transaction; with nothing
   * related it resolves and writes nothing.
   */
  async dissociate(): Promise<void> {
    if (this.parentKey() === undefined) return;
    await this.inTransaction(async () => {
      const related = await this.getResults();
      if (!related) return;
      this.writeKeys(related, null);
      await related.save();
    });
  }

  /** The related model if there is one, otherwise one created from `attributes`; one transaction. */
  async firstOrCreate(attributes: Partial<AttributesOf<R>>): Promise<R> {
    this.requireParentKey('firstOrCreate');
    return this.inTransaction(async () => (await this.getResults()) ?? this.create(attributes));
  }

  /** Fills and saves the related model if there is one, otherwise creates it; one transaction. */
  async updateOrCreate(attributes: Partial<AttributesOf<R>>): Promise<R> {
    const key = this.requireParentKey('updateOrCreate');
    return this.inTransaction(async () => {
      const existing = await this.getResults();
      if (!existing) return this.create(attributes);
      existing.fill(attributes as never);
      this.writeKeys(existing, key);
      await existing.save();
      return existing;
    });
  }

  protected async assertCanAttach(model: R, key: Key): Promise<void> {
    const existing = await this.getResults();
    if (!existing) return;
    const ownKey = model.getKey();
    if (ownKey !== undefined && sameValue(existing.getKey(), ownKey)) return;
    const parentName = (this.parent.constructor as { name: string }).name;
    throw new UniqueConstraintError(
      `${this.describe()}: ${this.foreignKey} = ${describe(key)} already has a ${this.related.name} ` +
        `(${describe(existing.getKey())}); a ${parentName} has one ${this.related.name}`,
      { model: this.related.name, table: this.related.table, field: this.foreignKey, key },
    );
  }
}

import { UnsavedModelError } from '../errors.js';
import { contextOf, type Row } from '../model/context.js';
import type { AttributeKey, AttributesOf, ModelBase } from '../model/model.js';
import type { ModelClass } from '../model/model-class.js';
import { defaultForeignKey } from '../model/naming.js';
import { describe, type Key } from '../model/values.js';
import type { QueryBuilder } from '../query/query-builder.js';
import { distinctKeys, shareKeyOf } from './key-dictionary.js';
import { type IndexRequirement, Relation } from './relation.js';

/**
 * What HasOne (and HasMany) share: the related models hold `foreignKey`, pointing at the parent's
 * `localKey`. Writes through the relation set that foreign key, inside one readwrite transaction.
 */
export abstract class HasOneOrMany<
  P extends ModelBase,
  R extends ModelBase,
  Result,
> extends Relation<P, R, Result> {
  /** The attribute of the related model that points at the parent (default `<parent>_<key>`). */
  readonly foreignKey: string;
  /** The parent's attribute the foreign key holds (default its primary key). */
  readonly localKey: string;

  constructor(parent: P, related: ModelClass<R>, foreignKey?: string, localKey?: string) {
    super(parent, related);
    const parentModel = parent.constructor as ModelClass;
    this.localKey = localKey ?? parentModel.primaryKey;
    this.foreignKey = foreignKey ?? defaultForeignKey(parentModel.table, parentModel.primaryKey);
  }

  /** Whether a parent may hold several related models; a one-to-one relation enforces one. */
  protected abstract readonly unique: boolean;

  /** The parent's key value, or undefined while the parent has none. */
  parentKey(): Key | undefined {
    const key = (this.parent as unknown as Row)[this.localKey];
    return key == null ? undefined : (key as Key);
  }

  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const key = this.parentKey();
    const field = this.foreignKey as AttributeKey<R>;
    // A parent without a key relates to nothing, not to the records whose foreign key is null.
    return key === undefined ? query.whereIn(field, []) : query.where(field, key as never);
  }

  addEagerConstraints(query: QueryBuilder<R>, parents: readonly P[]): QueryBuilder<R> {
    const keys = distinctKeys(parents, (parent) => (parent as unknown as Row)[this.localKey]);
    return query.whereIn(this.foreignKey as AttributeKey<R>, keys as never[]);
  }

  indexRequirements(): IndexRequirement[] {
    return [{ model: this.related, field: this.foreignKey, unique: this.unique }];
  }

  /**
   * Inserts a related model whose foreign key is the parent's key (it wins over any foreign key
   * in `attributes`).
   * @throws UnsavedModelError when the parent has no key.
   */
  async create(attributes: Partial<AttributesOf<R>>): Promise<R> {
    const key = this.requireParentKey('create');
    const build = this.related as unknown as new (attributes: Partial<AttributesOf<R>>) => R;
    return this.attach(new build(attributes), key);
  }

  /**
   * Sets the model's foreign key to the parent's key and saves it.
   * @throws UnsavedModelError when the parent has no key.
   */
  async save(model: R): Promise<R> {
    return this.attach(model, this.requireParentKey('save'));
  }

  /**
   * Sets the model's foreign key to the parent's key and returns it; writes nothing.
   * @throws UnsavedModelError when the parent has no key.
   */
  associate(model: R): R {
    (model as unknown as Row)[this.foreignKey] = this.requireParentKey('associate');
    return model;
  }

  protected canLookUp(): boolean {
    return this.parentKey() !== undefined;
  }

  protected shareKey(): string {
    return `${this.related.table}\u0000${this.foreignKey}\u0000${shareKeyOf(this.parentKey())}`;
  }

  /**
   * Checks, inside the write's transaction, that `model` may be attached to the parent with `key`;
   * rejects to stop the write.
   */
  protected abstract assertCanAttach(model: R, key: Key): Promise<void>;

  /** Runs `fn` in one readwrite transaction over the related table. */
  protected inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    const context = contextOf(this.related);
    return context.runtime.write([context.tableName], fn, context, true);
  }

  /** Sets the foreign key and saves, with the check in the same transaction; undone on failure. */
  protected async attach(model: R, key: Key): Promise<R> {
    const attributes = model as unknown as Row;
    const hadForeignKey = Object.hasOwn(attributes, this.foreignKey);
    const previous = attributes[this.foreignKey];
    try {
      return await this.inTransaction(async () => {
        await this.assertCanAttach(model, key);
        attributes[this.foreignKey] = key;
        return model.save();
      });
    } catch (error) {
      if (hadForeignKey) attributes[this.foreignKey] = previous;
      else delete attributes[this.foreignKey];
      throw error;
    }
  }

  protected requireParentKey(action: string): Key {
    const key = this.parentKey();
    if (key !== undefined) return key;
    const parentModel = this.parent.constructor as ModelClass;
    throw new UnsavedModelError(
      `${this.describe()}: cannot ${action} through a ${parentModel.name} that has no ` +
        `"${this.localKey}" yet (${describe(key)}); save the ${parentModel.name} first`,
      { model: parentModel.name, table: parentModel.table, field: this.localKey },
    );
  }

  /** `HasOne User → Profile (profiles.user_id)`, for messages. */
  protected describe(): string {
    const parentModel = this.parent.constructor as ModelClass;
    return `${this.constructor.name} ${parentModel.name} → ${this.related.name} (${this.related.table}.${this.foreignKey})`;
  }
}

import type { AttributeKey, AttributesOf, WithAttributes } from '../core/attribute-types.js';
import { SchemaError, UnsavedModelError, ValidationError } from '../core/errors.js';
import { assertAttributeSet } from '../core/storable.js';
import { describe, type Key } from '../core/values.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import {
  newModel,
  readAttribute,
  removeAttribute,
  runtimeOf,
  setRuntime,
  writeAttribute,
} from '../state/model-state.js';
import { ForeignKeyLink, type MorphType } from './foreign-key-link.js';
import { KeyedRelation, type KeyLink } from './keyed-relation.js';
import type { ExistenceJoin } from './relation.js';
import { DELETE_RULES, type DeleteRule, type RelationRequirements } from './requirements.js';

/**
 * What HasOne (and HasMany) share: the related models hold `foreignKey`, pointing at the parent's
 * `localKey`. Writes through the relation set that foreign key, inside one readwrite transaction.
 */
export abstract class HasOneOrMany<
  P extends ModelInstance,
  R extends ModelInstance,
  Result,
  PA = AttributesOf<P>,
> extends KeyedRelation<P, R, Result> {
  /** The attribute of the related model that points at the parent (default `<parent>_<key>`). */
  readonly foreignKey: string;
  /** The parent's attribute the foreign key holds (default its primary key). */
  readonly localKey: string;
  /**
   * For a polymorphic kind: the related models' attribute naming the parent's table, and that
   * table (`commentable_type = 'posts'`), so that parents of several tables share one column.
   */
  readonly morphType: MorphType | undefined;

  /**
   * `parent`'s `localKey` (default its primary key) held by `related`'s `foreignKey` (default
   * `<singular parent table>_<its primary key>`); both checked against the attributes at compile
   * time. `morphName` is for the polymorphic kinds.
   */
  constructor(
    parent: WithAttributes<P, PA>,
    related: ModelClass<R>,
    foreignKey?: AttributeKey<R>,
    localKey?: Extract<keyof PA, string>,
    morphName?: string,
  ) {
    super(parent, related, localKey);
    const parentModel = parent.constructor as ModelClass;
    this.#link = ForeignKeyLink.of(parentModel, related, foreignKey, localKey, morphName);
    ({
      foreignKey: this.foreignKey,
      localKey: this.localKey,
      morphType: this.morphType,
    } = this.#link);
    this.link = {
      parentField: this.localKey,
      relatedField: this.foreignKey,
      morphType: this.morphType,
    };
  }

  protected readonly link: KeyLink;

  /** What the schema knows of the foreign key. */
  readonly #link: ForeignKeyLink;

  #deleteRule: DeleteRule = 'noAction';

  /** The parent's key value, or undefined while the parent has none. */
  parentKey(): Key | undefined {
    return this.lookupKey();
  }

  override existenceJoin(): ExistenceJoin | undefined {
    return this.morphType
      ? undefined
      : { relatedField: this.foreignKey, parentField: this.localKey };
  }

  /**
   * What deleting the parent does to its related models, enforced inside the delete's
   * transaction however the delete is issued (default `'noAction'`).
   * @throws SchemaError for a rule that is not one of {@link DeleteRule}.
   * @example postsRelation() { return this.hasMany(Post, 'user_id').onDelete('cascade'); }
   */
  onDelete(rule: DeleteRule): this {
    if (!DELETE_RULES.has(rule)) {
      const parentModel = this.parent.constructor as ModelClass;
      throw new SchemaError(
        `${this.describe()}: onDelete() takes 'cascade', 'setNull', 'restrict' or 'noAction', ` +
          `not ${describe(rule)}`,
        { model: parentModel.name, table: parentModel.table, field: this.foreignKey },
      );
    }
    this.#deleteRule = rule;
    return this;
  }

  /** The rule set by {@link onDelete}. */
  get deleteRule(): DeleteRule {
    return this.#deleteRule;
  }

  /** Its foreign key's index (unique for a one-to-one kind) and type, and the delete rule. */
  requirements(name: string): RelationRequirements {
    const parentModel = this.parent.constructor as ModelClass;
    const relation = `${this.constructor.name} ${parentModel.name}.${name}`;
    return {
      tables: [this.#link.index(!this.toMany)],
      foreignKeys: [this.#link.column()],
      deleteEffects: this.#link.deleteEffects(this.#deleteRule, relation),
    };
  }

  /**
   * Inserts a related model whose foreign key is the parent's key (it wins over any foreign key
   * in `attributes`).
   * @throws UnsavedModelError when the parent has no key.
   */
  async create(attributes: Partial<AttributesOf<R>>): Promise<R> {
    assertAttributeSet(attributes, this.relatedOwner(), `${this.describe()}: create()`);
    const key = this.requireParentKey('create');
    return this.attach(this.build(attributes), key);
  }

  /** A new, unsaved related model filled with `attributes`. */
  protected build(attributes: Partial<AttributesOf<R>>): R {
    return newModel(this.related, attributes, this.runtime());
  }

  /**
   * Sets the model's foreign key to the parent's key and saves it.
   * @throws UnsavedModelError when the parent has no key.
   */
  async save(model: R): Promise<R> {
    this.assertRelatedModel(model, 'save()');
    return this.attach(model, this.requireParentKey('save'));
  }

  /**
   * Sets the model's foreign key to the parent's key and returns it; writes nothing.
   * @throws UnsavedModelError when the parent has no key.
   */
  associate(model: R): R {
    this.writeKeys(model, this.requireParentKey('associate'));
    return model;
  }

  /** Points `model` at the parent with `key` (or at nothing, with null); writes nothing. */
  protected writeKeys(model: R, key: Key | null): void {
    writeAttribute(model, this.foreignKey, key);
    if (this.morphType) {
      writeAttribute(model, this.morphType.column, key === null ? null : this.morphType.table);
    }
  }

  /**
   * Checks, inside the write's transaction, that `model` may be attached to the parent with `key`;
   * rejects to stop the write.
   */
  protected abstract assertCanAttach(model: R, key: Key): Promise<void>;

  /** Runs `fn` in one readwrite transaction over the related table, on the parent's Database. */
  protected inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    const runtime = this.runtime();
    const context = runtime.contextOf(this.related);
    return runtime.write([context.tableName], fn, context, true);
  }

  /** Sets the foreign key and saves, with the check in the same transaction; undone on failure. */
  protected async attach(model: R, key: Key): Promise<R> {
    const columns = this.morphType ? [this.foreignKey, this.morphType.column] : [this.foreignKey];
    const previous = columns.map(
      (column) => [column, Object.hasOwn(model, column), readAttribute(model, column)] as const,
    );
    if (!runtimeOf(model)) setRuntime(model, this.runtime());
    try {
      return await this.inTransaction(async () => {
        await this.assertCanAttach(model, key);
        this.writeKeys(model, key);
        await model.save();
        return model;
      });
    } catch (error) {
      for (const [column, had, value] of previous) {
        if (had) writeAttribute(model, column, value);
        else removeAttribute(model, column);
      }
      throw error;
    }
  }

  /** The related model and table, for messages. @internal */
  protected relatedOwner(): { model: string; table: string } {
    return { model: this.related.name, table: this.related.table };
  }

  /** Throws a ValidationError unless `model` is an instance of the related model. */
  protected assertRelatedModel(model: unknown, call: string): asserts model is R {
    if (model instanceof this.related) return;
    const hint = Array.isArray(model) ? ' (for several, use saveMany())' : '';
    throw new ValidationError(
      `${this.describe()}: ${call} takes a ${this.related.name}, not ${describe(model)}${hint}`,
      this.relatedOwner(),
    );
  }

  /** The parent's key, for `action`. @throws UnsavedModelError when the parent has none. */
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
  protected override describe(): string {
    return `${super.describe()} (${this.related.table}.${this.foreignKey})`;
  }
}

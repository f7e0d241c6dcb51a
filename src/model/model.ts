import type { Observable } from 'rxjs';
import { of } from 'rxjs';
import type { attributesType, NumericKey } from '../core/attribute-types.js';
import { ValidationError } from '../core/errors.js';
import { assertAttributeSet, RESERVED_NAMES } from '../core/storable.js';
import { defineValue, type Key, type Row } from '../core/values.js';
import { refreshModel } from '../query/find.js';
import { QueryBuilder } from '../query/query-builder.js';
import { incrementModel } from '../state/increments.js';
import type {
  ModelHooks,
  ModelSchema,
  SoftDeletesSetting,
  TimestampsSetting,
} from '../state/lifecycle.js';
import { softDeleteColumn } from '../state/lifecycle.js';
import type { KeyTypeSetting, ModelClass } from '../state/model-class.js';
import { contextFor } from '../state/model-runtime.js';
import {
  applyDefaults,
  dirtyOf,
  initState,
  isHydrating,
  isModel,
  keyAttribute,
  loadedOf,
  originalOf,
  readAttribute,
  recordOf,
  unsetLoaded,
} from '../state/model-state.js';
import { deleteModel, restoreModel, saveModel, touchModel } from '../state/model-writes.js';
import { ownerOfClass } from './key-statics.js';
import { RelationLoading } from './relation-loading.js';

/**
 * The base of every model: attributes as own properties, dirty tracking against what was last
 * read or written, persistence through the Database the model belongs to (the one it was read
 * from or saved to; for a new model, the one serving its class).
 * Extend it through {@link Model}: `class User extends Model<UserAttributes> {}`.
 */
export class ModelBase<A extends object = object> extends RelationLoading {
  /** The attribute interface, for the type system only: never set. */
  declare readonly [attributesType]?: A;

  /** The IndexedDB table of this model. Required on every model class. */
  declare static table: string;
  /** The primary key attribute. */
  static primaryKey = 'id';
  /** How keys are produced: `'auto'` (auto-increment), `'uuid'` or `'manual'`. */
  static keyType: KeyTypeSetting = 'auto';
  /** Extra Dexie index specs; foreign-key indexes are added by the Database. */
  static indexes: readonly string[] = [];
  /**
   * Attribute values a new model starts with (`new`, `create()`), each replaced by a value given
   * for it and never applied to stored records. Declare defaults here, not as class fields: a
   * class field would override what is passed to the constructor.
   * @example static override defaults = { done: false, tags: [] };
   */
  static defaults: Readonly<Record<string, unknown>> = {};
  /**
   * The name error messages use for the model. Set it when the build minifies class names
   * (otherwise messages read `ar (table "users")`); the table is named either way.
   */
  static modelName: string | undefined;
  /**
   * Stamps `created_at` and `updated_at` (Dates) on every write that changes something: true, or
   * the column names `{ createdAt, updatedAt }`.
   */
  static timestamps: TimestampsSetting = false;
  /**
   * Makes `delete()` stamp `deleted_at` (true) or the column named, instead of removing the record;
   * every read then leaves trashed models out unless it says `withTrashed()`. Declare the column
   * as an attribute typed `Date | null`.
   */
  static softDeletes: SoftDeletesSetting = false;
  /**
   * Global scopes: named constraints on every read, each lifted by `withoutGlobalScope(name)`.
   * Annotate with `GlobalScopes<YourModel>`.
   */
  static scopes: Readonly<Record<string, (query: never) => unknown>> = {};
  /** Functions called for every model written, in the write's transaction. Annotate with `ModelHooks<YourModel>`. */
  static hooks: ModelHooks<never> = {};
  /**
   * A Standard Schema v1 validator every write runs (after the `-ing` hooks and timestamps).
   * Annotate with `ModelSchema<YourAttributes>` to have its output checked against them.
   */
  static schema: ModelSchema<unknown> | undefined;
  /** BelongsTo relation names whose owners' `updated_at` each write of this model sets. */
  static touches: readonly string[] = [];

  /** Makes an unsaved model, optionally filled with `attributes`. */
  constructor(attributes?: Partial<A>) {
    super();
    initState(this);
    const model = this.constructor as ModelClass;
    if (attributes !== undefined) {
      assertAttributeSet(attributes, ownerOfClass(model), `new ${model.name}()`);
    }
    if (!isHydrating()) applyDefaults(this, model.defaults, attributes);
    if (attributes) this.fill(attributes);
  }

  // ---- instance: attributes ------------------------------------------------------------------

  /** True once the model is stored (after save, create, or when read from the database). */
  get exists(): boolean {
    return originalOf(this) !== undefined;
  }

  /** The primary key value, or undefined before the first save of an auto/uuid model. */
  getKey(): Key | undefined {
    return keyAttribute(this, (this.constructor as ModelClass).primaryKey);
  }

  /**
   * Assigns attributes. A name that held a loaded relation or extra value becomes an attribute.
   * @throws ValidationError for a reserved name or one that is a member of the model.
   */
  fill(attributes: Partial<A>): this {
    const model = this.constructor as ModelClass;
    assertAttributeSet(attributes, ownerOfClass(model), 'fill()');
    for (const name of Object.keys(attributes)) {
      if (RESERVED_NAMES.has(name) || (name in this && !Object.hasOwn(this, name))) {
        throw new ValidationError(
          `${model.name} (table "${String(model.table)}"): "${name}" ` +
            (RESERVED_NAMES.has(name) ? 'is a reserved name' : 'is a member of the model') +
            ' and cannot be an attribute',
          { model: model.name, table: model.table, field: name },
        );
      }
      unsetLoaded(this, name);
      (this as unknown as Row)[name] = (attributes as Row)[name];
    }
    return this;
  }

  /** True when any attribute (or the one named) differs from what was last stored. */
  isDirty(field?: keyof A & string): boolean {
    const dirty = dirtyOf(this);
    return field === undefined ? Object.keys(dirty).length > 0 : Object.hasOwn(dirty, field);
  }

  /** The attributes that differ from what was last stored (all of them before the first save). */
  getDirty(): Partial<A> {
    return dirtyOf(this) as Partial<A>;
  }

  /** Plain attributes, plus loaded relations as nested plain objects and extra values as they are. */
  toJSON(): A {
    const json = recordOf(this);
    for (const [name, kind] of Object.entries(loadedOf(this) ?? {})) {
      const value = readAttribute(this, name);
      defineValue(json, name, kind === 'extra' ? value : plain(value));
    }
    return json as A;
  }

  /**
   * Adds `by` (default 1) to the numeric attribute `field` of the stored record, read and written
   * in one transaction, so that two tabs incrementing at once both count; the model takes the
   * stored result. Runs no hook; stamps `updated_at` with timestamps.
   * @throws ModelNotFoundError when the record is gone; ValidationError for a non-number.
   */
  async increment(field: NumericKey<A>, by = 1): Promise<this> {
    await incrementModel(this, field, by);
    return this;
  }

  /** {@link increment} by `-by`. */
  async decrement(field: NumericKey<A>, by = 1): Promise<this> {
    await incrementModel(this, field, -by);
    return this;
  }

  // ---- instance: persistence -----------------------------------------------------------------

  /**
   * Inserts the model, or writes its changed attributes. Resolves to the model, its key set.
   * @throws ValidationError for a value IndexedDB cannot store; UniqueConstraintError on a unique index.
   */
  async save(): Promise<this> {
    await saveModel(this);
    return this;
  }

  /**
   * Deletes the stored record; a soft-deleting model is stamped trashed instead, and its delete
   * rules applied as a soft delete applies them. @throws UnsavedModelError when it has no key.
   */
  delete(): Promise<void> {
    return deleteModel(this);
  }

  /** Removes the stored record, even of a soft-deleting model (the delete rules apply). */
  forceDelete(): Promise<void> {
    return deleteModel(this, true);
  }

  /** True when the model (of a soft-deleting class) is trashed. */
  trashed(): boolean {
    const column = softDeleteColumn(this.constructor as ModelClass);
    return column !== undefined && readAttribute(this, column) != null;
  }

  /**
   * Restores a trashed model, and what its soft delete's cascade trashed with it.
   * @throws SchemaError for a model without soft deletes; UnsavedModelError without a key.
   */
  async restore(): Promise<this> {
    await restoreModel(this);
    return this;
  }

  /** Sets `updated_at` alone (and touches `static touches` owners). @throws ValidationError without timestamps. */
  async touch(): Promise<this> {
    await touchModel(this);
    return this;
  }

  /**
   * Re-reads the attributes (and reloads loaded relations) from the database.
   * @throws ModelNotFoundError when the record is gone; UnsavedModelError without a key.
   */
  async refresh(): Promise<this> {
    await refreshModel(this);
    return this;
  }

  /** A live view of this record: emits the model after each committed change, null once deleted. */
  observe(): Observable<this | null> {
    const key = this.getKey();
    if (key === undefined) return of(null);
    const context = contextFor(this);
    const model = this.constructor as ModelClass<this>;
    // Planned like every query: one get of the primary key, unless scopes constrain the model.
    return new QueryBuilder(model, context.runtime)
      .where(context.primaryKey as never, key as never)
      .observeFirst();
  }
}

/**
 * The model base class to extend, typed so that attributes are properties of the instance:
 * @example
 * class User extends Model<{ id?: number; name: string }> { static table = 'users'; }
 * const user = await User.create({ name: 'Ada' }); user.name; // string
 */
export type Model<A extends object = object> = ModelBase<A> & A;

/** The constructor type of {@link Model}: generic over the attribute interface. */
export interface ModelConstructor extends Omit<typeof ModelBase, 'prototype'> {
  new <A extends object = object>(attributes?: Partial<A>): Model<A>;
  /** The prototype every model instance inherits from. */
  readonly prototype: ModelBase;
}

/** See {@link Model}. */
export const Model: ModelConstructor = ModelBase as unknown as ModelConstructor;

/** A loaded relation as JSON: models as their `toJSON()`, lists item by item. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  return isModel(value) ? (value as ModelBase).toJSON() : null;
}

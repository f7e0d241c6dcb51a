import type { Observable } from 'rxjs';
import { of } from 'rxjs';
import { ModelNotFoundError, UnsavedModelError, ValidationError } from '../errors.js';
import type { LiveComparison } from '../live/live-observable.js';
import type { WhereOperator } from '../query/clause.js';
import { QueryBuilder } from '../query/query-builder.js';
import { BelongsTo } from '../relations/belongs-to.js';
import { eagerLoad } from '../relations/eager-loader.js';
import { HasOne } from '../relations/has-one.js';
import { shareKeyOf } from '../relations/key-dictionary.js';
import type { RelationPath, WithRelations } from '../relations/relation-types.js';
import { contextOf, type ModelContext, ownerOf, type Row } from './context.js';
import type { KeyTypeSetting, ModelClass } from './model-class.js';
import { snapshot, withChanges } from './records.js';
import { describeConflict } from './unique-conflict.js';
import {
  assertStorable,
  assertValidKey,
  cloneValue,
  defineValue,
  describe,
  type Key,
  RESERVED_NAMES,
  sameValue,
} from './values.js';

declare const attributesType: unique symbol;

/** The attribute interface a model was declared with: `AttributesOf<User>` is `UserAttributes`. */
export type AttributesOf<M> = M extends { readonly [attributesType]?: infer A } ? A : never;

/** The attribute names of a model, as strings. */
export type AttributeKey<M> = Extract<keyof AttributesOf<M>, string>;

/** Turns a stored row into a model instance. Set by ModelBase's static block. */
export let hydrate: <M extends ModelBase>(model: ModelClass<M>, row: Row) => M;

/**
 * Where a model keeps the names of its own properties that hold loaded relations rather than
 * attributes. A symbol key stays out of `Object.keys`, `for…in` and JSON, and is only added to
 * models that load a relation, so the others carry no slot for it.
 */
const relationNames: unique symbol = Symbol('dexorm.relationNames');

interface WithRelationNames {
  [relationNames]?: Set<string>;
}

/** The names of the relations loaded on `model`, if any. */
function loadedOn(model: ModelBase): Set<string> | undefined {
  return (model as WithRelationNames)[relationNames];
}

/**
 * How live observers compare results: by the stored rows behind the models (and their loaded
 * relations), captured when emitted. Rows are never edited in place, so a snapshot holds.
 */
export let liveComparison: LiveComparison<unknown>;

/**
 * The base of every model: attributes as own properties, dirty tracking against what was last
 * read or written, persistence through the Database the model class is registered with.
 * Extend it through {@link Model}: `class User extends Model<UserAttributes> {}`.
 */
export class ModelBase<A extends object = object> {
  declare readonly [attributesType]?: A;

  /** The IndexedDB table of this model. Required on every model class. */
  declare static table: string;
  /** The primary key attribute. */
  static primaryKey = 'id';
  /** How keys are produced: `'auto'` (auto-increment), `'uuid'` or `'manual'`. */
  static keyType: KeyTypeSetting = 'auto';
  /** Extra Dexie index specs; foreign-key indexes are added by the Database. */
  static indexes: readonly string[] = [];

  /** The attributes as last read from or written to the database; undefined until persisted. */
  #original: Row | undefined;

  static {
    hydrate = <M extends ModelBase>(model: ModelClass<M>, row: Row): M => {
      const instance = new model();
      instance.#original = row;
      for (const name in row) {
        const value = row[name];
        if (typeof value === 'object' && value !== null)
          defineValue(instance, name, cloneValue(value));
        else if (name === '__proto__') defineValue(instance, name, value);
        else (instance as unknown as Row)[name] = value;
      }
      return instance;
    };
    const contentOf = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(contentOf);
      if (!(value instanceof ModelBase)) return value;
      const relations = [...(loadedOn(value) ?? [])].sort();
      return {
        model: value.constructor,
        row: value.#original,
        relations: relations.map((name) => [name, contentOf(value.#get(name))]),
      };
    };
    liveComparison = { contentOf, sameContent: sameValue };
  }

  /** Makes an unsaved model, optionally filled with `attributes`. */
  constructor(attributes?: Partial<A>) {
    if (attributes) this.fill(attributes);
  }

  // ---- statics -------------------------------------------------------------------------------

  /** The model with this primary key, or null. @throws ValidationError for an invalid key. */
  static find<M extends ModelBase>(this: ModelClass<M>, key: Key): Promise<M | null> {
    return findByKey(this, key);
  }

  /** The model with this primary key. @throws ModelNotFoundError when there is none. */
  static async findOrFail<M extends ModelBase>(this: ModelClass<M>, key: Key): Promise<M> {
    const found = await findByKey(this, key);
    if (found) return found;
    throw notFound(contextOf(this), key);
  }

  /** The models with these keys, in the order given; missing keys are skipped. */
  static async findMany<M extends ModelBase>(
    this: ModelClass<M>,
    keys: readonly Key[],
  ): Promise<M[]> {
    const context = contextOf(this);
    for (const key of keys) assertValidKey(key, ownerOf(context), context.primaryKey);
    if (keys.length === 0) return [];
    let rows: (Row | undefined)[];
    try {
      rows = await context.table.bulkGet(keys as Key[]);
    } catch (error) {
      throw context.runtime.readFailed(error, context);
    }
    const models: M[] = [];
    for (const row of rows) if (row) models.push(hydrate(this, row));
    return models;
  }

  /** Inserts a model built from `attributes` and returns it with its key. */
  static async create<M extends ModelBase>(
    this: ModelClass<M>,
    attributes: Partial<AttributesOf<M>>,
  ): Promise<M> {
    const model = new (this as unknown as new (attributes: Partial<AttributesOf<M>>) => M)(
      attributes,
    );
    return model.save();
  }

  /** Inserts all models in one bulk write and one transaction: all are stored, or none. */
  static async createMany<M extends ModelBase>(
    this: ModelClass<M>,
    attributesList: readonly Partial<AttributesOf<M>>[],
  ): Promise<M[]> {
    const context = contextOf(this);
    const build = this as unknown as new (attributes: Partial<AttributesOf<M>>) => M;
    const models = attributesList.map((attributes) => new build(attributes));
    const records = models.map((model) => model.#insertRecord(context));
    if (records.length === 0) return models;
    const keys = await context.runtime.write(
      [context.tableName],
      () => context.table.bulkAdd(records, { allKeys: true }) as Promise<Key[]>,
      context,
    );
    models.forEach((model, i) => {
      model.#inserted(context, records[i]!, keys[i]!);
    });
    return models;
  }

  /** Every model of this class, in primary key order. */
  static all<M extends ModelBase>(this: ModelClass<M>): Promise<M[]> {
    return new QueryBuilder(this).get();
  }

  /** A new query over this model's table. */
  static query<M extends ModelBase>(this: ModelClass<M>): QueryBuilder<M> {
    return new QueryBuilder(this);
  }

  /** Shortcut for `query().where(...)`. */
  static where<M extends ModelBase, K extends AttributeKey<M>>(
    this: ModelClass<M>,
    field: K,
    value: AttributesOf<M>[K] | null,
  ): QueryBuilder<M>;
  static where<M extends ModelBase, K extends AttributeKey<M>>(
    this: ModelClass<M>,
    field: K,
    operator: WhereOperator,
    value: unknown,
  ): QueryBuilder<M>;
  static where<M extends ModelBase>(
    this: ModelClass<M>,
    conditions: Partial<AttributesOf<M>>,
  ): QueryBuilder<M>;
  static where<M extends ModelBase>(
    this: ModelClass<M>,
    ...args: [string, unknown] | [string, WhereOperator, unknown] | [object]
  ): QueryBuilder<M> {
    const query = new QueryBuilder(this);
    return (query.where as (...where: typeof args) => QueryBuilder<M>).apply(query, args);
  }

  /** The number of stored models of this class. */
  static count<M extends ModelBase>(this: ModelClass<M>): Promise<number> {
    return new QueryBuilder(this).count();
  }

  // ---- instance: attributes ------------------------------------------------------------------

  /** True once the model is stored (after save, create, or when read from the database). */
  get exists(): boolean {
    return this.#original !== undefined;
  }

  /** The primary key value, or undefined before the first save of an auto/uuid model. */
  getKey(): Key | undefined {
    const key = this.#get((this.constructor as ModelClass).primaryKey);
    return key == null ? undefined : (key as Key);
  }

  /**
   * Assigns attributes. Loaded relations are not attributes and are left alone.
   * @throws ValidationError for a reserved name or one that is a member of the model.
   */
  fill(attributes: Partial<A>): this {
    const model = this.constructor as ModelClass;
    for (const name of Object.keys(attributes)) {
      if (RESERVED_NAMES.has(name) || (name in this && !Object.hasOwn(this, name))) {
        throw new ValidationError(
          `${model.name} (table "${String(model.table)}"): "${name}" ` +
            (RESERVED_NAMES.has(name) ? 'is a reserved name' : 'is a member of the model') +
            ' and cannot be an attribute',
          { model: model.name, table: model.table, field: name },
        );
      }
      loadedOn(this)?.delete(name);
      (this as unknown as Row)[name] = (attributes as Row)[name];
    }
    return this;
  }

  /** True when any attribute (or the one named) differs from what was last stored. */
  isDirty(field?: keyof A & string): boolean {
    const dirty = this.getDirty();
    return field === undefined ? Object.keys(dirty).length > 0 : Object.hasOwn(dirty, field);
  }

  /** The attributes that differ from what was last stored (all of them before the first save). */
  getDirty(): Partial<A> {
    const dirty: Row = {};
    const original = this.#original;
    for (const name of this.#attributeNames()) {
      const value = this.#get(name);
      // An undefined attribute is not stored, so it only differs from a stored value.
      if (original ? !sameValue(original[name], value) : value !== undefined) {
        defineValue(dirty, name, value);
      }
    }
    if (original) {
      for (const name of Object.keys(original)) {
        if (!Object.hasOwn(this, name) && original[name] !== undefined) {
          defineValue(dirty, name, undefined);
        }
      }
    }
    return dirty as Partial<A>;
  }

  /** Plain attributes, plus loaded relations as nested plain objects. */
  toJSON(): A {
    const json = this.#record();
    for (const name of loadedOn(this) ?? []) {
      const value = this.#get(name);
      defineValue(
        json,
        name,
        Array.isArray(value)
          ? value.map((item: ModelBase) => item.toJSON())
          : value instanceof ModelBase
            ? value.toJSON()
            : null,
      );
    }
    return json as A;
  }

  // ---- instance: relations -------------------------------------------------------------------

  /** Sets a loaded relation (as eager loading does); it is never written by `save()`. */
  setRelation(name: string, value: ModelBase | readonly ModelBase[] | null): this {
    if (RESERVED_NAMES.has(name)) {
      throw new ValidationError(`"${name}" is a reserved name and cannot be a relation`, {
        field: name,
      });
    }
    const names = loadedOn(this);
    if (names) names.add(name);
    else (this as WithRelationNames)[relationNames] = new Set([name]);
    defineValue(this, name, value);
    return this;
  }

  /** True when the relation has been loaded (by `with()`, `load()` or `setRelation()`). */
  relationLoaded(name: string): boolean {
    return loadedOn(this)?.has(name) ?? false;
  }

  /** Names of the relations loaded on this model. */
  loadedRelations(): string[] {
    return [...(loadedOn(this) ?? [])];
  }

  /**
   * Loads relations onto this model, one query per relation level; dotted paths nest.
   * @example await user.load('profile'); user.profile?.bio
   */
  async load<P extends RelationPath<this>>(
    ...relations: P[]
  ): Promise<this & WithRelations<this, P>> {
    await eagerLoad([this], relations);
    return this as this & WithRelations<this, P>;
  }

  /** A HasOne relation: the related model holds `foreignKey` pointing at this model's `localKey`. */
  hasOne<R extends ModelBase>(
    related: ModelClass<R>,
    foreignKey?: AttributeKey<R>,
    localKey?: string,
  ): HasOne<this, R> {
    return new HasOne(this, related, foreignKey, localKey);
  }

  /** A BelongsTo relation: this model holds `foreignKey` pointing at the owner's `ownerKey`. */
  belongsTo<R extends ModelBase>(
    owner: ModelClass<R>,
    foreignKey?: string,
    ownerKey?: AttributeKey<R>,
  ): BelongsTo<this, R> {
    return new BelongsTo(this, owner, foreignKey, ownerKey);
  }

  // ---- instance: persistence -----------------------------------------------------------------

  /**
   * Inserts the model, or writes its changed attributes. Resolves to the model, its key set.
   * @throws ValidationError for a value IndexedDB cannot store; UniqueConstraintError on a unique index.
   */
  async save(): Promise<this> {
    const context = contextOf(this.constructor as ModelClass);
    if (this.#original === undefined) {
      const record = this.#insertRecord(context);
      const key = await context.runtime
        .write([context.tableName], () => context.table.add(record), context)
        .catch((error: unknown) => describeConflict(error, context, record));
      this.#inserted(context, record, key);
      return this;
    }
    const dirty = this.getDirty() as Row;
    if (Object.keys(dirty).length === 0) return this;
    assertStorable(dirty, ownerOf(context));
    const key = this.#requireKey(context, 'save');
    if (Object.hasOwn(dirty, context.primaryKey)) {
      throw new ValidationError(
        `${context.modelName} (table "${context.tableName}"): the primary key "${context.primaryKey}" ` +
          `of a stored model cannot change (it was ${describe(this.#original[context.primaryKey])})`,
        { ...ownerOf(context), field: context.primaryKey, key },
      );
    }
    const record = this.#record();
    await context.runtime
      .write(
        [context.tableName],
        async () => {
          // Merging into the stored row keeps fields another tab changed meanwhile.
          const stored = await context.table.get(key);
          await context.table.put(stored ? withChanges(stored, dirty) : record);
        },
        context,
      )
      .catch((error: unknown) => describeConflict(error, context, record));
    this.#original = snapshot(record);
    return this;
  }

  /** Deletes the stored record. @throws UnsavedModelError when the model has no key. */
  async delete(): Promise<void> {
    const context = contextOf(this.constructor as ModelClass);
    const key = this.#requireKey(context, 'delete');
    await context.runtime.write([context.tableName], () => context.table.delete(key), context);
    this.#original = undefined;
  }

  /**
   * Re-reads the attributes (and reloads loaded relations) from the database.
   * @throws ModelNotFoundError when the record is gone; UnsavedModelError without a key.
   */
  async refresh(): Promise<this> {
    const model = this.constructor as ModelClass;
    const context = contextOf(model);
    const key = this.#requireKey(context, 'refresh');
    const row = await readRow(context, key);
    if (!row) throw notFound(context, key);
    for (const name of this.#attributeNames()) {
      if (!Object.hasOwn(row, name)) delete (this as unknown as Row)[name];
    }
    for (const name of Object.keys(row)) defineValue(this, name, cloneValue(row[name]));
    this.#original = row;
    const relations = this.loadedRelations();
    if (relations.length > 0) await eagerLoad([this], relations);
    return this;
  }

  /** A live view of this record: emits the model after each committed change, null once deleted. */
  observe(): Observable<this | null> {
    const model = this.constructor as ModelClass<this>;
    const key = this.getKey();
    if (key === undefined) return of(null);
    const context = contextOf(model);
    return context.runtime.live(
      `${context.tableName}\u0000${context.primaryKey}\u0000${shareKeyOf(key)}`,
      async () => {
        const row = await context.table.get(key);
        return row ? hydrate(model, row) : null;
      },
      liveComparison,
    );
  }

  // ---- private -------------------------------------------------------------------------------

  #get(name: string): unknown {
    return (this as unknown as Row)[name];
  }

  #attributeNames(): string[] {
    const names = Object.keys(this);
    const relations = loadedOn(this);
    return relations ? names.filter((name) => !relations.has(name)) : names;
  }

  /** The attributes as a new plain object (what is stored); undefined ones are left out. */
  #record(): Row {
    const record: Row = {};
    for (const name of this.#attributeNames()) {
      const value = this.#get(name);
      if (value !== undefined) defineValue(record, name, value);
    }
    return record;
  }

  /** Validates and completes the record to insert: key checks, a UUID where one is due. */
  #insertRecord(context: ModelContext): Row {
    const record = this.#record();
    assertStorable(record, ownerOf(context));
    const { primaryKey, keyType } = context;
    const key = record[primaryKey];
    if (key == null) {
      if (keyType === 'uuid') record[primaryKey] = crypto.randomUUID();
      else if (keyType === 'manual') {
        throw new ValidationError(
          `${context.modelName} (table "${context.tableName}"): keyType is 'manual' but ` +
            `"${primaryKey}" is not set`,
          { ...ownerOf(context), field: primaryKey },
        );
      } else delete record[primaryKey];
    } else {
      assertValidKey(key, ownerOf(context), primaryKey);
    }
    return record;
  }

  #inserted(context: ModelContext, record: Row, key: Key): void {
    record[context.primaryKey] = key;
    (this as unknown as Row)[context.primaryKey] = key;
    this.#original = snapshot(record);
  }

  #requireKey(context: ModelContext, action: string): Key {
    const key = this.getKey();
    if (key === undefined) {
      throw new UnsavedModelError(
        `${context.modelName} (table "${context.tableName}"): cannot ${action} a model that has no ` +
          `"${context.primaryKey}" yet; save it first`,
        { ...ownerOf(context), field: context.primaryKey },
      );
    }
    return key;
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
  readonly prototype: ModelBase;
}

/** See {@link Model}. */
export const Model: ModelConstructor = ModelBase as unknown as ModelConstructor;

async function findByKey<M extends ModelBase>(model: ModelClass<M>, key: Key): Promise<M | null> {
  const context = contextOf(model);
  assertValidKey(key, ownerOf(context), context.primaryKey);
  const row = await readRow(context, key);
  return row ? hydrate(model, row) : null;
}

function readRow(context: ModelContext, key: Key): Promise<Row | undefined> {
  return context.table.get(key).catch((error: unknown) => {
    throw context.runtime.readFailed(error, context);
  });
}

function notFound(context: ModelContext, key: Key): ModelNotFoundError {
  return new ModelNotFoundError(
    `${context.modelName} (table "${context.tableName}"): no record with ` +
      `${context.primaryKey} = ${describe(key)}`,
    { ...ownerOf(context), field: context.primaryKey, key },
  );
}

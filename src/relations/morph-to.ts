import type { AttributeKey } from '../core/attribute-types.js';
import { SchemaError, UnsavedModelError } from '../core/errors.js';
import { buildGroups, dictionaryKey, distinctKeys } from '../core/key-dictionary.js';
import { describe } from '../core/values.js';
import { indexKeys } from '../query/key-reads.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { readAttribute, writeAttribute } from '../state/model-state.js';
import { Relation } from './relation.js';
import type { RelationRequirements } from './requirements.js';

/**
 * The inverse of MorphOne and MorphMany: this model (the child) holds `<name>_type`, the table of
 * its owner, and `<name>_id`, the owner's primary key; the owner is a model of any of `models`.
 * @example
 * commentableRelation(): MorphTo<Comment, Post | Video> {
 *   return this.morphTo('commentable', [Post, Video]);
 * }
 */
export class MorphTo<
  C extends ModelInstance,
  O extends ModelInstance,
  Tables extends string = string,
> extends Relation<C, O, O | null> {
  /** The child's attribute holding the owner's table name. */
  readonly typeColumn: string;
  /** The child's attribute holding the owner's primary key. */
  readonly idColumn: string;
  /** The models an owner may be of. */
  readonly models: readonly ModelClass<O>[];
  /**
   * The owners' tables. Typed by their names when the owner models declare `static override
   * readonly table = 'posts'`, so `morphWith` checks its table names at compile time.
   */
  readonly tables: readonly Tables[];
  /** The columns' common prefix: `commentable`. */
  readonly morphName: string;

  constructor(child: C, name: string, models: readonly ModelClass<O>[]) {
    super(child, models?.[0] as ModelClass<O>, `${name}_id`, [`${name}_type`]);
    this.morphName = name;
    this.typeColumn = `${name}_type`;
    this.idColumn = `${name}_id`;
    this.models = [...models];
    this.tables = this.models.map((model) => model.table as Tables);
  }

  readonly toMany = false;

  /**
   * A query over the owner's table, for the owner the child points at now: over the model its
   * type column names (the first of `models` while it names none).
   * @throws SchemaError for a type that names none of `models`.
   */
  addConstraints(query: QueryBuilder<O>): QueryBuilder<O> {
    const id = readAttribute(this.parent, this.idColumn);
    const type = readAttribute(this.parent, this.typeColumn);
    const model = type == null ? this.related : this.#modelOf(type);
    const owners = model === query.model ? query : new QueryBuilder(model, undefined, query.state);
    const field = model.primaryKey as AttributeKey<O>;
    return id == null || type == null
      ? owners.whereIn(field, [])
      : owners.where(field, id as never);
  }

  /** One read per owner table present among the children. */
  async eagerRead(children: readonly C[], runtime: DatabaseRuntime): Promise<O[][]> {
    const reads = [...this.#idsByModel(children)].map(([model, ids]) =>
      new QueryBuilder(model, runtime)
        .whereIn(model.primaryKey as AttributeKey<O>, ids as never[])
        .get(),
    );
    const byOwner = new ByOwner<O>();
    for (const owner of (await Promise.all(reads)).flat()) {
      const model = owner.constructor as ModelClass;
      byOwner.set(model.table, readAttribute(owner, model.primaryKey), owner);
    }
    return children.map((child) => {
      const owner = byOwner.get(
        readAttribute(child, this.typeColumn),
        readAttribute(child, this.idColumn),
      );
      return owner === undefined ? [] : [owner];
    });
  }

  /** Counted from each owner table's primary keys, without reading the owners. */
  override async countRelated(children: readonly C[], runtime: DatabaseRuntime): Promise<number[]> {
    const found = new ByOwner<true>();
    for (const [model, ids] of this.#idsByModel(children)) {
      const keys = await indexKeys(runtime, model, model.primaryKey, ids);
      for (const key of keys) found.set(model.table, key, true);
    }
    return children.map((child) =>
      found.get(readAttribute(child, this.typeColumn), readAttribute(child, this.idColumn)) ? 1 : 0,
    );
  }

  requirements(): RelationRequirements {
    const childModel = this.parent.constructor as ModelClass;
    const fields = [this.typeColumn, this.idColumn];
    return { tables: [{ kind: 'index', model: childModel, fields, unique: false }] };
  }

  /**
   * Points the child at `owner` (both columns) and returns the child; writes nothing.
   * @throws UnsavedModelError when the owner has no key; SchemaError for a model not in `models`.
   */
  associate(owner: O): C {
    const model = owner.constructor as ModelClass<O>;
    this.#modelOf(model.table);
    const key = owner.getKey();
    if (key === undefined) {
      throw new UnsavedModelError(
        `${this.describe()}: cannot associate a ${model.name} that has no "${model.primaryKey}" yet; save it first`,
        { model: model.name, table: model.table, field: model.primaryKey },
      );
    }
    writeAttribute(this.parent, this.typeColumn, model.table);
    writeAttribute(this.parent, this.idColumn, key);
    return this.parent;
  }

  /** Sets the child's two columns to null and returns the child; writes nothing. */
  dissociate(): C {
    writeAttribute(this.parent, this.typeColumn, null);
    writeAttribute(this.parent, this.idColumn, null);
    return this.parent;
  }

  #idsByModel(children: readonly C[]): Map<ModelClass<O>, unknown[]> {
    const byType = buildGroups(children, (child) => readAttribute(child, this.typeColumn));
    const result = new Map<ModelClass<O>, unknown[]>();
    for (const group of byType.values()) {
      const model = this.#modelOf(readAttribute(group[0]!, this.typeColumn));
      result.set(
        model,
        distinctKeys(group, (child) => readAttribute(child, this.idColumn)),
      );
    }
    return result;
  }

  #modelOf(type: unknown): ModelClass<O> {
    const model = this.models.find((candidate) => candidate.table === type);
    if (model) return model;
    const childModel = this.parent.constructor as ModelClass;
    throw new SchemaError(
      `${this.describe()}: ${this.typeColumn} = ${describe(type)} names no table of ` +
        `${this.models.map((m) => m.name).join(', ')} (${this.models.map((m) => `"${m.table}"`).join(', ')})`,
      { model: childModel.name, table: childModel.table, field: this.typeColumn, key: type },
    );
  }
}

/**
 * Values by owner table, then by owner key (a number and the string of its digits stay apart,
 * as they are different IndexedDB keys): what a child's two columns look up.
 */
class ByOwner<T> {
  readonly #byTable = new Map<unknown, Map<unknown, T>>();

  set(table: unknown, key: unknown, value: T): void {
    let byKey = this.#byTable.get(table);
    if (!byKey) {
      byKey = new Map();
      this.#byTable.set(table, byKey);
    }
    byKey.set(dictionaryKey(key), value);
  }

  get(table: unknown, key: unknown): T | undefined {
    return this.#byTable.get(table)?.get(dictionaryKey(key));
  }
}

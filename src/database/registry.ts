import { SchemaError } from '../core/errors.js';
import { relationMethod, relationNameOf } from '../core/naming.js';
import { ModelBase } from '../model/model.js';
import { Relation, type RelationDefinition } from '../relations/relation.js';
import type { ModelClass } from '../state/model-class.js';

/**
 * The relations of a Database's models, found once when the Database is built and kept: what
 * schema derivation, eager loading, `with()` and relation queries read, instead of calling
 * `<name>Relation()` methods again.
 */
export class RelationRegistry {
  readonly #byModel = new Map<ModelClass, ReadonlyMap<string, RelationDefinition>>();

  constructor(models: Iterable<ModelClass>) {
    for (const model of models) this.#byModel.set(model, discoverRelations(model));
  }

  /** Every relation of `model`, by name. */
  relationsOf(model: ModelClass): ReadonlyMap<string, RelationDefinition> {
    return this.#byModel.get(model) ?? new Map();
  }

  /** Every relation of every model. */
  *all(): Iterable<RelationDefinition> {
    for (const relations of this.#byModel.values()) yield* relations.values();
  }

  /** Relation `name` of `model`. @throws SchemaError when there is none. */
  relation(model: ModelClass, name: string): RelationDefinition {
    const found = this.#byModel.get(model)?.get(name);
    if (found) return found;
    throw new SchemaError(
      `${model.name} (table "${model.table}") has no relation "${String(name)}": ` +
        `expected a method ${relationMethod(String(name))}() returning a relation`,
      { model: model.name, table: model.table, field: String(name) },
    );
  }
}

/**
 * Finds the `<name>Relation()` methods of a model class (own and inherited) and calls each once
 * on a blank instance to learn what it relates to. They must be free of side effects.
 * @throws SchemaError when such a method throws or returns something that is not a relation.
 */
function discoverRelations(model: ModelClass): Map<string, RelationDefinition> {
  const found = new Map<string, RelationDefinition>();
  const blank = new model();
  for (
    let prototype: object | null = model.prototype;
    prototype && prototype !== ModelBase.prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    for (const method of Object.getOwnPropertyNames(prototype)) {
      const name = relationNameOf(method);
      if (name === undefined || found.has(name)) continue;
      const value = Object.getOwnPropertyDescriptor(prototype, method)?.value;
      if (typeof value !== 'function') continue;
      let relation: unknown;
      try {
        relation = value.call(blank);
      } catch (error) {
        throw new SchemaError(`${model.name}.${method}() threw while the Database read it`, {
          model: model.name,
          table: model.table,
          field: method,
          cause: error,
        });
      }
      if (!(relation instanceof Relation)) {
        throw new SchemaError(
          `${model.name}.${method}() must return a relation (this.hasOne(...), this.belongsTo(...))`,
          { model: model.name, table: model.table, field: method },
        );
      }
      found.set(name, { name, owner: model, relation });
    }
  }
  return found;
}

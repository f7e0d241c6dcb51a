import { SchemaError } from '../errors.js';
import { ModelBase } from '../model/model.js';
import type { ModelClass } from '../model/model-class.js';
import { Relation } from '../relations/relation.js';

/** A relation found on a model class: its name and a sample bound to a blank instance. */
export interface DiscoveredRelation {
  readonly name: string;
  readonly relation: Relation<ModelBase, ModelBase, unknown>;
}

/**
 * Finds the `<name>Relation()` methods of a model class (own and inherited) and calls each on a
 * blank instance to learn what it relates to. They must be free of side effects.
 * @throws SchemaError when such a method throws or returns something that is not a relation.
 */
export function discoverRelations(model: ModelClass): DiscoveredRelation[] {
  const found: DiscoveredRelation[] = [];
  const seen = new Set<string>();
  const blank = new model();
  for (
    let prototype: object | null = model.prototype;
    prototype && prototype !== ModelBase.prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    for (const method of Object.getOwnPropertyNames(prototype)) {
      if (!method.endsWith('Relation') || method === 'Relation' || seen.has(method)) continue;
      seen.add(method);
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
      found.push({ name: method.slice(0, -'Relation'.length), relation });
    }
  }
  return found;
}

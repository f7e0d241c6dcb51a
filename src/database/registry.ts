import { SchemaError } from '../core/errors.js';
import { relationMethod, relationNameOf } from '../core/naming.js';
import { assertStorable } from '../core/storable.js';
import { ModelBase } from '../model/model.js';
import { type RegisteredRelation, Relation } from '../relations/relation.js';
import type { RelationRequirements } from '../relations/requirements.js';
import type { ModelClass } from '../state/model-class.js';
import { blankInstance } from '../state/model-state.js';

/**
 * The relations of a Database's models, found once when the Database is built and kept: what
 * schema derivation, eager loading, `with()` and relation queries read, instead of calling
 * `<name>Relation()` methods again.
 */
export class RelationRegistry {
  readonly #byModel = new Map<ModelClass, ReadonlyMap<string, RegisteredRelation>>();
  readonly #requirements = new Map<RegisteredRelation, RelationRequirements>();

  constructor(models: Iterable<ModelClass>) {
    for (const model of models) this.#byModel.set(model, discoverRelations(model));
  }

  /** Every relation of `model`, by name. */
  relationsOf(model: ModelClass): ReadonlyMap<string, RegisteredRelation> {
    return this.#byModel.get(model) ?? new Map();
  }

  /** Every relation of every model. */
  *all(): Iterable<RegisteredRelation> {
    for (const relations of this.#byModel.values()) yield* relations.values();
  }

  /**
   * What `entry` needs of the schema, asked of its relation once: the schema, the write rules and
   * the extensions all read it.
   */
  requirementsOf(entry: RegisteredRelation): RelationRequirements {
    let found = this.#requirements.get(entry);
    if (!found) {
      found = entry.relation.requirements(entry.name);
      this.#requirements.set(entry, found);
    }
    return found;
  }

  /** Relation `name` of `model`. @throws SchemaError when there is none. */
  relation(model: ModelClass, name: string): RegisteredRelation {
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
function discoverRelations(model: ModelClass): Map<string, RegisteredRelation> {
  const found = new Map<string, RegisteredRelation>();
  const blank = blankInstance(model);
  assertNoClassFields(model, blank);
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
      if (name in blank) {
        throw new SchemaError(
          `${model.name}: "${name}" is both the relation of ${method}() and a member of the ` +
            `class (a getter, method or field), so a loaded "${name}" could not be set: ` +
            `rename the member (for example ${name}$ for an observable)`,
          { model: model.name, table: model.table, field: name },
        );
      }
      found.set(name, { name, owner: model, relation });
    }
  }
  return found;
}

/**
 * Class fields run after the base constructor has filled the attributes given to `new` or
 * `create()`, so a field would silently replace them (and a function-valued one would make every
 * save fail): refuse them, pointing at `declare` and `static defaults`.
 */
function assertNoClassFields(model: ModelClass, blank: object): void {
  for (const field of Object.keys(blank)) {
    const value = (blank as Record<string, unknown>)[field];
    const fix =
      typeof value === 'function'
        ? `make "${field}" a method instead of a function-valued field`
        : `declare its type with "declare ${field}: ..." and give a default in ` +
          `static defaults = { ${field}: ... }`;
    throw new SchemaError(
      `${model.name}: the class field "${field}" would replace the value given to new ` +
        `${model.name}() or create() (class fields are set after the constructor fills the ` +
        `attributes): ${fix}`,
      { model: model.name, table: model.table, field },
    );
  }
  const { defaults } = model;
  if (defaults !== undefined && (typeof defaults !== 'object' || defaults === null)) {
    throw new SchemaError(`${model.name}: static defaults must be an object of attribute values`, {
      model: model.name,
      table: model.table,
    });
  }
  if (defaults) assertStorable(defaults, { model: model.name, table: model.table });
}

import { SchemaError } from '../core/errors.js';
import { relationMethod } from '../core/naming.js';
import { ModelBase } from '../model/model.js';
import type { DerivedTableRequirement } from '../relations/requirements.js';
import type { IndexInfo } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { RelationRegistry } from './registry.js';

/** The derived storage layout of one model: its Dexie stores spec and its indexes. */
export interface TableDefinition {
  readonly model: ModelClass;
  /** Dexie's spec, e.g. `'++id, &email, name'`. */
  readonly spec: string;
  /** Every index by Dexie name, the primary key included. */
  readonly indexes: ReadonlyMap<string, IndexInfo>;
}

const KEY_TYPES = new Set(['auto', 'uuid', 'manual']);

/** A Database's derived layout: each model's table, and Dexie's stores map of every table. */
export interface DerivedSchema {
  readonly tables: ReadonlyMap<ModelClass, TableDefinition>;
  /** Dexie's stores map, pivot tables included. */
  readonly stores: Readonly<Record<string, string>>;
}

/** Checks that `models` are model classes, each on its own table; returns them without repeats. */
export function assertModels(models: readonly ModelClass[]): ModelClass[] {
  const byTable = new Map<string, ModelClass>();
  for (const model of models) {
    assertModelClass(model);
    const other = byTable.get(model.table);
    if (other && other !== model) {
      throw new SchemaError(
        `${other.name} and ${model.name} both use table "${model.table}": each model needs its own table`,
        { model: model.name, table: model.table },
      );
    }
    byTable.set(model.table, model);
  }
  return [...new Set(models)];
}

/**
 * Derives the Dexie schema of `models`: primary keys by `keyType`, the declared `indexes`, and the
 * indexes and tables their relations need (a foreign key's index is unique for HasOne, which wins
 * over plain; pivot tables; compound indexes).
 * @throws SchemaError for a bad index spec, a relation to a model that is not in `models`, or a
 * derived table whose name a model already uses.
 */
export function deriveSchema(
  models: readonly ModelClass[],
  registry: RelationRegistry,
): DerivedSchema {
  const indexes = new Map<ModelClass, Map<string, IndexInfo>>();
  for (const model of models) indexes.set(model, declaredIndexes(model));
  const derived = new Map<string, DerivedTableRequirement>();

  for (const entry of registry.all()) {
    const { name, owner } = entry;
    for (const need of registry.requirementsOf(entry).tables) {
      if (need.kind === 'table') {
        const other = derived.get(need.table);
        if (other && derivedSpec(other) !== derivedSpec(need)) {
          throw new SchemaError(
            `${owner.name}.${relationMethod(name)}() derives the table "${need.table}" as ` +
              `"${derivedSpec(need)}", but another relation derives it as "${derivedSpec(other)}"`,
            { model: owner.name, table: need.table, field: name },
          );
        }
        derived.set(need.table, need);
        continue;
      }
      const target = indexes.get(need.model);
      if (!target) {
        throw new SchemaError(
          `${owner.name}.${relationMethod(name)}() relates to ${need.model.name} (table ` +
            `"${String(need.model.table)}"), which this Database does not know: add it to models`,
          { model: owner.name, table: owner.table, field: name },
        );
      }
      addIndex(target, need.fields, need.unique);
    }
  }

  const tables = new Map<ModelClass, TableDefinition>();
  const stores: Record<string, string> = {};
  for (const [model, modelIndexes] of indexes) {
    const parts = [...modelIndexes.values()].map((index) =>
      index.primary && model.keyType === 'auto' ? `++${index.name}` : specOf(index),
    );
    const spec = parts.join(', ');
    tables.set(model, { model, spec, indexes: modelIndexes });
    stores[model.table] = spec;
  }
  for (const table of derived.values()) {
    if (Object.hasOwn(stores, table.table)) {
      throw new SchemaError(
        `the table "${table.table}" that a relation derives is already a model's table`,
        { table: table.table },
      );
    }
    stores[table.table] = derivedSpec(table);
  }
  return { tables, stores };
}

function assertModelClass(model: ModelClass): void {
  if (typeof model !== 'function' || !(model.prototype instanceof ModelBase)) {
    const name = typeof model === 'function' ? (model as ModelClass).name : String(model);
    throw new SchemaError(`${name} is not a model class (extend Model)`, { model: name });
  }
  nameModel(model);
  const { name } = model;
  if (typeof model.table !== 'string' || model.table.trim() === '') {
    throw new SchemaError(`${name} has no table: declare \`static table = '...'\``, {
      model: name,
    });
  }
  const at = `${name} (table "${model.table}")`;
  if (typeof model.primaryKey !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(model.primaryKey)) {
    throw new SchemaError(`${at}: primaryKey must be an attribute name`, {
      model: name,
      table: model.table,
    });
  }
  if (!KEY_TYPES.has(model.keyType)) {
    throw new SchemaError(`${at}: keyType must be 'auto', 'uuid' or 'manual'`, {
      model: name,
      table: model.table,
    });
  }
  if (!Array.isArray(model.indexes) || !model.indexes.every((spec) => typeof spec === 'string')) {
    throw new SchemaError(`${at}: indexes must be an array of Dexie index specs`, {
      model: name,
      table: model.table,
    });
  }
}

function declaredIndexes(model: ModelClass): Map<string, IndexInfo> {
  const indexes = new Map<string, IndexInfo>();
  const primaryKey = model.primaryKey;
  indexes.set(primaryKey, {
    name: primaryKey,
    fields: [primaryKey],
    unique: true,
    multiEntry: false,
    primary: true,
  });
  for (const raw of model.indexes) {
    const spec = raw.trim();
    const unique = spec.startsWith('&');
    const multiEntry = spec.startsWith('*');
    const name = spec.replace(/^[&*]/, '');
    const compound = /^\[(.+)\]$/.exec(name);
    const fields = compound ? compound[1]!.split('+').map((f) => f.trim()) : [name];
    if (
      spec.startsWith('++') ||
      fields.some((f) => !/^[A-Za-z_$][\w$.]*$/.test(f)) ||
      (multiEntry && compound)
    ) {
      throw new SchemaError(
        `${model.name} (table "${model.table}"): "${raw}" is not an index spec ` +
          `(use 'field', '&unique', '*multiEntry' or '[a+b]')`,
        { model: model.name, table: model.table, field: raw },
      );
    }
    const declared = compound ? `[${fields.join('+')}]` : name;
    if (declared === primaryKey) continue;
    const existing = indexes.get(declared);
    indexes.set(declared, {
      name: declared,
      fields,
      unique: unique || (existing?.unique ?? false),
      multiEntry,
      primary: false,
    });
  }
  return indexes;
}

function addIndex(
  indexes: Map<string, IndexInfo>,
  fields: readonly string[],
  unique: boolean,
): void {
  const name = indexName(fields);
  const existing = indexes.get(name);
  if (existing?.primary) return;
  if (existing && (existing.unique || !unique)) return;
  indexes.set(name, { name, fields, unique, multiEntry: false, primary: false });
}

function derivedSpec(table: DerivedTableRequirement): string {
  return [table.primaryKey, ...table.indexes].map(indexName).join(', ');
}

/** Dexie's name of an index over `fields`: `'email'`, or `'[a+b]'` for a compound one. */
function indexName(fields: readonly string[]): string {
  return fields.length === 1 ? fields[0]! : `[${fields.join('+')}]`;
}

function specOf(index: IndexInfo): string {
  if (index.primary) return index.name;
  return `${index.unique ? '&' : index.multiEntry ? '*' : ''}${index.name}`;
}

/**
 * Gives the class its `static modelName` as its name, for every message that names it: a
 * minifier renames classes (`ar` for `User`), not strings.
 */
function nameModel(model: ModelClass): void {
  const { modelName } = model;
  if (modelName === undefined) return;
  if (typeof modelName !== 'string' || modelName === '') {
    throw new SchemaError(`${model.name}: static modelName must be a non-empty string`, {
      model: model.name,
    });
  }
  if (model.name !== modelName) Object.defineProperty(model, 'name', { value: modelName });
}

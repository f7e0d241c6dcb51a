import { SchemaError } from '../errors.js';
import type { IndexInfo } from '../model/context.js';
import { ModelBase } from '../model/model.js';
import type { ModelClass } from '../model/model-class.js';
import { discoverRelations } from './relation-discovery.js';

/** The derived storage layout of one model: its Dexie stores spec and its indexes. */
export interface TableDefinition {
  readonly model: ModelClass;
  /** Dexie's spec, e.g. `'++id, &email, name'`. */
  readonly spec: string;
  /** Every index by Dexie name, the primary key included. */
  readonly indexes: ReadonlyMap<string, IndexInfo>;
}

const KEY_TYPES = new Set(['auto', 'uuid', 'manual']);

/**
 * Derives the Dexie schema of `models`: primary keys by `keyType`, the declared `indexes`, and the
 * foreign-key indexes their relations need (unique for HasOne, which wins over plain).
 * @throws SchemaError for a model without a table, two models on one table, a bad index spec or
 * a relation to a model that is not in `models`.
 */
export function deriveSchema(models: readonly ModelClass[]): Map<ModelClass, TableDefinition> {
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

  const indexes = new Map<ModelClass, Map<string, IndexInfo>>();
  for (const model of new Set(models)) indexes.set(model, declaredIndexes(model));

  for (const model of indexes.keys()) {
    for (const { name, relation } of discoverRelations(model)) {
      for (const need of relation.indexRequirements()) {
        const target = indexes.get(need.model);
        if (!target) {
          throw new SchemaError(
            `${model.name}.${name}Relation() relates to ${need.model.name} (table ` +
              `"${String(need.model.table)}"), which this Database does not know: add it to models`,
            { model: model.name, table: model.table, field: name },
          );
        }
        addIndex(target, need.field, need.unique);
      }
    }
  }

  const definitions = new Map<ModelClass, TableDefinition>();
  for (const [model, modelIndexes] of indexes) {
    const parts = [...modelIndexes.values()].map((index) =>
      index.primary && model.keyType === 'auto' ? `++${index.name}` : specOf(index),
    );
    definitions.set(model, { model, spec: parts.join(', '), indexes: modelIndexes });
  }
  return definitions;
}

function assertModelClass(model: ModelClass): void {
  const name = typeof model === 'function' ? model.name : String(model);
  if (typeof model !== 'function' || !(model.prototype instanceof ModelBase)) {
    throw new SchemaError(`${name} is not a model class (extend Model)`, { model: name });
  }
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
    const indexName = compound ? `[${fields.join('+')}]` : name;
    if (indexName === primaryKey) continue;
    const existing = indexes.get(indexName);
    indexes.set(indexName, {
      name: indexName,
      fields,
      unique: unique || (existing?.unique ?? false),
      multiEntry,
      primary: false,
    });
  }
  return indexes;
}

function addIndex(indexes: Map<string, IndexInfo>, field: string, unique: boolean): void {
  const existing = indexes.get(field);
  if (existing?.primary) return;
  if (existing && (existing.unique || !unique)) return;
  indexes.set(field, { name: field, fields: [field], unique, multiEntry: false, primary: false });
}

function specOf(index: IndexInfo): string {
  if (index.primary) return index.name;
  return `${index.unique ? '&' : index.multiEntry ? '*' : ''}${index.name}`;
}

import { SchemaError } from '../errors.js';
import type { ModelBase } from '../model/model.js';
import type { ModelClass } from '../model/model-class.js';
import { Relation } from './relation.js';

type AnyRelation = Relation<ModelBase, ModelBase, unknown>;

/**
 * The relation `name` of `model`, from its `<name>Relation()` method.
 * @throws SchemaError when the model has no such relation.
 */
export function relationOf(model: ModelBase, name: string): AnyRelation {
  const modelClass = model.constructor as ModelClass;
  const method = (model as unknown as Record<string, unknown>)[`${name}Relation`];
  const relation = typeof method === 'function' ? (method.call(model) as unknown) : undefined;
  if (!(relation instanceof Relation)) {
    throw new SchemaError(
      `${modelClass.name} (table "${modelClass.table}") has no relation "${name}": ` +
        `expected a method ${name}Relation() returning a relation`,
      { model: modelClass.name, table: modelClass.table, field: name },
    );
  }
  return relation as AnyRelation;
}

/** Checks that every dotted path names relations, level by level. @throws SchemaError */
export function assertRelationPaths(model: ModelClass, paths: readonly string[]): void {
  for (const path of paths) {
    let current = model;
    for (const name of String(path).split('.')) current = relationOf(new current(), name).related;
  }
}

/**
 * Loads `paths` onto `models`: one query per relation and level, whatever the number of models,
 * matched back through a key dictionary; nested paths load from the models just loaded.
 */
export async function eagerLoad(
  models: readonly ModelBase[],
  paths: readonly string[],
): Promise<void> {
  const first = models[0];
  if (!first || paths.length === 0) return;
  const nestedByName = new Map<string, string[]>();
  for (const path of paths) {
    const [name, ...rest] = String(path).split('.') as [string, ...string[]];
    const nested = nestedByName.get(name) ?? [];
    if (rest.length > 0) nested.push(rest.join('.'));
    nestedByName.set(name, nested);
  }
  await Promise.all(
    [...nestedByName].map(async ([name, nested]) => {
      const related = await relationOf(first, name).eagerLoad(models, name);
      if (nested.length > 0) await eagerLoad(related, nested);
    }),
  );
}

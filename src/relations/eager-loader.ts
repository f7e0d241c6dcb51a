import type { ModelBase } from '../model/model.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';

/**
 * Loads relation `paths` onto `models` (all of one class): one eager read per relation and level,
 * whatever the number of models, matched back through key dictionaries; nested paths load from
 * the models just loaded. Relations come from `runtime`'s registry, not from method calls.
 */
export async function eagerLoad(
  runtime: DatabaseRuntime,
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
  const model = first.constructor as ModelClass;
  await Promise.all(
    [...nestedByName].map(async ([name, nested]) => {
      const { relation } = runtime.relation(model, name);
      const related = await relation.eagerRead(models, runtime);
      relation.match(models, related, name);
      if (nested.length === 0) return;
      // A MorphTo loads models of several classes: each class loads its own nested relations.
      const byClass = new Map<ModelClass, ModelBase[]>();
      for (const model of related) {
        const group = byClass.get(model.constructor as ModelClass);
        if (group) group.push(model);
        else byClass.set(model.constructor as ModelClass, [model]);
      }
      await Promise.all([...byClass.values()].map((group) => eagerLoad(runtime, group, nested)));
    }),
  );
}

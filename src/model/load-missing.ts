import type { DatabaseRuntime } from '../state/context.js';
import { byClass, type ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { isModel, loadedOf, readAttribute } from '../state/model-state.js';

/**
 * Loads each relation path onto the `models` (of one class) that do not hold it yet: a model
 * without the path's first relation loads the whole path; one that has it passes the rest of
 * the path on to the models it holds. One read per relation level, as `load()` makes.
 */
export async function loadMissing(
  runtime: DatabaseRuntime,
  models: readonly ModelInstance[],
  paths: readonly string[],
): Promise<void> {
  await Promise.all(
    paths.map(async (path) => {
      const [first, ...rest] = path.split('.') as [string, ...string[]];
      const lacking = models.filter((model) => !holds(model, first));
      const holding = models.filter((model) => holds(model, first));
      const loads: Promise<unknown>[] = [];
      if (lacking.length > 0) {
        const { queries } = runtime.contextOf(lacking[0]!.constructor as ModelClass);
        loads.push(queries.loadOnto({ with: [{ path, constraint: undefined }] }, lacking));
      }
      if (rest.length > 0 && holding.length > 0) {
        const held = byClass(holding.flatMap((model) => heldModels(model, first)));
        for (const group of held.values()) {
          loads.push(loadMissing(runtime, group, [rest.join('.')]));
        }
      }
      await Promise.all(loads);
    }),
  );
}

function holds(model: ModelInstance, name: string): boolean {
  const loaded = loadedOf(model);
  return loaded !== undefined && Object.hasOwn(loaded, name) && loaded[name] === 'relation';
}

function heldModels(model: ModelInstance, name: string): ModelInstance[] {
  const value = readAttribute(model, name);
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isModel) as ModelInstance[];
}

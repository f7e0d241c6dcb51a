import type { ModelInstance } from './model-instance.js';
import {
  attributeNames,
  originalOf,
  readAttribute,
  removeAttribute,
  runtimeOf,
  setOriginal,
  setRuntime,
  writeAttribute,
} from './model-state.js';

/**
 * Runs `write`; if it fails, puts `models` back as they were before it (attributes, key and what
 * they record as stored), since nothing of the write was kept.
 */
export async function undoneOnFailure(
  models: readonly ModelInstance[],
  write: () => Promise<unknown>,
) {
  const before = models.map((model) => ({
    model,
    attributes: attributeNames(model).map((name) => [name, readAttribute(model, name)] as const),
    original: originalOf(model),
    runtime: runtimeOf(model),
  }));
  try {
    await write();
  } catch (error) {
    for (const { model, attributes, original, runtime } of before) {
      for (const name of attributeNames(model)) removeAttribute(model, name);
      for (const [name, value] of attributes) writeAttribute(model, name, value);
      setOriginal(model, original);
      if (runtime) setRuntime(model, runtime);
    }
    throw error;
  }
}

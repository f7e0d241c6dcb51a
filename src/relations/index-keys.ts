import type { Key } from '../core/values.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';

/** The keys of `index` in `model`'s table that equal any of `keys`, read from the index alone. */
export async function indexKeys(
  runtime: DatabaseRuntime,
  model: ModelClass,
  index: string,
  keys: readonly unknown[],
): Promise<Key[]> {
  if (keys.length === 0) return [];
  return runtime
    .contextOf(model)
    .table.where(index)
    .anyOf(keys as Key[])
    .keys();
}

import type { Key } from '../core/values.js';
import { indexKeysWith } from '../query/key-reads.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';

/** The keys of `index` in `model`'s table that equal any of `keys`, read from the index alone. */
export function indexKeys(
  runtime: DatabaseRuntime,
  model: ModelClass,
  index: string,
  keys: readonly unknown[],
): Promise<Key[]> {
  return indexKeysWith(runtime.contextOf(model).table, index, keys as Key[]);
}

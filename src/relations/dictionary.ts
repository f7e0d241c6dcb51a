import { dictionaryKey, groupsPerOwner } from '../core/key-dictionary.js';
import type { ModelInstance } from '../state/model-instance.js';
import { readAttribute } from '../state/model-state.js';

/** Which attribute of a result holds the key it matches a parent by, or how to read that key. */
export type ResultKey = string | ((result: ModelInstance) => unknown);

function keyReader(key: ResultKey): (result: ModelInstance) => unknown {
  return typeof key === 'string' ? (model) => readAttribute(model, key) : key;
}

/**
 * The results whose `resultKey` equals each parent's `parentKey`, in the parents' order (`[]`
 * where none does): one dictionary of lists built, then one lookup per parent.
 */
export function groupByKey<R extends ModelInstance>(
  parents: readonly ModelInstance[],
  parentKey: string,
  results: readonly R[],
  resultKey: ResultKey,
): R[][] {
  return groupsPerOwner(results, keyReader(resultKey), parents, (parent) =>
    readAttribute(parent, parentKey),
  );
}

/** How many of `keys` equal each parent's `parentKey`, in the parents' order. */
export function countMatches(
  parents: readonly ModelInstance[],
  parentKey: string,
  keys: readonly unknown[],
): number[] {
  const counts = new Map<unknown, number>();
  for (const key of keys) {
    const id = dictionaryKey(key);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return parents.map((parent) => {
    const key = readAttribute(parent, parentKey);
    return key == null ? 0 : (counts.get(dictionaryKey(key)) ?? 0);
  });
}

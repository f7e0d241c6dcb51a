import { buildDictionary, buildGroups, dictionaryKey } from '../core/key-dictionary.js';
import type { ModelBase } from '../model/model.js';
import { readAttribute, setLoaded } from '../state/model-state.js';

/** Which attribute of a result holds the key it matches a parent by, or how to read that key. */
export type ResultKey = string | ((result: ModelBase) => unknown);

function keyReader(key: ResultKey): (result: ModelBase) => unknown {
  return typeof key === 'string' ? (model) => readAttribute(model, key) : key;
}

/**
 * Sets relation `name` on each parent to the one result whose `resultKey` equals the parent's
 * `parentKey` (null when none does): one dictionary built, then one lookup per parent.
 */
export function matchOne(
  parents: readonly ModelBase[],
  parentKey: string,
  results: readonly ModelBase[],
  resultKey: ResultKey,
  name: string,
): void {
  const dictionary = buildDictionary(results, keyReader(resultKey));
  for (const parent of parents) {
    const found = dictionary.get(dictionaryKey(readAttribute(parent, parentKey)));
    setLoaded(parent, name, found ?? null, 'relation');
  }
}

/** Like {@link matchOne}, but sets the list of every matching result (`[]` when none does). */
export function matchMany(
  parents: readonly ModelBase[],
  parentKey: string,
  results: readonly ModelBase[],
  resultKey: ResultKey,
  name: string,
): void {
  const groups = buildGroups(results, keyReader(resultKey));
  for (const parent of parents) {
    const found = groups.get(dictionaryKey(readAttribute(parent, parentKey)));
    setLoaded(parent, name, found ?? [], 'relation');
  }
}

/** How many of `keys` equal each parent's `parentKey`, in the parents' order. */
export function countMatches(
  parents: readonly ModelBase[],
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

import { describe } from './values.js';

/**
 * Keys as Map keys: numbers and strings stand for themselves (so `1` and `"1"` stay apart);
 * Dates, arrays and binary keys are encoded, behind a prefix no string key starts with.
 */
export function dictionaryKey(key: unknown): unknown {
  if (typeof key === 'number' || typeof key === 'string') return key;
  if (key instanceof Date) return `\u0000d${key.getTime()}`;
  if (Array.isArray(key))
    return `\u0000a[${key.map((part) => String(dictionaryKey(part))).join('\u0001')}]`;
  if (key instanceof ArrayBuffer || ArrayBuffer.isView(key)) {
    const bytes =
      key instanceof ArrayBuffer
        ? new Uint8Array(key)
        : new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
    return `\u0000b${Array.from(bytes).join(',')}`;
  }
  return `\u0000?${describe(key)}`;
}

/**
 * Groups `items` by the key `keyOf` gives, built once so that matching N parents costs N
 * lookups rather than N scans.
 */
export function buildDictionary<T>(
  items: readonly T[],
  keyOf: (item: T) => unknown,
): Map<unknown, T> {
  const dictionary = new Map<unknown, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (key != null) dictionary.set(dictionaryKey(key), item);
  }
  return dictionary;
}

/** Groups `items` into lists by the key `keyOf` gives, keeping their order within each list. */
export function buildGroups<T>(
  items: readonly T[],
  keyOf: (item: T) => unknown,
): Map<unknown, T[]> {
  const groups = new Map<unknown, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key == null) continue;
    const id = dictionaryKey(key);
    const group = groups.get(id);
    if (group) group.push(item);
    else groups.set(id, [item]);
  }
  return groups;
}

/**
 * `items` as one list per owner, in the owners' order: those whose key (`keyOf`) is the owner's
 * (`ownerKeyOf`), `[]` where none is; one dictionary built, then one lookup per owner.
 */
export function groupsPerOwner<T, O>(
  items: readonly T[],
  keyOf: (item: T) => unknown,
  owners: readonly O[],
  ownerKeyOf: (owner: O) => unknown,
): T[][] {
  const groups = buildGroups(items, keyOf);
  return owners.map((owner) => groups.get(dictionaryKey(ownerKeyOf(owner))) ?? []);
}

/** The distinct non-null keys of `items`, in first-seen order. */
export function distinctKeys<T>(items: readonly T[], keyOf: (item: T) => unknown): unknown[] {
  const seen = new Map<unknown, unknown>();
  for (const item of items) {
    const key = keyOf(item);
    if (key != null) {
      const id = dictionaryKey(key);
      if (!seen.has(id)) seen.set(id, key);
    }
  }
  return [...seen.values()];
}

/** A string naming a key, for sharing live queries: `1` and `"1"` differ, binary keys too. */
export function shareKeyOf(key: unknown): string {
  const id = dictionaryKey(key);
  return typeof id === 'number' ? `n${id}` : `s${String(id)}`;
}

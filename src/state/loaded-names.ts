import { defineValue } from '../core/values.js';

/** What a non-attribute property of a model holds. */
export type LoadedKind = 'relation' | 'extra';

/**
 * The kind of each loaded property, by name: a plain object (own properties only, written with
 * defineValue) rather than a Map or a prototype-less object, which V8 keeps as hash tables of
 * about 90 bytes where an object of a few properties takes about 30. It is frozen and shared:
 * every model that loaded the same names in the same order holds the same one (all the models
 * of a BelongsToMany result hold one `{ pivot: 'extra' }`), see {@link withName}.
 */
export type LoadedNames = Readonly<Record<string, LoadedKind>>;

/** The set of no names, which every model starts from. */
export const NO_NAMES: LoadedNames = Object.freeze({});

/** For each kind, and each shared set of names, the sets that one more name of that kind makes. */
const namesAfter: Record<LoadedKind, WeakMap<LoadedNames, Map<string, LoadedNames>>> = {
  relation: new WeakMap(),
  extra: new WeakMap(),
};

/** The shared set of `names` with `name` of `kind` added (or its kind changed). */
export function withName(names: LoadedNames, name: string, kind: LoadedKind): LoadedNames {
  if (Object.hasOwn(names, name) && names[name] === kind) return names;
  const after = namesAfter[kind];
  let next = after.get(names);
  if (!next) {
    next = new Map();
    after.set(names, next);
  }
  let found = next.get(name);
  if (!found) {
    const copy: Record<string, LoadedKind> = {};
    for (const existing of Object.keys(names)) defineValue(copy, existing, names[existing]);
    defineValue(copy, name, kind);
    found = Object.freeze(copy);
    next.set(name, found);
  }
  return found;
}

import { RESERVED_NAMES } from '../core/storable.js';
import { cloneValue, defineValue, type Key, type Row, sameValue } from '../core/values.js';
import type { LiveComparison } from '../live/live-observable.js';
import type { DatabaseRuntime, ModelContext } from './context.js';
import { type LoadedKind, type LoadedNames, NO_NAMES, withName } from './loaded-names.js';
import type { ModelClass } from './model-class.js';
import type { ModelInstance } from './model-instance.js';

// What a model knows besides its attributes sits under symbol keys, which stay out of
// `Object.keys`, `for…in` and JSON, so attributes remain plain own properties. Plain slots on the
// instance, rather than one state object, keep a loaded model small.
const ORIGINAL: unique symbol = Symbol('dexorm.original');
const RUNTIME: unique symbol = Symbol('dexorm.runtime');
const LOADED: unique symbol = Symbol('dexorm.loaded');

interface Stateful {
  /** The attributes as last read from or written to the database; undefined until persisted. */
  [ORIGINAL]: Row | undefined;
  /** The Database the model was read from or saved to: it keeps serving the model. */
  [RUNTIME]: DatabaseRuntime | undefined;
  /**
   * Own properties that are not attributes, by name: loaded relations (`profile`) and extra
   * values such as counts or a pivot row. They are never saved, dirty or validated.
   */
  [LOADED]?: LoadedNames;
}

function stateful(model: ModelInstance): Stateful {
  return model as unknown as Stateful;
}

/** Gives a new model instance its (empty) state. */
export function initState(model: ModelInstance): void {
  const state = stateful(model);
  state[ORIGINAL] = undefined;
  state[RUNTIME] = undefined;
}

/** True for a model instance (a plain copy of one, made by spreading it, is not). */
export function isModel(value: unknown): value is ModelInstance {
  return (
    typeof value === 'object' &&
    value !== null &&
    ORIGINAL in value &&
    Object.getPrototypeOf(value) !== Object.prototype
  );
}

/** The attributes as last read from or written to the database; undefined until persisted. */
export function originalOf(model: ModelInstance): Row | undefined {
  return stateful(model)[ORIGINAL];
}

/** Records what is stored for `model` now (undefined once deleted). */
export function setOriginal(model: ModelInstance, row: Row | undefined): void {
  stateful(model)[ORIGINAL] = row;
}

/** The Database `model` was read from or saved to, if any. */
export function runtimeOf(model: ModelInstance): DatabaseRuntime | undefined {
  return stateful(model)[RUNTIME];
}

/** Makes `model` belong to `runtime`'s Database. */
export function setRuntime(model: ModelInstance, runtime: DatabaseRuntime): void {
  stateful(model)[RUNTIME] = runtime;
}

/** The non-attribute properties of `model`, by name (undefined while it has none). */
export function loadedOf(model: ModelInstance): Readonly<LoadedNames> | undefined {
  return stateful(model)[LOADED];
}

/** The value of attribute (or loaded property) `name` of `model`. */
export function readAttribute(model: ModelInstance, name: string): unknown {
  return (model as unknown as Row)[name];
}

/** The value of attribute `name` of `model` as a key, or undefined when it is null or missing. */
export function keyAttribute(model: ModelInstance, name: string): Key | undefined {
  const key = (model as unknown as Row)[name];
  return key == null ? undefined : (key as Key);
}

/** Sets attribute `name` of `model`, never invoking a setter such as `__proto__`. */
export function writeAttribute(model: ModelInstance, name: string, value: unknown): void {
  defineValue(model, name, value);
}

/** Removes attribute `name` from `model`. */
export function removeAttribute(model: ModelInstance, name: string): void {
  delete (model as unknown as Partial<Row>)[name];
}

/** A new, unsaved model of class `model` filled with `attributes`, belonging to `runtime` if given. */
export function newModel<M extends ModelInstance>(
  model: ModelClass<M>,
  attributes: object,
  runtime?: DatabaseRuntime,
): M {
  const instance = new (model as unknown as new (attributes: object) => M)(attributes);
  if (runtime) stateful(instance)[RUNTIME] = runtime;
  return instance;
}

/** True while {@link hydrate} constructs an instance: stored rows take no defaults. */
let hydrating = false;

/** Whether the model being constructed is being read from the database. */
export function isHydrating(): boolean {
  return hydrating;
}

/** Gives `model` a copy of each of `defaults` that `given` does not set. */
export function applyDefaults(
  model: ModelInstance,
  defaults: Readonly<Record<string, unknown>> | undefined,
  given: object | undefined,
): void {
  if (!defaults) return;
  for (const name of Object.keys(defaults)) {
    if (given && Object.hasOwn(given, name)) continue;
    defineValue(model, name, cloneValue(defaults[name]));
  }
}

/** An instance of `model` as a stored row would start: no defaults, no attributes. */
export function blankInstance<M extends ModelInstance>(model: ModelClass<M>): M {
  hydrating = true;
  try {
    return new model();
  } finally {
    hydrating = false;
  }
}

/** Turns a stored row into a model instance that belongs to the context's Database. */
export function hydrate<M extends ModelInstance>(context: ModelContext<M>, row: Row): M {
  const instance = blankInstance(context.model);
  const state = stateful(instance);
  state[ORIGINAL] = row;
  state[RUNTIME] = context.runtime;
  copyStored(instance, row, memberNamesOf(context.model));
  return instance;
}

/**
 * Makes `model`'s attributes those of `row`, as now stored (attributes it no longer holds go),
 * and records `row` as what is stored.
 */
export function refreshAttributes(model: ModelInstance, row: Row): void {
  const members = memberNamesOf(model.constructor as ModelClass);
  // An own property the app set over a member (`user.toString = ...`) was never read from a row.
  for (const name of attributeNames(model)) {
    if (!Object.hasOwn(row, name) && !members.has(name)) removeAttribute(model, name);
  }
  copyStored(model, row, members);
  stateful(model)[ORIGINAL] = row;
}

/**
 * Copies the attributes of a stored row onto `model`. A stored field named like one of the
 * model's `members` (written through `db.dexie`, by an older version of the app or by another
 * replica) is skipped: the member wins, and the stored value stays stored (see {@link dirtyOf}).
 */
function copyStored(model: ModelInstance, row: Row, members: ReadonlySet<string>): void {
  const target = model as unknown as Row;
  for (const name in row) {
    if (members.has(name)) continue;
    const value = row[name];
    // No name left reaches a setter of the prototype chain, so plain assignment is safe.
    if (typeof value === 'object' && value !== null) defineValue(target, name, cloneValue(value));
    else target[name] = value;
  }
}

const memberNames = new WeakMap<ModelClass, ReadonlySet<string>>();

/**
 * The names no attribute of `model`'s instances can take: the reserved ones and every property
 * of its prototype chain (methods, getters such as `exists`, Object.prototype's members).
 */
function memberNamesOf(model: ModelClass): ReadonlySet<string> {
  let names = memberNames.get(model);
  if (!names) {
    const found = new Set<string>(RESERVED_NAMES);
    for (let proto: object | null = model.prototype; proto; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) found.add(name);
    }
    names = found;
    memberNames.set(model, names);
  }
  return names;
}

/** The names of the model's attributes: its own properties that are not loaded ones. */
export function attributeNames(model: ModelInstance): string[] {
  const names = Object.keys(model);
  const loaded = stateful(model)[LOADED];
  return loaded ? names.filter((name) => !Object.hasOwn(loaded, name)) : names;
}

/** The attributes as a new plain object (what is stored); undefined ones are left out. */
export function recordOf(model: ModelInstance): Row {
  const record: Row = {};
  for (const name of attributeNames(model)) {
    const value = readAttribute(model, name);
    if (value !== undefined) defineValue(record, name, value);
  }
  return record;
}

/** The attributes that differ from what was last stored (all of them before the first save). */
export function dirtyOf(model: ModelInstance): Row {
  const dirty: Row = {};
  const original = stateful(model)[ORIGINAL];
  const names = attributeNames(model);
  for (const name of names) {
    const value = readAttribute(model, name);
    // An undefined attribute is not stored, so it only differs from a stored value.
    if (original ? !sameValue(original[name], value) : value !== undefined) {
      defineValue(dirty, name, value);
    }
  }
  if (original) {
    const present = new Set(names);
    // A stored field that a member hides was never an attribute: it is kept, not removed.
    const members = memberNamesOf(model.constructor as ModelClass);
    for (const name of Object.keys(original)) {
      if (!present.has(name) && !members.has(name) && original[name] !== undefined) {
        defineValue(dirty, name, undefined);
      }
    }
  }
  return dirty;
}

/** Sets a property that is not an attribute: a loaded relation or an extra value. */
export function setLoaded(
  model: ModelInstance,
  name: string,
  value: unknown,
  kind: LoadedKind,
): void {
  const state = stateful(model);
  state[LOADED] = withName(state[LOADED] ?? NO_NAMES, name, kind);
  defineValue(model, name, value);
}

/** The loaded properties of `model` of one kind, by name. */
export function loadedNames(model: ModelInstance, kind: LoadedKind): string[] {
  const loaded = stateful(model)[LOADED];
  if (!loaded) return [];
  const names: string[] = [];
  for (const name of Object.keys(loaded)) if (loaded[name] === kind) names.push(name);
  return names;
}

/** Makes `name` an attribute again (after `fill()` assigns it). */
export function unsetLoaded(model: ModelInstance, name: string): void {
  const state = stateful(model);
  const loaded = state[LOADED];
  if (!loaded || !Object.hasOwn(loaded, name)) return;
  let rest = NO_NAMES;
  for (const other of Object.keys(loaded)) {
    if (other !== name) rest = withName(rest, other, loaded[other]!);
  }
  state[LOADED] = rest === NO_NAMES ? undefined : rest;
}

/** A snapshot of what a model shows: its stored row, then its loaded properties, recursively. */
function contentOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(contentOf);
  if (!isModel(value)) return value;
  const state = stateful(value);
  const loaded = state[LOADED] ? Object.keys(state[LOADED]).sort() : [];
  return {
    model: value.constructor,
    row: state[ORIGINAL],
    loaded: loaded.map((name) => [name, contentOf(readAttribute(value, name))]),
  };
}

/**
 * How live observers compare results: by the stored rows behind the models (and what is loaded
 * on them), captured when emitted. Rows are never edited in place, so a snapshot holds.
 */
export const liveComparison: LiveComparison<unknown> = { contentOf, sameContent: sameValue };

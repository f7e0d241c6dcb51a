import { ValidationError } from './errors.js';
import { describe, type ValueOwner } from './values.js';

/** Attribute names that would reach an object's prototype machinery if assigned. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * Throws a ValidationError unless `value` is one set of attributes: an object that is not an
 * array (`create(null)`, `create('text')` and `create([{...}])` are refused).
 */
export function assertAttributeSet(
  value: unknown,
  owner: ValueOwner,
  call: string,
): asserts value is object {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
  const hint = Array.isArray(value) ? ' (for several, use the ...Many form)' : '';
  throw new ValidationError(
    `${owner.model} (table "${owner.table}"): ${call} takes an object of attributes, not ` +
      `${describe(value)}${hint}`,
    { ...owner },
  );
}

/** Throws a ValidationError unless `value` is an array, as `call` needs. */
export function assertList(
  value: unknown,
  owner: ValueOwner,
  call: string,
): asserts value is readonly unknown[] {
  if (Array.isArray(value)) return;
  throw new ValidationError(
    `${owner.model} (table "${owner.table}"): ${call} takes an array, not ${describe(value)}`,
    { ...owner },
  );
}

/** Throws a ValidationError when an attribute name is reserved or not a usable property name. */
export function assertAttributeName(name: string, owner: ValueOwner): void {
  if (RESERVED_NAMES.has(name)) {
    throw new ValidationError(
      `${owner.model} (table "${owner.table}"): "${name}" is a reserved name and cannot be an attribute`,
      { ...owner, field: name },
    );
  }
}

/**
 * Throws a ValidationError when `attributes` holds something IndexedDB cannot store (a function,
 * a symbol, a DOM node, a WeakMap, a Promise), a circular reference, or a reserved key at any
 * depth. A value shared by two attributes is fine.
 */
export function assertStorable(attributes: object, owner: ValueOwner): void {
  for (const name of Object.keys(attributes)) {
    assertAttributeName(name, owner);
    checkValue((attributes as Record<string, unknown>)[name], name, owner, new Set());
  }
}

function checkValue(value: unknown, path: string, owner: ValueOwner, seen: Set<object>): void {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') {
    throw unstorable(path, `a ${type}`, owner);
  }
  if (type !== 'object' || value === null) return;
  const object = value as object;
  // `seen` holds the objects on the path from the attribute down to here: meeting one again is a
  // cycle, which IndexedDB would store but no plain copy or comparison of it could end.
  if (seen.has(object)) throw unstorable(path, 'a circular reference (it contains itself)', owner);
  seen.add(object);
  try {
    checkObject(object, path, owner, seen);
  } finally {
    seen.delete(object);
  }
}

function checkObject(object: object, path: string, owner: ValueOwner, seen: Set<object>): void {
  if (isDomNode(object)) throw unstorable(path, 'a DOM node', owner);
  if (
    object instanceof WeakMap ||
    object instanceof WeakSet ||
    object instanceof Promise ||
    (typeof WeakRef !== 'undefined' && object instanceof WeakRef)
  ) {
    throw unstorable(path, `a ${object.constructor.name}`, owner);
  }
  if (object instanceof Map) {
    for (const [k, v] of object) {
      checkValue(k, `${path}.<key>`, owner, seen);
      checkValue(v, `${path}.<value>`, owner, seen);
    }
    return;
  }
  if (object instanceof Set) {
    for (const v of object) checkValue(v, `${path}.<item>`, owner, seen);
    return;
  }
  if (Array.isArray(object) || Object.getPrototypeOf(object) === Object.prototype) {
    for (const name of Object.keys(object)) {
      if (!Array.isArray(object) && RESERVED_NAMES.has(name)) {
        throw new ValidationError(
          `${owner.model} (table "${owner.table}"): "${path}.${name}" uses the reserved name "${name}"`,
          { ...owner, field: path },
        );
      }
      checkValue((object as Record<string, unknown>)[name], `${path}.${name}`, owner, seen);
    }
  }
}

function isDomNode(value: object): boolean {
  if (typeof Node !== 'undefined' && value instanceof Node) return true;
  const candidate = value as { nodeType?: unknown; nodeName?: unknown };
  return typeof candidate.nodeType === 'number' && typeof candidate.nodeName === 'string';
}

function unstorable(path: string, what: string, owner: ValueOwner): ValidationError {
  return new ValidationError(
    `${owner.model} (table "${owner.table}"): "${path}" is ${what}, which IndexedDB cannot store`,
    { ...owner, field: path },
  );
}

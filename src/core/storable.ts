import { ValidationError } from './errors.js';
import type { ValueOwner } from './values.js';

/** Attribute names that would reach an object's prototype machinery if assigned. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

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
 * a symbol, a DOM node, a WeakMap, a Promise) or a reserved key at any depth.
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
  if (seen.has(object)) return;
  seen.add(object);
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

import type { IndexableType } from 'dexie';
import { ValidationError } from '../errors.js';

/** A value IndexedDB accepts as a key: number, string, Date, binary, or an array of those. */
export type Key = IndexableType;

/** Attribute names that would reach an object's prototype machinery if assigned. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** Where a value sits, for error messages. */
export interface ValueOwner {
  readonly model: string;
  readonly table: string;
}

/** True when `value` is a valid IndexedDB key (NaN, booleans, null and plain objects are not). */
export function isValidKey(value: unknown): value is Key {
  switch (typeof value) {
    case 'number':
      return !Number.isNaN(value);
    case 'string':
      return true;
    case 'object':
      if (value === null) return false;
      if (value instanceof Date) return !Number.isNaN(value.getTime());
      if (Array.isArray(value)) return value.every(isValidKey);
      return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
    default:
      return false;
  }
}

/** Throws a ValidationError unless `key` is a valid IndexedDB key. */
export function assertValidKey(key: unknown, owner: ValueOwner, field: string): asserts key is Key {
  if (!isValidKey(key)) {
    throw new ValidationError(
      `${owner.model} (table "${owner.table}"): ${describe(key)} is not a valid key for "${field}" ` +
        '(use a number, string, Date, binary value or an array of them)',
      { ...owner, field, key },
    );
  }
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

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (value instanceof Date) return `Date(${value.toISOString?.() ?? 'invalid'})`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Copies a stored value so that in-place edits of the copy do not reach the original. Plain
 * objects, arrays, Dates, Maps and Sets are copied; binary data and Blobs are treated as immutable.
 */
export function cloneValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof Map) {
    return new Map([...value].map(([k, v]) => [cloneValue(k), cloneValue(v)])) as T;
  }
  if (value instanceof Set) return new Set([...value].map(cloneValue)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    defineValue(copy, name, cloneValue((value as Record<string, unknown>)[name]));
  }
  return copy as T;
}

/** Sets an own property without ever invoking a setter such as `__proto__`. */
export function defineValue(target: object, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    (target as Record<string, unknown>)[name] = value;
  }
}

/** Structural equality of two stored values (what IndexedDB would store for each). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || b instanceof Map || a instanceof Set || b instanceof Set) {
    return sameValue(
      a instanceof Map || a instanceof Set ? [...a] : a,
      b instanceof Map || b instanceof Set ? [...b] : b,
    );
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) {
      return false;
    }
    const left = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const right = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return left.every((byte, i) => byte === right[i]);
  }
  if (
    Object.getPrototypeOf(a) !== Object.prototype ||
    Object.getPrototypeOf(b) !== Object.prototype
  ) {
    return false;
  }
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  for (const name of keysA) {
    if (!Object.hasOwn(b, name)) return false;
    if (!sameValue((a as Record<string, unknown>)[name], (b as Record<string, unknown>)[name])) {
      return false;
    }
  }
  return true;
}

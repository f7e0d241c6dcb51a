import type { IndexableType } from 'dexie';
import { ValidationError } from './errors.js';

/** A value IndexedDB accepts as a key: number, string, Date, binary, or an array of those. */
export type Key = IndexableType;

/** A stored record as IndexedDB returns it. */
export type Row = Record<string, unknown>;

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

/**
 * The value at `path` in `row`: a plain attribute, or with dots a nested one (`address.city`),
 * read as IndexedDB reads a key path, so that filtering in memory agrees with an index.
 */
export function valueAt(row: Row, path: string): unknown {
  if (!path.includes('.')) return row[path];
  let value: unknown = row;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Row)[part];
  }
  return value;
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Date(invalid)' : `Date(${value.toISOString()})`;
  }
  // Nested arrays are cut short, so that a circular one cannot recurse forever.
  if (Array.isArray(value)) {
    if (depth > 2) return '[...]';
    const shown = value.slice(0, 10).map((item) => describe(item, depth + 1));
    return `[${shown.join(', ')}${value.length > 10 ? ', ...' : ''}]`;
  }
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
  if (a instanceof ArrayBuffer || b instanceof ArrayBuffer) {
    if (!(a instanceof ArrayBuffer) || !(b instanceof ArrayBuffer)) return false;
    return sameValue(new Uint8Array(a), new Uint8Array(b));
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

import { StorageError, ValidationError } from './errors.js';
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
  const size = { bytes: 0 };
  for (const name of Object.keys(attributes)) {
    assertAttributeName(name, owner);
    checkValue((attributes as Record<string, unknown>)[name], name, owner, new Set(), size);
  }
  if (size.bytes > MAX_VALUE_BYTES) {
    throw new StorageError(
      `${owner.model} (table "${owner.table}"): the record holds about ` +
        `${Math.round(size.bytes / 1_048_576)} MB of text and binary data once serialized, ` +
        'more than IndexedDB ' +
        'stores in one record (about 127 MB in Chromium); nothing was written. Split it, or store ' +
        'a Blob per part.',
      { ...owner },
    );
  }
}

/**
 * The largest value Chromium's IndexedDB stores (133,169,152 bytes, as its error message for a
 * larger one says). A larger one is refused before the write: Dexie would never settle it.
 */
const MAX_VALUE_BYTES = 133_169_152;

/**
 * The bytes a string takes in a serialized record: one per character while every character fits
 * in one byte, two for each otherwise (as the structured clone of V8 writes them). Short strings
 * are counted at one byte: only long ones are worth a scan.
 */
function serializedLength(text: string): number {
  if (text.length < 4096) return text.length;
  return TWO_BYTE.test(text) ? text.length * 2 : text.length;
}

const TWO_BYTE = /[\u0100-\uffff]/;

function checkValue(
  value: unknown,
  path: string,
  owner: ValueOwner,
  seen: Set<object>,
  size: { bytes: number },
): void {
  const type = typeof value;
  if (type === 'string') {
    size.bytes += serializedLength(value as string);
    return;
  }
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
    checkObject(object, path, owner, seen, size);
  } finally {
    seen.delete(object);
  }
}

function checkObject(
  object: object,
  path: string,
  owner: ValueOwner,
  seen: Set<object>,
  size: { bytes: number },
): void {
  if (object instanceof ArrayBuffer || ArrayBuffer.isView(object)) {
    size.bytes += object.byteLength;
    return;
  }
  // A Blob's content is stored beside the record, not in it: it does not count.
  if (typeof Blob !== 'undefined' && object instanceof Blob) return;
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
      checkValue(k, `${path}.<key>`, owner, seen, size);
      checkValue(v, `${path}.<value>`, owner, seen, size);
    }
    return;
  }
  if (object instanceof Set) {
    for (const v of object) checkValue(v, `${path}.<item>`, owner, seen, size);
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
      checkValue((object as Record<string, unknown>)[name], `${path}.${name}`, owner, seen, size);
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

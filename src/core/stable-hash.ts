import { dictionaryKey } from './key-dictionary.js';

/**
 * A string that is equal for two values exactly when they are structurally equal, for naming
 * shared live queries. Object keys are sorted, so `{ a, b }` and `{ b, a }` hash alike; numbers
 * and strings stay apart. Undefined for what has no stable identity (functions, symbols, class
 * instances other than Date, Map, Set and binary data, cycles): such a query is not shared.
 */
export function stableHash(value: unknown): string | undefined {
  return hashOf(value, new Set());
}

function hashOf(value: unknown, path: Set<object>): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${value}`;
    case 'bigint':
      return `i${value}`;
    case 'string':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'l';
  if (value instanceof Date || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return String(dictionaryKey(value));
  }
  if (path.has(value)) return undefined;
  path.add(value);
  try {
    if (Array.isArray(value)) return listOf('[', value, path);
    if (value instanceof Set) return listOf('S[', [...value], path);
    if (value instanceof Map) return listOf('M[', [...value].flat(), path);
    if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
    const names = Object.keys(value).sort();
    const parts: string[] = [];
    for (const name of names) {
      const part = hashOf((value as Record<string, unknown>)[name], path);
      if (part === undefined) return undefined;
      parts.push(`${JSON.stringify(name)}:${part}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    path.delete(value);
  }
}

function listOf(open: string, items: readonly unknown[], path: Set<object>): string | undefined {
  const parts: string[] = [];
  for (const item of items) {
    const part = hashOf(item, path);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return `${open}${parts.join(',')}]`;
}

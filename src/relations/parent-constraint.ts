import type { AttributeKey } from '../core/attribute-types.js';
import type { Key } from '../core/values.js';
import type { KeySource } from '../query/clause.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { ModelInstance } from '../state/model-instance.js';

/**
 * `query` constrained to what a parent with `key` relates to: `field` equal to it, or (with
 * `via`) `field` among the `select` values of the rows of another table whose `where` equals it.
 * A parent without a key relates to nothing, not to the records whose field is null.
 */
export function constrainToParent<R extends ModelInstance>(
  query: QueryBuilder<R>,
  field: string,
  key: Key | undefined,
  via?: Omit<KeySource, 'equals'>,
): QueryBuilder<R> {
  const typed = field as AttributeKey<R>;
  if (key === undefined) return query.whereIn(typed, []);
  return via
    ? query.whereKeysOf(typed, { ...via, equals: [key] })
    : query.where(typed, key as never);
}

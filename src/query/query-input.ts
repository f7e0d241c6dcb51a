import { cmp } from 'dexie';
import { SchemaError, ValidationError } from '../core/errors.js';
import { relationMethod } from '../core/naming.js';
import { RESERVED_NAMES } from '../core/storable.js';
import { describe, isValidKey } from '../core/values.js';
import { schemaFields, softDeleteColumn } from '../state/lifecycle.js';
import type { ModelClass } from '../state/model-class.js';
import { type Clause, COMPARISONS, OPERATORS, type WhereOperator } from './clause.js';
import type { CountOperator } from './query-state.js';

/** The operators `has()` and `whereHas()` compare counts with. */
const COUNT_OPERATORS: ReadonlySet<string> = new Set<CountOperator>(COMPARISONS);

/** A SchemaError about `model`: the query does not fit the model. */
export function schemaError(model: ModelClass, message: string, field?: string): SchemaError {
  return new SchemaError(`${model.name} (table "${String(model.table)}"): ${message}`, {
    model: model.name,
    table: model.table,
    field,
  });
}

/** A ValidationError about `model`: a value the query cannot use. */
export function validationError(
  model: ModelClass,
  message: string,
  field: string,
): ValidationError {
  return new ValidationError(`${model.name} (table "${String(model.table)}"): ${message}`, {
    model: model.name,
    table: model.table,
    field,
  });
}

/** Checks that `field` names a queryable attribute of `model`: not reserved, not a relation. */
export function assertField(model: ModelClass, field: unknown): asserts field is string {
  if (checkedFields.get(model)?.has(field as string)) return;
  if (typeof field !== 'string' || field === '') {
    throw schemaError(model, `${describe(field)} is not a field name`);
  }
  if (RESERVED_NAMES.has(field)) {
    throw schemaError(model, `"${field}" is a reserved name and cannot be queried`, field);
  }
  const member = (model.prototype as Record<string, unknown>)[relationMethod(field)];
  if (typeof member === 'function') {
    throw schemaError(
      model,
      `"${field}" is a relation, not a field: filter on its foreign key or use with('${field}')`,
      field,
    );
  }
  const declared = schemaFields(model);
  const attribute = field.split('.')[0]!;
  if (declared && !declared.has(attribute)) {
    throw schemaError(
      model,
      `"${attribute}" is not a field of the model's schema (it has ${[...declared].join(', ')})`,
      field,
    );
  }
  // A model's fields and relations are fixed once it is defined: a field is checked once.
  const fields = checkedFields.get(model) ?? new Set<string>();
  checkedFields.set(model, fields.add(field));
}

/** The fields {@link assertField} found to be queryable, by model. */
const checkedFields = new WeakMap<ModelClass, Set<string>>();

/** `count` as a whole number >= 0, for `what`. */
export function wholeNumber(model: ModelClass, what: string, count: unknown): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw validationError(model, `${what} needs a whole number >= 0, not ${describe(count)}`, what);
  }
  return count;
}

/** `operator` as a count comparison. */
export function countOperator(model: ModelClass, operator: unknown): CountOperator {
  if (typeof operator !== 'string' || !COUNT_OPERATORS.has(operator)) {
    throw schemaError(
      model,
      `a relation count compares with = != < <= > >=, not ${describe(operator)}`,
    );
  }
  return operator as CountOperator;
}

/**
 * The clause `field operator value` of a `where` on `model`, checked: a field of the model, a
 * known operator, an array for `in` and a string for `startsWith`; an array value is copied.
 * @throws SchemaError for an unknown field or operator; ValidationError for a value of the wrong form.
 */
export function checkedClause(
  model: ModelClass,
  field: unknown,
  operator: unknown,
  value: unknown,
): Clause {
  assertField(model, field);
  if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
    throw schemaError(model, `unknown operator ${describe(operator)} on "${field}"`, field);
  }
  if (operator === 'in' && !Array.isArray(value)) {
    throw validationError(model, `"${field}" in ... needs an array of values`, field);
  }
  if (operator === 'startsWith' && typeof value !== 'string') {
    throw validationError(model, `"${field}" startsWith ... needs a string`, field);
  }
  const copied = Array.isArray(value) ? [...value] : value;
  return { field, operator: operator as WhereOperator, value: copied } as Clause;
}

/** `[low, high]` checked: both keys, in order. */
export function checkedBounds(
  model: ModelClass,
  field: string,
  low: unknown,
  high: unknown,
): [unknown, unknown] {
  if (!isValidKey(low) || !isValidKey(high) || cmp(low, high) > 0) {
    throw validationError(
      model,
      `whereBetween("${field}") needs [low, high] with low <= high, not [${describe(low)}, ${describe(high)}]`,
      field,
    );
  }
  return [low, high];
}

/** @throws SchemaError naming `call` when `model` has no soft deletes. */
export function assertSoftDeletes(model: ModelClass, call: string): void {
  if (softDeleteColumn(model) === undefined) {
    throw schemaError(model, `${call}(): the model has no soft deletes (static softDeletes)`);
  }
}

import { SchemaError, ValidationError } from '../core/errors.js';
import { relationMethod } from '../core/naming.js';
import { RESERVED_NAMES } from '../core/storable.js';
import { describe } from '../core/values.js';
import { schemaFields } from '../state/lifecycle.js';
import type { ModelClass } from '../state/model-class.js';
import type { CountOperator } from './query-state.js';

/** The operators `has()` and `whereHas()` compare counts with. */
const COUNT_OPERATORS: ReadonlySet<string> = new Set<CountOperator>([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
]);

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
}

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

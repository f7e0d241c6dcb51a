import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { sameValue } from '../core/values.js';
import type { ModelBase } from '../model/model.js';
import { type ModelContext, ownerOf } from './context.js';
import type { HookName } from './lifecycle.js';
import { dirtyOf, readAttribute, recordOf, writeAttribute } from './model-state.js';

/** Calls hook `name` of the model's class with each of `models`, one after another. */
export async function runHooks(
  context: ModelContext,
  name: HookName,
  models: readonly ModelBase[],
): Promise<void> {
  const hook = context.lifecycle.hooks[name];
  if (!hook) return;
  for (const model of models) await hook(model);
}

/**
 * Runs `fn`, a write of `context`'s table, in one transaction: over every table when the model has
 * hooks or touches (a hook may read and write any model), else over `tables`.
 */
export function lifecycleWrite<T>(
  context: ModelContext,
  fn: () => Promise<T>,
  tables: readonly string[] = [context.tableName],
): Promise<T> {
  const { lifecycle, runtime } = context;
  const wide = lifecycle.hasHooks || lifecycle.touches.length > 0;
  return wide
    ? runtime.write(runtime.tableNames, fn, context, true)
    : runtime.write(tables, fn, context);
}

/** Sets the timestamps of a model about to be inserted, where the caller has not set them. */
export function stampInsert(context: ModelContext, model: ModelBase, now: Date): void {
  const columns = context.lifecycle.timestamps;
  if (!columns) return;
  if (readAttribute(model, columns.createdAt) == null)
    writeAttribute(model, columns.createdAt, now);
  if (readAttribute(model, columns.updatedAt) == null)
    writeAttribute(model, columns.updatedAt, now);
}

/**
 * Sets `updated_at` of a stored model whose attributes changed, unless the change sets it; a model
 * with no change is left as it is.
 */
export function stampUpdate(context: ModelContext, model: ModelBase, now: Date): void {
  const columns = context.lifecycle.timestamps;
  if (!columns) return;
  const dirty = dirtyOf(model);
  if (Object.keys(dirty).length === 0 || Object.hasOwn(dirty, columns.updatedAt)) return;
  writeAttribute(model, columns.updatedAt, now);
}

/**
 * Validates the model's attributes with its schema, and takes the values the schema outputs.
 * @throws ValidationError listing every issue; the model is left as it was.
 */
export async function validateModel(context: ModelContext, model: ModelBase): Promise<void> {
  const schema = context.lifecycle.schema;
  if (!schema) return;
  const result = await schema['~standard'].validate(recordOf(model));
  if (result.issues) {
    const issues = result.issues.map(describeIssue);
    const listed = issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`);
    throw new ValidationError(
      `${context.modelName} (table "${context.tableName}"): the schema refused the attributes: ` +
        `${listed.join('; ')}; nothing was written`,
      { ...ownerOf(context), field: issues[0]?.path },
      issues,
    );
  }
  const output = result.value;
  if (typeof output !== 'object' || output === null) return;
  for (const [name, value] of Object.entries(output)) {
    if (value !== undefined && !sameValue(readAttribute(model, name), value)) {
      writeAttribute(model, name, value);
    }
  }
}

function describeIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Dexie } from 'dexie';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { type Row, sameValue } from '../core/values.js';
import { type ModelContext, ownerOf } from './context.js';
import type { HookName } from './lifecycle.js';
import type { ModelInstance } from './model-instance.js';
import { dirtyOf, readAttribute, recordOf, writeAttribute } from './model-state.js';

/**
 * Calls hook `name` of the model's class with each of `models`, one after another; synchronous
 * (no promise, no microtask) when the model has no such hook, so that a bulk write without hooks
 * keeps its transaction busy with requests, not with thousands of awaits.
 */
export function runHooks(
  context: ModelContext,
  name: HookName,
  models: readonly ModelInstance[],
): PromiseLike<void> | undefined {
  const hook = context.lifecycle.hooks[name];
  if (!hook || models.length === 0) return undefined;
  return eachInTurn(models, hook);
}

/**
 * Runs `step` for each model, one after another, as a chain of Dexie promises: inside a
 * transaction Dexie follows a native await for a bounded number of microtasks only, and a long
 * run of awaits that make no request (hooks, validators, over thousands of models) would leave
 * the transaction behind.
 */
export function eachInTurn<T>(
  items: readonly T[],
  step: (item: T) => PromiseLike<unknown> | unknown,
): PromiseLike<void> {
  let chain: PromiseLike<unknown> = Dexie.Promise.resolve();
  for (const item of items) chain = chain.then(() => step(item));
  return chain.then(() => undefined);
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
export function stampInsert(context: ModelContext, model: ModelInstance, now: Date): void {
  const columns = context.lifecycle.timestamps;
  if (!columns) return;
  if (readAttribute(model, columns.createdAt) == null)
    writeAttribute(model, columns.createdAt, now);
  if (readAttribute(model, columns.updatedAt) == null)
    writeAttribute(model, columns.updatedAt, now);
}

/** The change that stamps `updated_at` with `now`, for a model with timestamps; none otherwise. */
export function updateStamp(context: ModelContext, now: Date): Row {
  const columns = context.lifecycle.timestamps;
  return columns ? { [columns.updatedAt]: now } : {};
}

/**
 * Sets `updated_at` of a stored model whose attributes changed, unless the change sets it; a model
 * with no change is left as it is.
 */
export function stampUpdate(context: ModelContext, model: ModelInstance, now: Date): void {
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
export function validateModel(
  context: ModelContext,
  model: ModelInstance,
): Promise<void> | undefined {
  const schema = context.lifecycle.schema;
  if (!schema) return undefined;
  const result = schema['~standard'].validate(recordOf(model));
  if (result instanceof Promise)
    return result.then((settled) => takeResult(context, model, settled));
  takeResult(context, model, result);
  return undefined;
}

/** Throws for a result with issues; otherwise writes the schema's output into the model. */
function takeResult(
  context: ModelContext,
  model: ModelInstance,
  result: StandardSchemaV1.Result<unknown>,
): void {
  if (result.issues) throw schemaRefusal(context, result.issues, 'the attributes');
  const output = result.value;
  if (typeof output !== 'object' || output === null) return;
  for (const [name, value] of Object.entries(output)) {
    if (value !== undefined && !sameValue(readAttribute(model, name), value)) {
      writeAttribute(model, name, value);
    }
  }
}

/** The ValidationError for `what` (attributes, an imported record) that the schema refused. */
export function schemaRefusal(
  context: ModelContext,
  refused: readonly StandardSchemaV1.Issue[],
  what: string,
): ValidationError {
  const issues = refused.map(describeIssue);
  const listed = issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`);
  return new ValidationError(
    `${context.modelName} (table "${context.tableName}"): the schema refused ${what}: ` +
      `${listed.join('; ')}; nothing was written`,
    { ...ownerOf(context), field: issues[0]?.path },
    issues,
  );
}

function describeIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SchemaError } from '../core/errors.js';
import type { ModelInstance } from './model-instance.js';

/** One hook: called with the model being written; a rejection or throw cancels the write. */
export type ModelHook<M> = (model: M) => void | Promise<void>;

/**
 * What `static hooks` takes: functions called for every model written, inside the write's
 * transaction. `-ing` hooks run before the write (they may change the model, or throw to cancel
 * it), `-ed` hooks after it (a throw rolls the whole write back).
 * @example static override hooks: ModelHooks<Note> = { saving: (note) => { note.title = note.title.trim(); } };
 */
export interface ModelHooks<M> {
  /** Before a new model is inserted (after `saving`). */
  readonly creating?: ModelHook<M>;
  /** After a new model is inserted (before `saved`). */
  readonly created?: ModelHook<M>;
  /** Before a stored model's changes are written (after `saving`), only when something changed. */
  readonly updating?: ModelHook<M>;
  /** After a stored model's changes are written (before `saved`). */
  readonly updated?: ModelHook<M>;
  /** Before any save, insert or update. */
  readonly saving?: ModelHook<M>;
  /** After any save, insert or update, even one that changed nothing. */
  readonly saved?: ModelHook<M>;
  /** Before a delete, soft or forced. */
  readonly deleting?: ModelHook<M>;
  /** After a delete, soft or forced. */
  readonly deleted?: ModelHook<M>;
  /** Before a trashed model is restored. */
  readonly restoring?: ModelHook<M>;
  /** After a trashed model is restored. */
  readonly restored?: ModelHook<M>;
}

/** The names of the hooks. */
export type HookName = keyof ModelHooks<unknown>;

const HOOK_NAMES: ReadonlySet<string> = new Set<HookName>([
  'creating',
  'created',
  'updating',
  'updated',
  'saving',
  'saved',
  'deleting',
  'deleted',
  'restoring',
  'restored',
]);

/** The attributes that `static timestamps` stamps. */
export interface TimestampColumns {
  /** Set when a model is inserted. Default `'created_at'`. */
  readonly createdAt: string;
  /** Set on every write that changes something. Default `'updated_at'`. */
  readonly updatedAt: string;
}

/** What `static timestamps` takes: true for the default column names, or names of one's own. */
export type TimestampsSetting = boolean | Partial<TimestampColumns>;

/** What `static softDeletes` takes: true for a `deleted_at` column, or the column's name. */
export type SoftDeletesSetting = boolean | string;

/**
 * A Standard Schema v1 validator (zod, valibot, arktype...) whose output is the attributes `A`:
 * annotate `static schema` with it, so that a schema that does not produce the model's
 * attributes is a compile error.
 * @example static override schema: ModelSchema<NoteAttributes> = z.object({ title: z.string() });
 */
export type ModelSchema<A = unknown> = StandardSchemaV1<unknown, A>;

/** The statics of a model class that declare its lifecycle (see {@link ModelInstance}). */
export interface LifecycleStatics {
  /** The class name, as messages use it. */
  readonly name: string;
  /** The model's table. */
  readonly table: string;
  /** The primary key attribute, which no lifecycle column may be. */
  readonly primaryKey: string;
  /** Stamp `created_at`/`updated_at` (or the columns named) on every write. */
  readonly timestamps?: TimestampsSetting;
  /** Make `delete()` stamp `deleted_at` (or the column named) instead of removing the record. */
  readonly softDeletes?: SoftDeletesSetting;
  /** Constraints on every read, by name, each lifted by `withoutGlobalScope(name)`. */
  readonly scopes?: Readonly<Record<string, (query: never) => unknown>>;
  /** Functions called for every model written. */
  readonly hooks?: ModelHooks<never>;
  /** The validator every write runs. */
  readonly schema?: ModelSchema<unknown>;
  /** BelongsTo relation names whose parents each write touches. */
  readonly touches?: readonly string[];
}

/** What a model's statics say about its lifecycle, read and checked once per Database. */
export interface Lifecycle {
  /** The columns stamped on writes; undefined without timestamps. */
  readonly timestamps: TimestampColumns | undefined;
  /** The soft-delete column; undefined for a model whose deletes remove records. */
  readonly softDelete: string | undefined;
  /** The global scopes, by name. */
  readonly scopes: ReadonlyMap<string, (query: never) => unknown>;
  /** The hooks given (each a function). */
  readonly hooks: ModelHooks<ModelInstance>;
  /** True when any hook is given: writes then run in a transaction over every table. */
  readonly hasHooks: boolean;
  /** The validator, if any. */
  readonly schema: ModelSchema | undefined;
  /** The BelongsTo relations whose parents a write touches. */
  readonly touches: readonly string[];
  /** True when something constrains every read: soft deletes or a global scope. */
  readonly scoped: boolean;
}

/** The lifecycle of a model that declares none: the fast paths stay as they are. */
export const PLAIN_LIFECYCLE: Lifecycle = {
  timestamps: undefined,
  softDelete: undefined,
  scopes: new Map(),
  hooks: {},
  hasHooks: false,
  schema: undefined,
  touches: [],
  scoped: false,
};

/** The soft-delete column of `model`, or undefined. @throws SchemaError for a bad setting. */
export function softDeleteColumn(model: LifecycleStatics): string | undefined {
  const setting = model.softDeletes;
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return 'deleted_at';
  if (typeof setting === 'string' && setting !== '' && setting !== model.primaryKey) return setting;
  throw invalid(model, 'softDeletes', 'true, false or a column name other than the primary key');
}

/**
 * Reads and checks the lifecycle statics of `model`.
 * @throws SchemaError for a setting of the wrong shape.
 */
export function lifecycleOf(model: LifecycleStatics): Lifecycle {
  const timestamps = timestampColumns(model);
  const softDelete = softDeleteColumn(model);
  const scopes = scopesOf(model);
  const hooks = hooksOf(model);
  const schema = schemaOf(model);
  const touches = touchesOf(model);
  const hasHooks = Object.keys(hooks).length > 0;
  if (!timestamps && !softDelete && scopes.size === 0 && !hasHooks && !schema) {
    if (touches.length === 0) return PLAIN_LIFECYCLE;
  }
  return {
    timestamps,
    softDelete,
    scopes,
    hooks,
    hasHooks,
    schema,
    touches,
    scoped: softDelete !== undefined || scopes.size > 0,
  };
}

function timestampColumns(model: LifecycleStatics): TimestampColumns | undefined {
  const setting = model.timestamps;
  if (setting === undefined || setting === false) return undefined;
  const defaults = { createdAt: 'created_at', updatedAt: 'updated_at' };
  if (setting === true) return defaults;
  if (typeof setting === 'object' && setting !== null) {
    const columns = { ...defaults, ...setting };
    const names = [columns.createdAt, columns.updatedAt];
    if (
      names.every((name) => typeof name === 'string' && name !== '' && name !== model.primaryKey)
    ) {
      if (columns.createdAt !== columns.updatedAt) return columns;
    }
  }
  throw invalid(model, 'timestamps', 'true, false or { createdAt, updatedAt } (two column names)');
}

function scopesOf(model: LifecycleStatics): ReadonlyMap<string, (query: never) => unknown> {
  const setting = model.scopes;
  if (setting === undefined) return new Map();
  if (typeof setting !== 'object' || setting === null) {
    throw invalid(model, 'scopes', 'an object of functions, by name');
  }
  const scopes = new Map<string, (query: never) => unknown>();
  for (const [name, scope] of Object.entries(setting)) {
    if (typeof scope !== 'function') throw invalid(model, `scopes.${name}`, 'a function');
    scopes.set(name, scope as (query: never) => unknown);
  }
  return scopes;
}

function hooksOf(model: LifecycleStatics): ModelHooks<ModelInstance> {
  const setting = model.hooks;
  if (setting === undefined) return {};
  if (typeof setting !== 'object' || setting === null) {
    throw invalid(model, 'hooks', 'an object of hook functions');
  }
  for (const [name, hook] of Object.entries(setting)) {
    if (!HOOK_NAMES.has(name)) {
      throw invalid(model, `hooks.${name}`, `one of ${[...HOOK_NAMES].join(', ')}`);
    }
    if (typeof hook !== 'function') throw invalid(model, `hooks.${name}`, 'a function');
  }
  return setting as ModelHooks<ModelInstance>;
}

function schemaOf(model: LifecycleStatics): ModelSchema | undefined {
  const setting = model.schema;
  if (setting === undefined) return undefined;
  const standard = (setting as Partial<ModelSchema> | null)?.['~standard'];
  if (standard?.version === 1 && typeof standard.validate === 'function') return setting;
  throw invalid(model, 'schema', 'a Standard Schema v1 validator (zod, valibot, arktype...)');
}

function touchesOf(model: LifecycleStatics): readonly string[] {
  const setting = model.touches;
  if (setting === undefined) return [];
  if (Array.isArray(setting) && setting.every((name) => typeof name === 'string')) return setting;
  throw invalid(model, 'touches', 'a list of BelongsTo relation names');
}

function invalid(model: LifecycleStatics, setting: string, expected: string): SchemaError {
  return new SchemaError(
    `${model.name} (table "${String(model.table)}"): static ${setting} must be ${expected}`,
    { model: model.name, table: model.table, field: setting },
  );
}

const fieldsOfSchema = new WeakMap<object, ReadonlySet<string> | null>();

/**
 * The attribute names a model's schema declares, where the schema tells: through Standard JSON
 * Schema (zod 4 and others that implement it), else an object schema's `entries` (valibot) or
 * `shape` (zod 3). Undefined without a schema, or when the schema does not tell. The primary key,
 * timestamps and soft-delete column always count as declared.
 */
export function schemaFields(model: LifecycleStatics): ReadonlySet<string> | undefined {
  const schema = model.schema;
  if (typeof schema !== 'object' || schema === null) return undefined;
  let fields = fieldsOfSchema.get(schema);
  if (fields === undefined) {
    const names = declaredNames(schema);
    fields = names ? new Set(names) : null;
    fieldsOfSchema.set(schema, fields);
  }
  if (!fields) return undefined;
  const always = [model.primaryKey];
  const timestamps = model.timestamps;
  if (timestamps) {
    const columns = timestamps === true ? {} : timestamps;
    always.push(columns.createdAt ?? 'created_at', columns.updatedAt ?? 'updated_at');
  }
  const softDelete = model.softDeletes;
  if (softDelete) always.push(softDelete === true ? 'deleted_at' : softDelete);
  return always.every((name) => fields.has(name)) ? fields : new Set([...fields, ...always]);
}

function declaredNames(schema: object): string[] | undefined {
  const standard = (schema as { '~standard'?: { jsonSchema?: { output?: unknown } } })['~standard'];
  const output = standard?.jsonSchema?.output;
  if (typeof output === 'function') {
    try {
      const json = output({ target: 'draft-2020-12' }) as { properties?: object };
      if (json.properties && typeof json.properties === 'object')
        return Object.keys(json.properties);
    } catch {
      // A schema that cannot be written as JSON Schema still validates: its fields are unknown.
    }
  }
  for (const name of ['entries', 'shape']) {
    const value = (schema as Record<string, unknown>)[name];
    if (typeof value === 'object' && value !== null) return Object.keys(value);
  }
  return undefined;
}

import type { Observable } from 'rxjs';
import { ModelNotFoundError, SchemaError, ValidationError } from '../core/errors.js';
import { relationMethod } from '../core/naming.js';
import { withChanges } from '../core/records.js';
import { assertStorable, RESERVED_NAMES } from '../core/storable.js';
import { describe, type Row } from '../core/values.js';
import type { AttributeKey, AttributesOf, ModelBase } from '../model/model.js';
import type { RelationPath, WithRelations } from '../relations/relation-types.js';
import { contextOf, type DatabaseRuntime, type ModelContext, ownerOf } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { hydrate, liveComparison } from '../state/model-state.js';
import {
  type Clause,
  type KeySource,
  OPERATORS,
  type OrderDirection,
  type WhereOperator,
} from './clause.js';
import { countRows, readRows } from './query-plan.js';
import { EMPTY_QUERY, type QueryState, queryHash } from './query-state.js';

/**
 * A query over one model's table: filters, order, paging and eager loading, with promise
 * terminals and a live `observe()`. Builder methods change the query and return it.
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results, including eager-loaded relations
 */
export class QueryBuilder<M extends ModelBase, Out = M> {
  readonly #model: ModelClass<M>;
  readonly #runtime: DatabaseRuntime | undefined;
  #state: QueryState = EMPTY_QUERY;

  /**
   * A query over `model`'s table. Without `runtime` it runs on the Database that serves the model
   * when a terminal is called (the transaction's, else the newest); with one, always on that one.
   */
  constructor(model: ModelClass<M>, runtime?: DatabaseRuntime) {
    this.#model = model;
    this.#runtime = runtime;
  }

  /** Filters on `field = value` (`null` matches a missing or null value). */
  where<K extends AttributeKey<M>>(field: K, value: AttributesOf<M>[K] | null): this;
  /**
   * Filters with an operator: `= != < <= > >=`, `in` (an array), `startsWith` (a string),
   * `includes` (an array attribute holds the value; read through a `'*field'` index if declared).
   */
  where<K extends AttributeKey<M>>(field: K, operator: WhereOperator, value: unknown): this;
  /** Filters on several `field = value` pairs at once. */
  where(conditions: Partial<AttributesOf<M>>): this;
  where(...args: [string, unknown] | [string, WhereOperator, unknown] | [object]): this {
    if (args.length === 1) {
      const [conditions] = args;
      if (typeof conditions !== 'object' || conditions === null) {
        throw this.#schemaError('where() takes a field name or an object of field/value pairs');
      }
      for (const [field, value] of Object.entries(conditions)) this.#add(field, '=', value);
      return this;
    }
    if (args.length === 2) return this.#add(args[0], '=', args[1]);
    return this.#add(args[0], args[1], args[2]);
  }

  /** Filters on `field` being one of `values`. */
  whereIn<K extends AttributeKey<M>>(field: K, values: readonly AttributesOf<M>[K][]): this {
    return this.#add(field, 'in', values);
  }

  /**
   * Filters on `field` being one of the keys `source` reads from another table (a pivot or a
   * through table): how relations that pass through a table constrain their queries.
   */
  whereKeysOf(field: AttributeKey<M>, source: KeySource): this {
    this.#assertField(field);
    const clause: Clause = { field, operator: 'inKeysOf', value: source };
    this.#state = { ...this.#state, clauses: [...this.#state.clauses, clause] };
    return this;
  }

  /** Sorts by `field` (default ascending). Missing and null values sort first. */
  orderBy(field: AttributeKey<M>, direction: OrderDirection = 'asc'): this {
    this.#assertField(field);
    if (direction !== 'asc' && direction !== 'desc') {
      throw this.#schemaError(
        `orderBy() direction must be 'asc' or 'desc', not ${String(direction)}`,
      );
    }
    this.#state = { ...this.#state, order: { field, direction } };
    return this;
  }

  /** Returns at most `count` results. */
  limit(count: number): this {
    this.#state = { ...this.#state, limit: this.#count('limit', count) };
    return this;
  }

  /** Skips the first `count` results. */
  offset(count: number): this {
    this.#state = { ...this.#state, offset: this.#count('offset', count) };
    return this;
  }

  /**
   * Eager-loads relations with the results: one query per relation level for all results.
   * @throws SchemaError for a name that is not a relation of the model.
   * @example User.query().with('profile', 'profile.user').get()
   */
  with<P extends RelationPath<M>>(...relations: P[]): QueryBuilder<M, Out & WithRelations<M, P>> {
    const { runtime } = this.#context();
    for (const path of relations) {
      let model: ModelClass = this.#model;
      for (const name of String(path).split('.'))
        model = runtime.relation(model, name).relation.related;
    }
    this.#state = { ...this.#state, with: [...this.#state.with, ...relations] };
    return this as unknown as QueryBuilder<M, Out & WithRelations<M, P>>;
  }

  /** The matching models. */
  async get(): Promise<Out[]> {
    return this.#models(this.#context(), this.#state);
  }

  /** The first matching model, or null. */
  async first(): Promise<Out | null> {
    const [model] = await this.#models(this.#context(), { ...this.#state, limit: 1 });
    return model ?? null;
  }

  /** The first matching model. @throws ModelNotFoundError when nothing matches. */
  async firstOrFail(): Promise<Out> {
    const model = await this.first();
    if (model) return model;
    const context = this.#context();
    const conditions = this.#state.clauses.map(
      (c) => `${c.field} ${c.operator} ${describe(c.value)}`,
    );
    throw new ModelNotFoundError(
      `${context.modelName} (table "${context.tableName}"): no record matches ` +
        (conditions.length > 0 ? conditions.join(' and ') : 'the query'),
      ownerOf(context),
    );
  }

  /** The number of matching records (counted from an index, without reading them, where one fits). */
  async count(): Promise<number> {
    return this.#countIn(this.#context(), this.#state);
  }

  /** True when at least one record matches. */
  async exists(): Promise<boolean> {
    const context = this.#context();
    return (await this.#rows(context, { ...this.#state, limit: 1 })).length > 0;
  }

  /**
   * Writes `attributes` into every matching record, in one transaction; resolves to the count.
   * @throws ValidationError for values IndexedDB cannot store or a change of primary key.
   */
  async update(attributes: Partial<AttributesOf<M>>): Promise<number> {
    const context = this.#context();
    const changes = attributes as Row;
    assertStorable(changes, ownerOf(context));
    if (Object.hasOwn(changes, context.primaryKey)) {
      throw new ValidationError(
        `${context.modelName} (table "${context.tableName}"): update() cannot change the primary key "${context.primaryKey}"`,
        { ...ownerOf(context), field: context.primaryKey },
      );
    }
    const state = this.#state;
    return context.runtime.write(
      [context.tableName],
      async () => {
        const rows = await readRows(context, state);
        await context.table.bulkPut(rows.map((row) => withChanges(row, changes)));
        return rows.length;
      },
      context,
    );
  }

  /** Deletes every matching record, in one transaction; resolves to the count. */
  async delete(): Promise<number> {
    const context = this.#context();
    const state = this.#state;
    return context.runtime.write(
      [context.tableName],
      async () => {
        const rows = await readRows(context, state);
        await context.table.bulkDelete(rows.map((row) => row[context.primaryKey]) as never[]);
        return rows.length;
      },
      context,
    );
  }

  /**
   * A live array of the matching models (their eager-loaded relations kept live too). Observers
   * of equal queries on one Database share one live query.
   */
  observe(): Observable<Out[]> {
    const context = this.#context();
    const state = this.#state;
    return context.runtime.live(
      queryHash(context.tableName, state),
      () => this.#models(context, state),
      liveComparison,
    );
  }

  /** A live view of the first matching model, or null. */
  observeFirst(): Observable<Out | null> {
    const context = this.#context();
    const state: QueryState = { ...this.#state, limit: 1 };
    const hash = queryHash(context.tableName, state);
    return context.runtime.live(
      hash && `first\u0000${hash}`,
      async () => (await this.#models(context, state))[0] ?? null,
      liveComparison,
    );
  }

  /** A live count of the matching records, counted from an index where one fits. */
  observeCount(): Observable<number> {
    const context = this.#context();
    const state = this.#state;
    const hash = queryHash(context.tableName, { ...state, with: [] });
    return context.runtime.live(
      hash && `count\u0000${hash}`,
      () => this.#countIn(context, state),
      liveComparison,
    );
  }

  /** The query's state, as plain data. */
  get state(): QueryState {
    return this.#state;
  }

  #context(): ModelContext<M> {
    return this.#runtime ? this.#runtime.contextOf(this.#model) : contextOf(this.#model);
  }

  async #countIn(context: ModelContext<M>, state: QueryState): Promise<number> {
    try {
      return await countRows(context, state);
    } catch (error) {
      throw context.runtime.readFailed(error, context);
    }
  }

  async #models(context: ModelContext<M>, state: QueryState): Promise<Out[]> {
    const rows = await this.#rows(context, state);
    const models = rows.map((row) => hydrate(context, row));
    if (state.with.length > 0) await context.runtime.eagerLoad(models, state.with);
    return models as unknown as Out[];
  }

  async #rows(context: ModelContext, state: QueryState): Promise<Row[]> {
    try {
      return await readRows(context, state);
    } catch (error) {
      throw context.runtime.readFailed(error, context);
    }
  }

  #add(field: string, operator: WhereOperator, value: unknown): this {
    this.#assertField(field);
    if (!OPERATORS.has(operator)) {
      throw this.#schemaError(`unknown operator ${JSON.stringify(operator)} on "${field}"`, field);
    }
    if (operator === 'in' && !Array.isArray(value)) {
      throw this.#validationError(`"${field}" in ... needs an array of values`, field);
    }
    if (operator === 'startsWith' && typeof value !== 'string') {
      throw this.#validationError(`"${field}" startsWith ... needs a string`, field);
    }
    const clause: Clause = { field, operator, value: Array.isArray(value) ? [...value] : value };
    this.#state = { ...this.#state, clauses: [...this.#state.clauses, clause] };
    return this;
  }

  #assertField(field: unknown): asserts field is string {
    if (typeof field !== 'string' || field === '') {
      throw this.#schemaError(`${String(field)} is not a field name`);
    }
    if (RESERVED_NAMES.has(field)) {
      throw this.#schemaError(`"${field}" is a reserved name and cannot be queried`, field);
    }
    const member = (this.#model.prototype as Record<string, unknown>)[relationMethod(field)];
    if (typeof member === 'function') {
      throw this.#schemaError(
        `"${field}" is a relation, not a field: filter on its foreign key or use with('${field}')`,
        field,
      );
    }
  }

  #count(what: string, count: number): number {
    if (!Number.isInteger(count) || count < 0) {
      throw this.#validationError(
        `${what}() needs a whole number >= 0, not ${String(count)}`,
        what,
      );
    }
    return count;
  }

  #schemaError(message: string, field?: string): SchemaError {
    const { name, table } = this.#model;
    return new SchemaError(`${name} (table "${String(table)}"): ${message}`, {
      model: name,
      table,
      field,
    });
  }

  #validationError(message: string, field: string): ValidationError {
    const { name, table } = this.#model;
    return new ValidationError(`${name} (table "${String(table)}"): ${message}`, {
      model: name,
      table,
      field,
    });
  }
}

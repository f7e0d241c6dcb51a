import type { Observable } from 'rxjs';
import { ModelNotFoundError, ValidationError } from '../core/errors.js';
import { withChanges } from '../core/records.js';
import { assertAttributeSet, assertStorable } from '../core/storable.js';
import { describe, type Row } from '../core/values.js';
import type { AttributeKey, AttributesOf, ModelBase } from '../model/model.js';
import type { AnyRelation } from '../relations/relation.js';
import type {
  RelatedAt,
  RelatedModel,
  RelationName,
  RelationPath,
  WithRelations,
} from '../relations/relation-types.js';
import { contextOf, type DatabaseRuntime, type ModelContext, ownerOf } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { liveComparison } from '../state/model-state.js';
import {
  type Clause,
  type KeySource,
  OPERATORS,
  type OrderDirection,
  type WhereOperator,
} from './clause.js';
import {
  assertField,
  countOperator,
  schemaError,
  validationError,
  wholeNumber,
} from './query-input.js';
import {
  type Aggregate,
  type AggregateKind,
  type CountOperator,
  type EagerLoad,
  EMPTY_QUERY,
  type QueryState,
  queryHash,
  type RelationFilter,
} from './query-state.js';
import { countSelected, queryResults, selectRows } from './run-query.js';

/** The model at the end of relation path `P` of `M`, as a query callback receives it. */
type ModelAt<M, P extends string> = RelatedAt<M, P> extends infer R extends ModelBase ? R : never;

/** The operators that compare an attribute with one value of its type. */
export type ComparisonOperator = Exclude<WhereOperator, 'in' | 'startsWith' | 'includes'>;

/** The attribute names of `M` whose values are of type `T` (or missing). */
export type KeysOfType<M, T> = {
  [K in AttributeKey<M>]-?: NonNullable<AttributesOf<M>[K]> extends T ? K : never;
}[AttributeKey<M>];

/** The element type of an array attribute. */
export type ElementOf<A> = NonNullable<A> extends readonly (infer E)[] ? E : never;

/** A callback that constrains the query over the related models of relation path `P`. */
export type RelationConstraint<M, P extends string> = (
  query: QueryBuilder<ModelAt<M, P>>,
) => unknown;

/**
 * A record of relation paths of `M` (or, with `Allowed`, relation names), each with the
 * callback that constrains it; a key that is not one of them is typed `never`.
 */
export type RelationConstraints<M, K extends string, Allowed extends string = RelationPath<M>> = {
  [X in K]: X extends Allowed ? RelationConstraint<M, X> : never;
};

/** The properties `withCount(...names)` adds: `posts_count: number`. */
export type WithCounts<N extends string> = { [K in N as `${K}_count`]: number };

/** The properties `withExists(...names)` adds: `posts_exists: boolean`. */
export type WithExists<N extends string> = { [K in N as `${K}_exists`]: boolean };

/** The property `withSum('posts', 'likes')` (or min, max, avg) adds: `posts_sum_likes`. */
export type WithAggregate<N extends string, Kind extends string, F extends string> = {
  [K in `${N}_${Kind}_${F}`]: number | null;
};

/**
 * A query over one model's table: filters (on attributes and on related models), order, paging,
 * eager loading and aggregates, with promise terminals and a live `observe()`. Builder methods
 * change the query and return it.
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results, including eager-loaded relations and aggregates
 */
export class QueryBuilder<M extends ModelBase, Out = M> {
  readonly #model: ModelClass<M>;
  readonly #runtime: DatabaseRuntime | undefined;
  #state: QueryState;

  /**
   * A query over `model`'s table. Without `runtime` it runs on the Database that serves the model
   * when a terminal is called (the transaction's, else the newest); with one, always on that one.
   * `state` starts it from a query's plain-data state.
   */
  constructor(model: ModelClass<M>, runtime?: DatabaseRuntime, state: QueryState = EMPTY_QUERY) {
    this.#model = model;
    this.#runtime = runtime;
    this.#state = state;
  }

  /** Filters on `field = value` (`null` matches a missing or null value). */
  where<K extends AttributeKey<M>>(field: K, value: AttributesOf<M>[K] | null): this;
  /** Filters by comparing `field` with a value of its type: `= != < <= > >=`. */
  where<K extends AttributeKey<M>>(
    field: K,
    operator: ComparisonOperator,
    value: AttributesOf<M>[K] | null,
  ): this;
  /** Filters on `field` being one of `values`. */
  where<K extends AttributeKey<M>>(
    field: K,
    operator: 'in',
    values: readonly NonNullable<AttributesOf<M>[K]>[],
  ): this;
  /** Filters on a string attribute starting with `prefix`. */
  where<K extends KeysOfType<M, string>>(field: K, operator: 'startsWith', prefix: string): this;
  /**
   * Filters on an array attribute holding `value` (read through a `'*field'` index if declared).
   */
  where<K extends KeysOfType<M, readonly unknown[]>>(
    field: K,
    operator: 'includes',
    value: ElementOf<AttributesOf<M>[K]>,
  ): this;
  /** Filters on several `field = value` pairs at once. */
  where(conditions: Partial<AttributesOf<M>>): this;
  where(...args: [string, unknown] | [string, WhereOperator, unknown] | [object]): this {
    if (args.length === 1) {
      const [conditions] = args;
      if (typeof conditions !== 'object' || conditions === null) {
        throw schemaError(
          this.#model,
          'where() takes a field name or an object of field/value pairs',
        );
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
    assertField(this.#model, field);
    const clause: Clause = { field, operator: 'inKeysOf', value: source };
    return this.#update({ clauses: [...this.#state.clauses, clause] });
  }

  /** Sorts by `field` (default ascending). Missing and null values sort first. */
  orderBy(field: AttributeKey<M>, direction: OrderDirection = 'asc'): this {
    assertField(this.#model, field);
    if (direction !== 'asc' && direction !== 'desc') {
      throw schemaError(
        this.#model,
        `orderBy() direction must be 'asc' or 'desc', not ${String(direction)}`,
      );
    }
    return this.#update({ order: { field, direction } });
  }

  /** Returns at most `count` results (per parent, in a constrained eager load). */
  limit(count: number): this {
    return this.#update({ limit: wholeNumber(this.#model, 'limit()', count) });
  }

  /** Skips the first `count` results (per parent, in a constrained eager load). */
  offset(count: number): this {
    return this.#update({ offset: wholeNumber(this.#model, 'offset()', count) });
  }

  /**
   * Keeps the results that have related models along `relation` (a dotted path nests), or whose
   * number of related models compares to `count` by `operator`.
   * @example User.query().has('posts', '>=', 3)
   */
  has<P extends RelationPath<M>>(relation: P, operator: CountOperator = '>=', count = 1): this {
    return this.#filter(relation, undefined, operator, count);
  }

  /** Keeps the results that have no related model along `relation`. */
  doesntHave<P extends RelationPath<M>>(relation: P): this {
    return this.#filter(relation, undefined, '<', 1);
  }

  /**
   * Like {@link has}, counting only the related models that match `constraint`.
   * @example User.query().whereHas('posts', (query) => query.where('published', true))
   */
  whereHas<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
    operator: CountOperator = '>=',
    count = 1,
  ): this {
    return this.#filter(relation, constraint, operator, count);
  }

  /** Keeps the results that have no related model matching `constraint` along `relation`. */
  whereDoesntHave<P extends RelationPath<M>>(
    relation: P,
    constraint?: RelationConstraint<M, P>,
  ): this {
    return this.#filter(relation, constraint, '<', 1);
  }

  /**
   * Eager-loads relations with the results: one query per relation level for all results. A
   * record constrains what is loaded: filters, order, and `limit`/`offset` per parent; a dotted
   * key constrains a nested level.
   * @throws SchemaError for a name that is not a relation of the model.
   * @example User.query().with('profile', { posts: (query) => query.orderBy('id', 'desc').limit(3) })
   */
  with<P extends RelationPath<M>>(...relations: P[]): QueryBuilder<M, Out & WithRelations<M, P>>;
  /** Eager-loads relations, the last argument a record of constraints. */
  with<P extends RelationPath<M> = never, K extends string = never>(
    ...relations: [...P[], RelationConstraints<M, K>]
  ): QueryBuilder<M, Out & WithRelations<M, P | (K & RelationPath<M>)>>;
  with(...relations: unknown[]): unknown {
    const loads: EagerLoad[] = [];
    for (const [path, constraint] of this.#entries(relations)) {
      loads.push({ path, constraint: constraint && this.#constraint(path, constraint) });
    }
    return this.#update({ with: [...this.#state.with, ...loads] });
  }

  /**
   * Adds `<name>_count` to each result: its number of related models, counted from index keys;
   * a record counts only those matching its callback.
   * @example User.query().withCount('posts', { comments: (query) => query.where('approved', true) })
   */
  withCount<N extends RelationName<M>>(...relations: N[]): QueryBuilder<M, Out & WithCounts<N>>;
  /** As above, the last argument a record of constraints on what is included. */
  withCount<N extends RelationName<M> = never, K extends string = never>(
    ...relations: [...N[], RelationConstraints<M, K, RelationName<M>>]
  ): QueryBuilder<M, Out & WithCounts<N | (K & RelationName<M>)>>;
  withCount(...relations: unknown[]): unknown {
    const aggregates: Aggregate[] = [];
    for (const [name, constraint] of this.#entries(relations)) {
      aggregates.push(this.#aggregate(name, 'count', undefined, constraint));
    }
    return this.#withAggregates(aggregates);
  }

  /** Adds `<name>_exists` to each result: whether it has a related model. */
  withExists<N extends RelationName<M>>(...relations: N[]): QueryBuilder<M, Out & WithExists<N>>;
  /** As above, the last argument a record of constraints on what is included. */
  withExists<N extends RelationName<M> = never, K extends string = never>(
    ...relations: [...N[], RelationConstraints<M, K, RelationName<M>>]
  ): QueryBuilder<M, Out & WithExists<N | (K & RelationName<M>)>>;
  withExists(...relations: unknown[]): unknown {
    const aggregates: Aggregate[] = [];
    for (const [name, constraint] of this.#entries(relations)) {
      aggregates.push(this.#aggregate(name, 'exists', undefined, constraint));
    }
    return this.#withAggregates(aggregates);
  }

  /** Adds `<name>_sum_<field>`: the sum of `field` over the related models (null for none). */
  withSum<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'sum', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'sum', field, undefined)]);
  }

  /** Adds `<name>_min_<field>`: the least `field` of the related models (null for none). */
  withMin<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'min', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'min', field, undefined)]);
  }

  /** Adds `<name>_max_<field>`: the greatest `field` of the related models (null for none). */
  withMax<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'max', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'max', field, undefined)]);
  }

  /** Adds `<name>_avg_<field>`: the mean of `field` over the related models (null for none). */
  withAvg<N extends RelationName<M>, F extends AttributeKey<RelatedModel<M, N>>>(
    relation: N,
    field: F,
  ): QueryBuilder<M, Out & WithAggregate<N, 'avg', F>> {
    return this.#withAggregates([this.#aggregate(relation, 'avg', field, undefined)]);
  }

  /** The matching models. */
  async get(): Promise<Out[]> {
    return (await queryResults(this.#context(), this.#state)) as unknown as Out[];
  }

  /** The first matching model, or null. */
  async first(): Promise<Out | null> {
    const [model] = await queryResults(this.#context(), { ...this.#state, limit: 1 });
    return (model as unknown as Out | undefined) ?? null;
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
    return countSelected(this.#context(), this.#state);
  }

  /** True when at least one record matches. */
  async exists(): Promise<boolean> {
    return (await selectRows(this.#context(), { ...this.#state, limit: 1 })).length > 0;
  }

  /**
   * Writes `attributes` into every matching record, in one transaction; resolves to the count.
   * @throws ValidationError for values IndexedDB cannot store or a change of primary key.
   */
  async update(attributes: Partial<AttributesOf<M>>): Promise<number> {
    const context = this.#context();
    assertAttributeSet(attributes, ownerOf(context), 'update()');
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
      this.#tablesRead(context),
      async () => {
        const rows = await selectRows(context, state);
        await context.table.bulkPut(rows.map((row) => withChanges(row, changes)));
        return rows.length;
      },
      context,
    );
  }

  /**
   * Deletes every matching record, in one transaction with the delete rules of its relations;
   * resolves to the number of this query's records deleted.
   */
  async delete(): Promise<number> {
    const context = this.#context();
    const state = this.#state;
    return context.runtime.write(
      this.#tablesRead(context),
      async () => {
        const rows = await selectRows(context, state);
        await context.table.bulkDelete(rows.map((row) => row[context.primaryKey]) as never[]);
        return rows.length;
      },
      context,
    );
  }

  /**
   * A live array of the matching models (their eager-loaded relations and aggregates kept live
   * too). Observers of equal queries on one Database share one live query.
   */
  observe(): Observable<Out[]> {
    const context = this.#context();
    const state = this.#state;
    return context.runtime.live(
      queryHash(context.tableName, state),
      async () => (await queryResults(context, state)) as unknown as Out[],
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
      async () => ((await queryResults(context, state))[0] as unknown as Out | undefined) ?? null,
      liveComparison,
    );
  }

  /** A live count of the matching records, counted from an index where one fits. */
  observeCount(): Observable<number> {
    const context = this.#context();
    const state: QueryState = { ...this.#state, with: [], aggregates: [] };
    const hash = queryHash(context.tableName, state);
    return context.runtime.live(
      hash && `count\u0000${hash}`,
      () => countSelected(context, state),
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

  #update(change: Partial<QueryState>): this {
    this.#state = { ...this.#state, ...change };
    return this;
  }

  /** The tables a write over this query reads: its own, and those its relation filters reach. */
  #tablesRead(context: ModelContext<M>): string[] {
    return this.#state.has.length === 0 ? [context.tableName] : [...context.runtime.tableNames];
  }

  #add(field: string, operator: WhereOperator, value: unknown): this {
    const model = this.#model;
    assertField(model, field);
    if (!OPERATORS.has(operator)) {
      throw schemaError(model, `unknown operator ${JSON.stringify(operator)} on "${field}"`, field);
    }
    if (operator === 'in' && !Array.isArray(value)) {
      throw validationError(model, `"${field}" in ... needs an array of values`, field);
    }
    if (operator === 'startsWith' && typeof value !== 'string') {
      throw validationError(model, `"${field}" startsWith ... needs a string`, field);
    }
    const clause: Clause = { field, operator, value: Array.isArray(value) ? [...value] : value };
    return this.#update({ clauses: [...this.#state.clauses, clause] });
  }

  /**
   * A relation filter along `path`: the outer levels need one related model each (`whereHas`
   * nested), the last compares its count; a negation (`doesntHave`) applies to the whole path,
   * so `doesntHave('posts.comments')` keeps those without any post that has comments.
   */
  #filter(
    path: string,
    constraint: ((query: never) => unknown) | undefined,
    operator: CountOperator,
    count: number,
  ): this {
    const model = this.#model;
    const comparison = countOperator(model, operator);
    const expected = wholeNumber(model, 'a relation count', count);
    const negated = comparison === '<' && expected === 1;
    const names = this.#pathNames(path);
    let filter: RelationFilter = {
      relation: names.at(-1)!,
      constraint: constraint && this.#constraint(path, constraint),
      operator: negated ? '>=' : comparison,
      count: negated ? 1 : expected,
    };
    for (const name of names.slice(0, -1).reverse()) {
      filter = {
        relation: name,
        constraint: { ...EMPTY_QUERY, has: [filter] },
        operator: '>=',
        count: 1,
      };
    }
    if (negated) filter = { ...filter, operator: '<', count: 1 };
    return this.#update({ has: [...this.#state.has, filter] });
  }

  #aggregate(
    name: string,
    kind: AggregateKind,
    field: string | undefined,
    constraint: ((query: never) => unknown) | undefined,
  ): Aggregate {
    if (name.includes('.')) {
      throw schemaError(
        this.#model,
        `${kind} aggregates take relation names, not paths ("${name}")`,
      );
    }
    const related = this.#relatedAt(name);
    if (field !== undefined) assertField(related, field);
    const alias = field === undefined ? `${name}_${kind}` : `${name}_${kind}_${field}`;
    return {
      relation: name,
      kind,
      field,
      constraint: constraint && this.#constraint(name, constraint),
      alias,
    };
  }

  #withAggregates<T>(aggregates: readonly Aggregate[]): QueryBuilder<M, T> {
    const kept = this.#state.aggregates.filter(
      (existing) => !aggregates.some((added) => added.alias === existing.alias),
    );
    return this.#update({ aggregates: [...kept, ...aggregates] }) as unknown as QueryBuilder<M, T>;
  }

  /** Relation names and records of them with their callbacks, as `[path, callback]` pairs. */
  #entries(relations: readonly unknown[]): [string, ((query: never) => unknown) | undefined][] {
    const entries: [string, ((query: never) => unknown) | undefined][] = [];
    for (const item of relations) {
      if (typeof item === 'string') entries.push([item, undefined]);
      else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        for (const [path, callback] of Object.entries(item)) {
          entries.push([path, callback as (query: never) => unknown]);
        }
      } else {
        throw schemaError(
          this.#model,
          `${describe(item)} is not a relation name or a record of them`,
        );
      }
    }
    for (const [path] of entries) this.#pathNames(path);
    return entries;
  }

  /** The names along `path`, each checked to be a relation of the model before it. */
  #pathNames(path: string): string[] {
    if (typeof path !== 'string' || path === '') {
      throw schemaError(this.#model, `${describe(path)} is not a relation name`);
    }
    this.#relatedAt(path);
    return path.split('.');
  }

  /** The relations along `path`, in order. @throws SchemaError for a name that is not one. */
  #relationsAlong(path: string): AnyRelation[] {
    const { runtime } = this.#context();
    const relations: AnyRelation[] = [];
    let model: ModelClass = this.#model;
    for (const name of path.split('.')) {
      const { relation } = runtime.relation(model, name);
      relations.push(relation);
      model = relation.related;
    }
    return relations;
  }

  /** The model class at the end of relation path `path`. @throws SchemaError for a non-relation. */
  #relatedAt(path: string): ModelClass {
    return this.#relationsAlong(path).at(-1)!.related;
  }

  /** The state a constraint callback gives a fresh query over the models at the end of `path`. */
  #constraint(path: string, callback: (query: never) => unknown): QueryState {
    if (typeof callback !== 'function') {
      throw schemaError(
        this.#model,
        `the constraint of "${path}" must be a function (query) => ...`,
      );
    }
    const relations = this.#relationsAlong(path);
    if (relations.some((relation) => !relation.constrainable)) {
      throw schemaError(
        this.#model,
        `"${path}" reaches models of several classes through a MorphTo, which a query ` +
          'callback cannot constrain',
        path,
      );
    }
    const model = relations.at(-1)!.related;
    const { runtime } = this.#context();
    const query = new QueryBuilder(model, runtime);
    const returned = callback(query as never);
    return (returned instanceof QueryBuilder ? returned : query).state;
  }
}

import type { AttributeKey, AttributesOf, SoftDeletingModel } from '../core/attribute-types.js';
import { describe } from '../core/values.js';
import { contextOf, type DatabaseRuntime, type ModelContext } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import type { AnyOfClause, Clause, KeySource, OrderDirection, WhereOperator } from './clause.js';
import {
  assertField,
  assertSoftDeletes,
  checkedBounds,
  checkedClause,
  schemaError,
  wholeNumber,
} from './query-input.js';
import { EMPTY_QUERY, type QueryState } from './query-state.js';

/** The operators that compare an attribute with one value of its type. */
export type ComparisonOperator = Exclude<WhereOperator, 'in' | 'startsWith' | 'includes'>;

/** The attribute names of `M` whose values are of type `T` (or missing). */
export type KeysOfType<M, T> = {
  [K in AttributeKey<M>]-?: NonNullable<AttributesOf<M>[K]> extends T ? K : never;
}[AttributeKey<M>];

/** The element type of an array attribute. */
export type ElementOf<A> = NonNullable<A> extends readonly (infer E)[] ? E : never;

/** The forms of one condition on attribute `K` of `M`, each typed by the attribute. */
export type FieldCondition<M, K extends AttributeKey<M>> =
  | [field: K, value: AttributesOf<M>[K] | null]
  | [field: K, operator: ComparisonOperator, value: AttributesOf<M>[K] | null]
  | [field: K, operator: 'in', values: readonly NonNullable<AttributesOf<M>[K]>[]]
  | (NonNullable<AttributesOf<M>[K]> extends string
      ? [field: K, operator: 'startsWith', prefix: string]
      : never)
  | (NonNullable<AttributesOf<M>[K]> extends readonly unknown[]
      ? [field: K, operator: 'includes', value: ElementOf<AttributesOf<M>[K]>]
      : never);

/**
 * What `where` and `orWhere` take (and the model statics `User.where(...)`): a field and a value
 * (`=`), a field, an operator and a value, a record of `field = value` pairs, or a callback that
 * groups conditions (`where((q) => q.where(a).orWhere(b))`).
 */
export type WhereArguments<M extends ModelInstance> =
  | { [K in AttributeKey<M>]-?: FieldCondition<M, K> }[AttributeKey<M>]
  | [conditions: Partial<AttributesOf<M>>]
  | [group: (query: FilterBuilder<M>) => unknown];

/**
 * The filters, order and paging of a query over one model's table, as plain-data state. Each
 * method changes the query and returns it. Clauses given before `orWhere` form one alternative,
 * those after it the next; a record matches when it matches every clause of one alternative.
 * @typeParam M - the model queried
 */
export class FilterBuilder<M extends ModelInstance> {
  readonly #model: ModelClass<M>;
  readonly #runtime: DatabaseRuntime | undefined;
  #state: QueryState;
  /** The clauses the query started with, which every alternative keeps (a relation's). */
  readonly #fixed: number;
  /** True while the last clause holds the alternatives `orWhere` started. */
  #open = false;

  /**
   * A query over `model`'s table. Without `runtime` it runs on the Database that serves the model
   * when a terminal is called (the transaction's, else the newest); with one, always on that one.
   * `state` starts it from a query's plain-data state, whose clauses then hold in every
   * alternative that `orWhere` adds.
   */
  constructor(model: ModelClass<M>, runtime?: DatabaseRuntime, state: QueryState = EMPTY_QUERY) {
    this.#model = model;
    this.#runtime = runtime;
    this.#state = state;
    this.#fixed = state.clauses.length;
  }

  /**
   * Filters on a condition: `where(field, value)` (`null` matches a missing or null value),
   * `where(field, operator, value)` with `= != < <= > >= in startsWith includes`,
   * `where({ field: value })`, or `where((query) => ...)` to group conditions.
   */
  where(conditions: Partial<AttributesOf<M>>): this;
  where(...args: WhereArguments<M>): this;
  where(...args: WhereArguments<M>): this {
    return this.#condition(args as unknown[], false);
  }

  /**
   * Starts a new alternative with a condition (the forms of {@link where}): `where(a).orWhere(b)`
   * matches records that match `a` or `b`.
   */
  orWhere(...args: WhereArguments<M>): this {
    return this.#condition(args as unknown[], true);
  }

  /** Filters on `field` being one of `values`. */
  whereIn<K extends AttributeKey<M>>(field: K, values: readonly AttributesOf<M>[K][]): this {
    return this.#add(field, 'in', values, false);
  }

  /** Filters on `field` differing from `value`: `where(field, '!=', value)`. */
  whereNot<K extends AttributeKey<M>>(field: K, value: AttributesOf<M>[K] | null): this {
    return this.#add(field, '!=', value, false);
  }

  /** Filters on `field` being null or missing. */
  whereNull(field: AttributeKey<M>): this {
    return this.#add(field, '=', null, false);
  }

  /** Filters on `field` holding a value (neither null nor missing). */
  whereNotNull(field: AttributeKey<M>): this {
    return this.#add(field, '!=', null, false);
  }

  /**
   * Filters on `low <= field <= high`, read as one index range where `field` has an index.
   * @throws ValidationError when `low` sorts after `high`, or either is no IndexedDB key.
   */
  whereBetween<K extends AttributeKey<M>>(
    field: K,
    [low, high]: readonly [NonNullable<AttributesOf<M>[K]>, NonNullable<AttributesOf<M>[K]>],
  ): this {
    assertField(this.#model, field);
    const bounds = checkedBounds(this.#model, field, low, high);
    this.#add(field, '>=', bounds[0], false);
    return this.#add(field, '<=', bounds[1], false);
  }

  /**
   * Filters on `field` being one of the keys `source` reads from another table (a pivot or a
   * through table): how relations that pass through a table constrain their queries.
   */
  whereKeysOf(field: AttributeKey<M>, source: KeySource): this {
    assertField(this.#model, field);
    return this.#push({ field, operator: 'inKeysOf', value: source }, false);
  }

  /**
   * Sorts by `field` (default ascending), reading its index in order where one fits. Values that
   * are no IndexedDB key (missing, null, booleans) come after the others in either direction.
   */
  orderBy(field: AttributeKey<M>, direction: OrderDirection = 'asc'): this {
    assertField(this.#model, field);
    if (direction !== 'asc' && direction !== 'desc') {
      throw schemaError(
        this.#model,
        `orderBy() direction must be 'asc' or 'desc', not ${String(direction)}`,
      );
    }
    return this.change({ order: { field, direction } });
  }

  /** Returns at most `count` results (per parent, in a constrained eager load). */
  limit(count: number): this {
    return this.change({ limit: wholeNumber(this.#model, 'limit()', count) });
  }

  /** Skips the first `count` results (per parent, in a constrained eager load). */
  offset(count: number): this {
    return this.change({ offset: wholeNumber(this.#model, 'offset()', count) });
  }

  /**
   * Keeps trashed models in the results of a soft-deleting model.
   * @throws SchemaError for a model without soft deletes.
   */
  withTrashed<Q extends FilterBuilder<M>>(this: Q & SoftDeletingModel<M>): Q {
    return (this as Q).#trashed('withTrashed', 'with');
  }

  /**
   * Keeps only trashed models of a soft-deleting model.
   * @throws SchemaError for a model without soft deletes.
   */
  onlyTrashed<Q extends FilterBuilder<M>>(this: Q & SoftDeletingModel<M>): Q {
    return (this as Q).#trashed('onlyTrashed', 'only');
  }

  /**
   * Lifts the global scope `name` (of the model's `static scopes`) from this query.
   * @throws SchemaError for a name the model has no scope of.
   */
  withoutGlobalScope(name: string): this {
    const scopes = this.#model.scopes;
    if (!scopes || !Object.hasOwn(scopes, name)) {
      const known = Object.keys(scopes ?? {});
      throw schemaError(
        this.#model,
        `withoutGlobalScope(${describe(name)}): the model has no global scope of that name` +
          (known.length > 0 ? ` (it has ${known.join(', ')})` : ''),
      );
    }
    const { lifted } = this.#state.scopes;
    if (lifted === 'all' || lifted.includes(name)) return this;
    return this.change({ scopes: { ...this.#state.scopes, lifted: [...lifted, name].sort() } });
  }

  /** Lifts every global scope of the model from this query (soft deletes still apply). */
  withoutGlobalScopes(): this {
    return this.change({ scopes: { ...this.#state.scopes, lifted: 'all' } });
  }

  /** The query's state, as plain data. */
  get state(): QueryState {
    return this.#state;
  }

  /** The model class queried. */
  get model(): ModelClass<M> {
    return this.#model;
  }

  /** The Database's services for the model: the one given, else the one serving it now. @internal */
  protected context(): ModelContext<M> {
    return this.#runtime ? this.#runtime.contextOf(this.#model) : contextOf(this.#model);
  }

  /**
   * Removes the clauses this query added (not those it started with) and returns them, for an
   * alternative that `orHas` builds of them. @internal
   */
  protected takeOwnClauses(): Clause[] {
    const own = this.#state.clauses.slice(this.#fixed);
    this.#state = { ...this.#state, clauses: this.#state.clauses.slice(0, this.#fixed) };
    this.#open = false;
    return own;
  }

  /** Changes the state and returns the query. @internal */
  protected change(change: Partial<QueryState>): this {
    this.#state = { ...this.#state, ...change };
    return this;
  }

  #trashed(call: string, trashed: 'with' | 'only'): this {
    assertSoftDeletes(this.#model, call);
    return this.change({ scopes: { ...this.#state.scopes, trashed } });
  }

  #condition(args: readonly unknown[], alternative: boolean): this {
    if (args.length === 1) {
      const [first] = args;
      if (typeof first === 'function')
        return this.#group(first as (query: never) => unknown, alternative);
      if (typeof first !== 'object' || first === null) {
        throw schemaError(
          this.#model,
          'where() takes a field name, an object of field/value pairs or a callback',
        );
      }
      const entries = Object.entries(first);
      for (const [i, [field, value]] of entries.entries()) {
        this.#add(field, '=', value, alternative && i === 0);
      }
      return this;
    }
    if (args.length === 2) return this.#add(args[0], '=', args[1], alternative);
    return this.#add(args[0], args[1], args[2], alternative);
  }

  #group(callback: (query: never) => unknown, alternative: boolean): this {
    const query = new FilterBuilder(this.#model, this.#runtime);
    callback(query as never);
    const { clauses, order, limit, offset } = query.state;
    if (order || limit !== undefined || offset > 0) {
      throw schemaError(this.#model, 'a where() group takes conditions only, not order or paging');
    }
    for (const [i, clause] of clauses.entries()) this.#push(clause, alternative && i === 0);
    return this;
  }

  #add(field: unknown, operator: unknown, value: unknown, alternative: boolean): this {
    return this.#push(checkedClause(this.#model, field, operator, value), alternative);
  }

  /** Adds `clause` to the current alternative, or (`alternative`) as the first of a new one. */
  #push(clause: Clause, alternative: boolean): this {
    const clauses = this.#state.clauses;
    if (!alternative && !this.#open) return this.change({ clauses: [...clauses, clause] });
    const own = clauses.slice(this.#fixed);
    if (alternative && own.length > 0) {
      const branches = this.#open ? [...(own[0] as AnyOfClause).value, [clause]] : [own, [clause]];
      this.#open = true;
      const group: AnyOfClause = { field: '', operator: 'anyOf', value: branches };
      return this.change({ clauses: [...clauses.slice(0, this.#fixed), group] });
    }
    if (this.#open) {
      // Within the alternatives a previous orWhere opened: the clause joins the last one.
      const group = own[0] as AnyOfClause;
      const branches = group.value.slice(0, -1);
      const last = [...group.value.at(-1)!, clause];
      const grown: AnyOfClause = { field: '', operator: 'anyOf', value: [...branches, last] };
      return this.change({ clauses: [...clauses.slice(0, this.#fixed), grown] });
    }
    return this.change({ clauses: [...clauses, clause] });
  }
}

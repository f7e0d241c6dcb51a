import type { PromiseExtended } from 'dexie';
import type { Row } from '../core/values.js';
import type { QueryState, RelationFilter } from '../query/query-state.js';
import type { ModelInstance } from './model-instance.js';

/**
 * How the queries of one model run, given to its context by the Database: the query builder
 * describes what to read as query state, and this turns it into results, reading related models
 * for relation filters, eager loads and aggregates. Read errors come out as dexorm errors.
 * @typeParam M - the model queried
 */
export interface QueryRunner<M extends ModelInstance = ModelInstance> {
  /** The models `state` selects, with its eager loads and aggregates. */
  results(state: QueryState): Promise<M[]>;
  /**
   * {@link results} as a read of one chain of Dexie promises, with no native await, where
   * `state` reads its model's table alone (no relation filter, eager load, aggregate or global
   * scope); undefined otherwise. A live query follows such a read as it runs, where an async
   * one makes Dexie echo each of its microtasks back into the live query's zone.
   */
  resultsChain(state: QueryState): (() => PromiseExtended<M[]>) | undefined;
  /** {@link count} as such a read, where `state` has no relation filter or global scope. */
  countChain(state: QueryState): (() => PromiseExtended<number>) | undefined;
  /** The models `state` selects (its clauses, relation filters and paging), without loads. */
  select(state: QueryState): Promise<M[]>;
  /** The rows of the models `state` selects, as stored. */
  rows(state: QueryState): Promise<Row[]>;
  /** How many records `state` selects: counted from an index, without reading them, where one fits. */
  count(state: QueryState): Promise<number>;
  /** Loads `state`'s eager loads and aggregates (either may be left out) onto `models`; resolves to them. */
  loadOnto(state: Partial<Pick<QueryState, 'with' | 'aggregates'>>, models: M[]): Promise<M[]>;
  /** The `models` whose related models satisfy every one of `filters`, in their order. */
  filterByRelations(models: readonly M[], filters: readonly RelationFilter[]): Promise<M[]>;
}

import type { PromiseExtended } from 'dexie';
import type { Row } from '../core/values.js';
import { globalScopesApply } from '../query/global-scopes.js';
import { countRows, readRows } from '../query/query-plan.js';
import type { QueryState, RelationFilter } from '../query/query-state.js';
import { failedReadOf, type ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { hydrate, originalOf } from '../state/model-state.js';
import type { QueryRunner } from '../state/query-runner.js';
import { addAggregates } from './aggregates.js';
import { eagerLoad } from './eager-loader.js';
import type { Execution } from './execution.js';
import { filteredLoadOf, readFilteredLoad } from './filtered-load.js';
import { relatedFirst } from './related-first.js';
import { filterByRelations } from './relation-filters.js';

/** The queries of one model, run: its rows, then its relation filters, paging and loads. */
export class ModelQueries<M extends ModelInstance> implements QueryRunner<M> {
  readonly #execution: Execution;
  readonly #context: ModelContext<M>;

  constructor(execution: Execution, context: ModelContext<M>) {
    this.#execution = execution;
    this.#context = context;
  }

  async results(state: QueryState): Promise<M[]> {
    const context = this.#context;
    const found = filteredLoadOf(this.#execution, context, state);
    if (!found) return this.loadOnto(state, await this.select(state));
    // The relation filtered by and loaded (withWhereHas) is read once, for both.
    const parents = await readFilteredLoad(context, state, found, (rest) =>
      this.select(rest),
    ).catch(async (error: unknown) => {
      throw await context.runtime.readFailed(error, context);
    });
    return this.loadOnto(
      { ...state, with: state.with.filter((load) => load !== found.load) },
      parents,
    );
  }

  /**
   * The models `state` selects, hydrated: its rows, then its relation filters, then its paging
   * (which a relation filter must precede).
   */
  async select(state: QueryState): Promise<M[]> {
    return this.#selectConstrained(this.#context.constrain(state));
  }

  resultsChain(state: QueryState): (() => PromiseExtended<M[]>) | undefined {
    const context = this.#context;
    if (!this.#readsOwnTable(state) || state.with.length > 0 || state.aggregates.length > 0) {
      return undefined;
    }
    return () =>
      readRows(context, context.constrain(state))
        .then((rows) => this.#hydrate(rows))
        .catch(failedReadOf(context));
  }

  countChain(state: QueryState): (() => PromiseExtended<number>) | undefined {
    const context = this.#context;
    if (!this.#readsOwnTable(state)) return undefined;
    return () => countRows(context, context.constrain(state)).catch(failedReadOf(context));
  }

  /**
   * True when `state` reads its model's table alone: no relation filter, and no global scope,
   * which may add one.
   */
  #readsOwnTable(state: QueryState): boolean {
    return state.has.length === 0 && !globalScopesApply(this.#context.lifecycle, state);
  }

  async rows(state: QueryState): Promise<Row[]> {
    const context = this.#context;
    state = context.constrain(state);
    if (state.has.length === 0) return readRows(context, state);
    const models = await this.#selectConstrained(state);
    return models.map((model) => originalOf(model)!);
  }

  async count(state: QueryState): Promise<number> {
    const context = this.#context;
    state = context.constrain(state);
    if (state.has.length > 0) return (await this.#selectConstrained(state)).length;
    try {
      return await countRows(context, state);
    } catch (error) {
      throw await context.runtime.readFailed(error, context);
    }
  }

  /** {@link select} of a state already constrained by the model's read constraints. */
  async #selectConstrained(state: QueryState): Promise<M[]> {
    const context = this.#context;
    try {
      if (state.has.length === 0) return this.#hydrate(await readRows(context, state));
      state = await relatedFirst(this.#execution, context, state);
      if (state.has.length === 0) return this.#hydrate(await readRows(context, state));
      const end = state.limit === undefined ? undefined : state.offset + state.limit;
      // With paging, parents are read in growing batches until enough pass the relation filters.
      let batch = end === undefined ? undefined : Math.max(2 * end, 16);
      for (;;) {
        const rows = await readRows(context, { ...state, limit: batch, offset: 0 });
        const kept = await this.filterByRelations(this.#hydrate(rows), state.has);
        if (end === undefined) return state.offset > 0 ? kept.slice(state.offset) : kept;
        if (kept.length >= end || rows.length < batch!) return kept.slice(state.offset, end);
        batch = batch! * 4;
      }
    } catch (error) {
      throw await context.runtime.readFailed(error, context);
    }
  }

  async loadOnto(
    { with: loads = [], aggregates = [] }: Partial<Pick<QueryState, 'with' | 'aggregates'>>,
    models: M[],
  ): Promise<M[]> {
    if (models.length === 0) return models;
    const context = this.#context;
    try {
      await Promise.all([
        loads.length > 0 ? eagerLoad(this.#execution, models, loads) : undefined,
        addAggregates(this.#execution, context.model, models, aggregates),
      ]);
    } catch (error) {
      throw await context.runtime.readFailed(error, context);
    }
    return models;
  }

  filterByRelations(models: readonly M[], filters: readonly RelationFilter[]): Promise<M[]> {
    return filterByRelations(this.#execution, this.#context.model, models, filters);
  }

  #hydrate(rows: readonly Row[]): M[] {
    const context = this.#context;
    return rows.map((row) => hydrate(context, row));
  }
}

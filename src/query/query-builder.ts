import type { PromiseExtended } from 'dexie';
import type { Observable } from 'rxjs';
import type { AttributeKey, AttributesOf } from '../core/attribute-types.js';
import { ModelNotFoundError } from '../core/errors.js';
import { describe, valueAt } from '../core/values.js';
import type { LiveComparison } from '../live/live-observable.js';
import { type ModelContext, ownerOf } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { liveComparison } from '../state/model-state.js';
import { type CursorPage, cursorPaginate, firstCursorPageChain } from './cursor-paging.js';
import { directReadOf, observeDirect } from './direct-reads.js';
import { explainRead, type QueryExplanation } from './explain.js';
import { type Page, pageComparison, paginate, paginateChain } from './paging.js';
import { liveShareKey, type QueryState } from './query-state.js';
import { WriteBuilder } from './write-builder.js';

/** A read as one chain of Dexie promises, with no native await. */
type Chained<T> = () => PromiseExtended<T>;

/** How {@link QueryBuilder}'s live views read: see its `#live`. */
interface LiveRead<M extends ModelInstance, T> {
  /** The read, as an async function. */
  readonly read: (context: ModelContext<M>) => Promise<T>;
  /** The read as one chain of Dexie promises, where the query allows one. */
  readonly chain?: (context: ModelContext<M>) => Chained<T> | undefined;
  /** Whether a direct read of the first model (true) or of all (false) may serve. */
  readonly direct?: boolean;
  /** How results are compared; by stored rows unless given. */
  readonly comparison?: LiveComparison<NoInfer<T>>;
}

declare module './query-type.js' {
  // The builder's role classes name it as Query: this makes the two one type.
  interface Query<M extends ModelInstance, Out = M> extends QueryBuilder<M, Out> {}
}

/**
 * A query over one model's table: filters (on attributes and on related models), order, paging,
 * eager loading and aggregates, with promise terminals and a live `observe()`. Builder methods
 * change the query and return it.
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results, including eager-loaded relations and aggregates
 */
export class QueryBuilder<M extends ModelInstance, Out = M> extends WriteBuilder<M, Out> {
  /** The matching models. */
  async get(): Promise<Out[]> {
    return (await this.context().queries.results(this.state)) as unknown as Out[];
  }

  /** The first matching model, or null. */
  async first(): Promise<Out | null> {
    const [model] = await this.context().queries.results({ ...this.state, limit: 1 });
    return (model as unknown as Out | undefined) ?? null;
  }

  /** The first matching model. @throws ModelNotFoundError when nothing matches. */
  async firstOrFail(): Promise<Out> {
    const model = await this.first();
    if (model) return model;
    const context = this.context();
    const conditions = this.state.clauses.map(
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
    return this.context().queries.count(this.state);
  }

  /** True when at least one record matches. */
  async exists(): Promise<boolean> {
    return (await this.context().queries.rows({ ...this.state, limit: 1 })).length > 0;
  }

  /**
   * A live array of the matching models (their eager-loaded relations and aggregates kept live
   * too). Observers of equal queries on one Database share one live query.
   */
  observe(): Observable<Out[]> {
    const state = this.state;
    return this.#live([], state, {
      read: async (context) => (await context.queries.results(state)) as unknown as Out[],
      chain: (context) => context.queries.resultsChain(state) as Chained<Out[]> | undefined,
      direct: false,
    });
  }

  /** A live view of the first matching model, or null. */
  observeFirst(): Observable<Out | null> {
    const state: QueryState = { ...this.state, limit: 1 };
    return this.#live(['first'], state, {
      read: async (context) =>
        ((await context.queries.results(state))[0] as unknown as Out | undefined) ?? null,
      chain: (context) => {
        const results = context.queries.resultsChain(state);
        return (
          results && (() => results().then((models) => (models[0] as Out | undefined) ?? null))
        );
      },
      direct: true,
    });
  }

  /** A live count of the matching records, counted from an index where one fits. */
  observeCount(): Observable<number> {
    const state: QueryState = { ...this.state, with: [], aggregates: [] };
    return this.#live(['count'], state, {
      read: (context) => context.queries.count(state),
      chain: (context) => context.queries.countChain(state),
    });
  }

  /**
   * How the query will read: the index, the range, whether the order comes from the index and
   * paging stops the read, and what is checked in memory. Reads no record.
   * @example await Post.query().orderBy('created_at', 'desc').limit(10).explain()
   */
  explain(): Promise<QueryExplanation> {
    return explainRead(this.context(), this.state);
  }

  /**
   * Page `page` (from 1) of `perPage` results, with the total: `{ data, total, perPage,
   * currentPage, lastPage }`. The query's own limit and offset are replaced.
   * @throws ValidationError for a page or size that is not a whole number of 1 or more.
   */
  async paginate(page: number, perPage: number): Promise<Page<Out>> {
    return (await paginate(this.context(), this.state, page, perPage)) as unknown as Page<Out>;
  }

  /**
   * A page of `perPage` results after the record `cursor` names (the first page without one), read
   * from that record on through the order's index (the primary key without `orderBy`), so that
   * page 1,000 costs what page 1 does. `nextCursor`/`previousCursor` are null at the ends.
   * @throws ValidationError for a cursor of another query, or one cut short or altered.
   */
  async cursorPaginate(perPage: number, cursor?: string | null): Promise<CursorPage<Out>> {
    const page = await cursorPaginate(this.context(), this.state, perPage, cursor);
    return page as unknown as CursorPage<Out>;
  }

  /** A live {@link paginate}: emits the page again when its results or the total change. */
  observePage(page: number, perPage: number): Observable<Page<Out>> {
    const state = this.state;
    return this.#live(['page', page, perPage], state, {
      read: async (context) =>
        (await paginate(context, state, page, perPage)) as unknown as Page<Out>,
      chain: (context) =>
        paginateChain(context, state, page, perPage) as Chained<Page<Out>> | undefined,
      comparison: pageComparison,
    });
  }

  /** A live {@link cursorPaginate}: emits the page again when its results change. */
  observeCursorPage(perPage: number, cursor?: string | null): Observable<CursorPage<Out>> {
    const state = this.state;
    return this.#live(['cursor', perPage, cursor ?? ''], state, {
      read: async (context) =>
        (await cursorPaginate(context, state, perPage, cursor)) as unknown as CursorPage<Out>,
      chain: (context) =>
        firstCursorPageChain(context, state, perPage, cursor) as
          | Chained<CursorPage<Out>>
          | undefined,
      comparison: pageComparison,
    });
  }

  /**
   * A live query of `state`, shared by the observers of an equal query read the same way (`kind`:
   * what is read of it, and with which arguments). A query the planner would answer with one key
   * of one index (`direct`: its first model, or all) runs as that one read; one that reads its
   * own table alone, as the chain of Dexie promises `chain` gives; any other, as `read`.
   */
  #live<T>(
    kind: readonly (string | number)[],
    state: QueryState,
    how: LiveRead<M, T>,
  ): Observable<T> {
    const context = this.context();
    const shareKey = liveShareKey(kind.map(String), context.tableName, state);
    const { read, chain, direct, comparison = liveComparison } = how;
    const fast = direct === undefined ? undefined : directReadOf(context, state, direct);
    if (fast) {
      return observeDirect(context.runtime, context.model, shareKey, fast, () => read(context));
    }
    const chained = chain?.(context);
    if (chained) return context.runtime.liveChain(shareKey, chained, comparison);
    return context.runtime.live(shareKey, () => read(context), comparison);
  }

  /** The values of `field` of the matching records, in the query's order. */
  async pluck<K extends AttributeKey<M>>(field: K): Promise<AttributesOf<M>[K][]> {
    const rows = await this.context().queries.rows(this.state);
    return rows.map((row) => valueAt(row, field) as AttributesOf<M>[K]);
  }

  /**
   * Walks the matching models in batches of `size` (default 500), read page by page through a
   * keyset cursor so that memory stays bounded whatever the table's size; `callback` returning
   * `false` stops the walk. The query's own limit and offset are ignored.
   */
  async chunk(
    size: number,
    callback: (models: Out[]) => unknown | Promise<unknown>,
  ): Promise<void> {
    let cursor: string | null = null;
    do {
      const page: CursorPage<Out> = await this.cursorPaginate(size, cursor);
      if (page.data.length === 0 || (await callback(page.data)) === false) return;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** Calls `callback` for each matching model, read in batches of `size` (default 500). */
  async each(callback: (model: Out) => unknown | Promise<unknown>, size = 500): Promise<void> {
    let stopped = false;
    await this.chunk(size, async (models) => {
      for (const model of models) {
        if ((await callback(model)) === false) {
          stopped = true;
          return false;
        }
      }
      return !stopped;
    });
  }

  /** @internal */
  protected blank<R extends ModelInstance>(model: ModelClass<R>): QueryBuilder<R> {
    return new QueryBuilder(model, this.context().runtime);
  }
}

import { Dexie, type PromiseExtended } from 'dexie';
import type { LiveComparison } from '../live/live-observable.js';
import type { ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { liveComparison } from '../state/model-state.js';
import { validationError } from './query-input.js';
import type { QueryState } from './query-state.js';

/** One page of an offset-paged query (`paginate`). */
export interface Page<T> {
  /** The page's results. */
  readonly data: T[];
  /** How many results the whole query has. */
  readonly total: number;
  /** The most results a page holds. */
  readonly perPage: number;
  /** This page's number, from 1. */
  readonly currentPage: number;
  /** The number of the last page (1 when there is no result). */
  readonly lastPage: number;
}

/** Page `page` of `state`'s results, `perPage` a page, with the total count. */
export async function paginate<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
  page: number,
  perPage: number,
): Promise<Page<M>> {
  checkPage(context, page, perPage);
  const reads = pageStates(state, page, perPage);
  const [total, data] = await Promise.all([
    context.queries.count(reads.total),
    context.queries.results(reads.data),
  ]);
  return pageOf(data, total, page, perPage);
}

/**
 * {@link paginate} as a read of one chain of Dexie promises, where the query reads its own table
 * alone (see `resultsChain`); undefined otherwise. A live page re-runs it.
 */
export function paginateChain<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
  page: number,
  perPage: number,
): (() => PromiseExtended<Page<M>>) | undefined {
  const reads = pageStates(state, page, perPage);
  const total = context.queries.countChain(reads.total);
  const data = context.queries.resultsChain(reads.data);
  if (!total || !data) return undefined;
  return () => {
    checkPage(context, page, perPage);
    return Dexie.Promise.all([total(), data()]).then(([count, models]) =>
      pageOf(models, count, page, perPage),
    );
  };
}

/** What a page counts (the whole query, without loads) and what it reads. */
function pageStates(
  state: QueryState,
  page: number,
  perPage: number,
): { total: QueryState; data: QueryState } {
  const base: QueryState = { ...state, limit: undefined, offset: 0 };
  return {
    total: { ...base, with: [], aggregates: [] },
    data: { ...base, offset: (page - 1) * perPage, limit: perPage },
  };
}

function checkPage(context: ModelContext, page: number, perPage: number): void {
  if (!Number.isInteger(page) || page < 1) {
    throw validationError(
      context.model,
      `paginate() needs a page number of 1 or more, not ${page}`,
      'page',
    );
  }
  checkPerPage(context, perPage, 'paginate()');
}

function pageOf<T>(data: T[], total: number, page: number, perPage: number): Page<T> {
  return {
    data,
    total,
    perPage,
    currentPage: page,
    lastPage: Math.max(1, Math.ceil(total / perPage)),
  };
}

/** Refuses a page size that is not a whole number of 1 or more. */
export function checkPerPage(context: ModelContext, perPage: number, what: string): void {
  if (!Number.isInteger(perPage) || perPage < 1) {
    throw validationError(
      context.model,
      `${what} needs a page size of 1 or more, not ${perPage}`,
      'perPage',
    );
  }
}

/** Live pages are equal when their numbers and their models' stored rows are. */
export const pageComparison: LiveComparison<unknown> = {
  contentOf: (page) => {
    const { data, ...rest } = page as { data: unknown };
    return { ...rest, data: liveComparison.contentOf(data) };
  },
  sameContent: liveComparison.sameContent,
};

import type { Row } from '../core/values.js';
import type { ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { hydrate, originalOf } from '../state/model-state.js';
import { addAggregates } from './aggregates.js';
import { eagerLoad } from './eager-loader.js';
import { filteredLoadOf, readFilteredLoad } from './filtered-load.js';
import { countRows, readRows } from './query-plan.js';
import type { QueryState } from './query-state.js';
import { relatedFirst } from './related-first.js';
import { filterByRelations } from './relation-filters.js';

/**
 * The models `state` selects, hydrated: its rows, then its relation filters, then its paging
 * (which a relation filter must precede). Read errors come out as dexorm errors.
 */
export async function selectModels<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
): Promise<M[]> {
  state = context.constrain(state);
  try {
    if (state.has.length === 0) return hydrateAll(context, await readRows(context, state));
    state = await relatedFirst(context, state, selectRows);
    if (state.has.length === 0) return hydrateAll(context, await readRows(context, state));
    const { runtime, model } = context;
    const end = state.limit === undefined ? undefined : state.offset + state.limit;
    // With paging, parents are read in growing batches until enough pass the relation filters.
    let batch = end === undefined ? undefined : Math.max(2 * end, 16);
    for (;;) {
      const rows = await readRows(context, { ...state, limit: batch, offset: 0 });
      const kept = await filterByRelations(runtime, model, hydrateAll(context, rows), state.has);
      if (end === undefined) return state.offset > 0 ? kept.slice(state.offset) : kept;
      if (kept.length >= end || rows.length < batch!) return kept.slice(state.offset, end);
      batch = batch! * 4;
    }
  } catch (error) {
    throw await context.runtime.readFailed(error, context);
  }
}

/** The results of `state`: the models it selects, with its eager loads and aggregates. */
export async function queryResults<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
): Promise<M[]> {
  const found = filteredLoadOf(context, state);
  if (found) {
    // The relation filtered by and loaded (withWhereHas) is read once, for both.
    const parents = await readFilteredLoad(context, state, found, (rest) =>
      selectModels(context, rest),
    ).catch(async (error: unknown) => {
      throw await context.runtime.readFailed(error, context);
    });
    return loadOnto(
      context,
      { ...state, with: state.with.filter((load) => load !== found.load) },
      parents,
    );
  }
  return loadOnto(context, state, await selectModels(context, state));
}

/** Loads `state`'s eager loads and aggregates onto `models` (selected by it); resolves to them. */
export async function loadOnto<M extends ModelInstance>(
  context: ModelContext<M>,
  state: QueryState,
  models: M[],
): Promise<M[]> {
  if (models.length === 0) return models;
  const { runtime, model } = context;
  try {
    await Promise.all([
      state.with.length > 0 ? eagerLoad(runtime, models, state.with) : undefined,
      addAggregates(runtime, model, models, state.aggregates),
    ]);
  } catch (error) {
    throw await runtime.readFailed(error, context);
  }
  return models;
}

/** How many records `state` selects: counted from an index, without reading them, where one fits. */
export async function countSelected(context: ModelContext, state: QueryState): Promise<number> {
  state = context.constrain(state);
  if (state.has.length > 0) return (await selectModels(context, state)).length;
  try {
    return await countRows(context, state);
  } catch (error) {
    throw await context.runtime.readFailed(error, context);
  }
}

/** The rows of the models `state` selects, as stored. */
export async function selectRows(context: ModelContext, state: QueryState): Promise<Row[]> {
  state = context.constrain(state);
  if (state.has.length === 0) return readRows(context, state);
  const models = await selectModels(context, state);
  return models.map((model) => originalOf(model)!);
}

function hydrateAll<M extends ModelInstance>(context: ModelContext<M>, rows: readonly Row[]): M[] {
  return rows.map((row) => hydrate(context, row));
}

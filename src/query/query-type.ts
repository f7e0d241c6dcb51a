import type { ModelInstance } from '../state/model-instance.js';

/**
 * A query over `M`'s table whose results are `Out`: the {@link QueryBuilder} itself. It is
 * declared here, empty, for the classes the builder is made of, which cannot import the class
 * built on them; query-builder.ts merges QueryBuilder into it.
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results
 */
// biome-ignore lint/suspicious/noEmptyInterface: query-builder.ts merges the class into it
// biome-ignore lint/correctness/noUnusedVariables: its members, which use both, come from the class
export interface Query<M extends ModelInstance, Out = M> {}

import type { AnyRelation } from '../relations/relation.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';

/** What running the queries of one Database reaches: its runtime, and its models' relations. */
export interface Execution {
  readonly runtime: DatabaseRuntime;
  /** Relation `name` of `model`. @throws SchemaError when the model has none. */
  relation(model: ModelClass, name: string): AnyRelation;
}

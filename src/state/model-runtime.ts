import {
  currentRuntime,
  type DatabaseRuntime,
  type ModelContext,
  transactionRuntime,
} from './context.js';
import type { ModelClass } from './model-class.js';
import type { ModelInstance } from './model-instance.js';
import { runtimeOf } from './model-state.js';

/**
 * The Database a model instance uses: inside a `db.transaction()` the transaction's (so that the
 * transaction holds every write in it), otherwise the one the instance was read from or saved
 * to, and for a new instance the one serving its class.
 */
export function runtimeFor(model: ModelInstance): DatabaseRuntime {
  return (
    transactionRuntime() ?? runtimeOf(model) ?? currentRuntime(model.constructor as ModelClass)
  );
}

/** The context of a model instance's class in the Database the instance uses. */
export function contextFor<M extends ModelInstance>(model: M): ModelContext<M> {
  return runtimeFor(model).contextOf(model.constructor as ModelClass<M>);
}

import { ValidationError } from '../core/errors.js';
import { RESERVED_NAMES } from '../core/storable.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { WithCounts, WithExists } from '../query/relation-query-types.js';
import type { RelationName, RelationPath, WithRelations } from '../relations/relation-types.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { contextFor, runtimeFor } from '../state/model-runtime.js';
import { loadedNames, loadedOf, setLoaded } from '../state/model-state.js';
import { loadMissing } from './load-missing.js';
import { WriteShortcuts } from './write-shortcuts.js';

/**
 * A model's loaded relations: set, asked about, and loaded after the model was read (`load`,
 * `loadMissing`, `loadCount`, `loadExists`), one read per relation level.
 */
export abstract class RelationLoading extends WriteShortcuts {
  /** Sets a loaded relation (as eager loading does); it is never written by `save()`. */
  setRelation(name: string, value: ModelInstance | readonly ModelInstance[] | null): this {
    if (RESERVED_NAMES.has(name)) {
      throw new ValidationError(`"${name}" is a reserved name and cannot be a relation`, {
        field: name,
      });
    }
    setLoaded(instance(this), name, value, 'relation');
    return this;
  }

  /** True when the relation has been loaded (by `with()`, `load()` or `setRelation()`). */
  relationLoaded(name: string): boolean {
    const loaded = loadedOf(instance(this));
    return loaded !== undefined && Object.hasOwn(loaded, name) && loaded[name] === 'relation';
  }

  /** Names of the relations loaded on this model. */
  loadedRelations(): string[] {
    return loadedNames(instance(this), 'relation');
  }

  /**
   * Loads relations onto this model, one query per relation level; dotted paths nest.
   * @example await user.load('profile'); user.profile?.bio
   */
  async load<P extends RelationPath<this>>(
    ...relations: P[]
  ): Promise<this & WithRelations<this, P>> {
    const loads = relations.map((path) => ({ path: String(path), constraint: undefined }));
    await contextFor(instance(this)).queries.loadOnto({ with: loads }, [instance(this)]);
    return this as this & WithRelations<this, P>;
  }

  /**
   * Loads the relation paths this model does not hold yet (`load()` reloads them all): one read
   * per missing relation level.
   */
  async loadMissing<P extends RelationPath<this>>(
    ...relations: P[]
  ): Promise<this & WithRelations<this, P>> {
    await loadMissing(runtimeFor(instance(this)), [instance(this)], relations.map(String));
    return this as this & WithRelations<this, P>;
  }

  /** Sets `<name>_count` on this model for each relation, as `withCount()` does on a query. */
  async loadCount<N extends RelationName<this>>(...relations: N[]): Promise<this & WithCounts<N>> {
    await loadAggregates(this, (query) => query.withCount(...(relations as never[])));
    return this as this & WithCounts<N>;
  }

  /** Sets `<name>_exists` on this model for each relation, as `withExists()` does on a query. */
  async loadExists<N extends RelationName<this>>(...relations: N[]): Promise<this & WithExists<N>> {
    await loadAggregates(this, (query) => query.withExists(...(relations as never[])));
    return this as this & WithExists<N>;
  }
}

// Module functions rather than private members: a class with private methods or accessors gives
// each of its instances a hidden brand slot, and every loaded model would carry it.

/** `model` as the instance it is: the only class built on RelationLoading is ModelInstance. */
function instance(model: RelationLoading): ModelInstance {
  return model as unknown as ModelInstance;
}

/** Computes on `model` the aggregates `add` puts on a query of its class. */
async function loadAggregates(
  model: RelationLoading,
  add: (query: QueryBuilder<ModelInstance>) => QueryBuilder<ModelInstance, unknown>,
): Promise<void> {
  const context = contextFor(instance(model));
  const modelClass = model.constructor as ModelClass<ModelInstance>;
  const { aggregates } = add(new QueryBuilder(modelClass, context.runtime)).state;
  await context.queries.loadOnto({ aggregates }, [instance(model)]);
}

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
    setLoaded(this.#model, name, value, 'relation');
    return this;
  }

  /** True when the relation has been loaded (by `with()`, `load()` or `setRelation()`). */
  relationLoaded(name: string): boolean {
    const loaded = loadedOf(this.#model);
    return loaded !== undefined && Object.hasOwn(loaded, name) && loaded[name] === 'relation';
  }

  /** Names of the relations loaded on this model. */
  loadedRelations(): string[] {
    return loadedNames(this.#model, 'relation');
  }

  /**
   * Loads relations onto this model, one query per relation level; dotted paths nest.
   * @example await user.load('profile'); user.profile?.bio
   */
  async load<P extends RelationPath<this>>(
    ...relations: P[]
  ): Promise<this & WithRelations<this, P>> {
    const loads = relations.map((path) => ({ path: String(path), constraint: undefined }));
    await contextFor(this.#model).queries.loadOnto({ with: loads }, [this.#model]);
    return this as this & WithRelations<this, P>;
  }

  /**
   * Loads the relation paths this model does not hold yet (`load()` reloads them all): one read
   * per missing relation level.
   */
  async loadMissing<P extends RelationPath<this>>(
    ...relations: P[]
  ): Promise<this & WithRelations<this, P>> {
    await loadMissing(runtimeFor(this.#model), [this.#model], relations.map(String));
    return this as this & WithRelations<this, P>;
  }

  /** Sets `<name>_count` on this model for each relation, as `withCount()` does on a query. */
  async loadCount<N extends RelationName<this>>(...relations: N[]): Promise<this & WithCounts<N>> {
    await this.#loadAggregates((query) => query.withCount(...(relations as never[])));
    return this as this & WithCounts<N>;
  }

  /** Sets `<name>_exists` on this model for each relation, as `withExists()` does on a query. */
  async loadExists<N extends RelationName<this>>(...relations: N[]): Promise<this & WithExists<N>> {
    await this.#loadAggregates((query) => query.withExists(...(relations as never[])));
    return this as this & WithExists<N>;
  }

  /** This model: the only class built on this one is ModelInstance. */
  get #model(): ModelInstance {
    return this as unknown as ModelInstance;
  }

  /** Computes on this model the aggregates `add` puts on a query of its class. */
  async #loadAggregates(
    add: (query: QueryBuilder<ModelInstance>) => QueryBuilder<ModelInstance, unknown>,
  ): Promise<void> {
    const model = this.constructor as ModelClass<ModelInstance>;
    const context = contextFor(this.#model);
    const { aggregates } = add(new QueryBuilder(model, context.runtime)).state;
    await context.queries.loadOnto({ aggregates }, [this.#model]);
  }
}

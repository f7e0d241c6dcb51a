import { describe } from '../core/values.js';
import type { DatabaseRuntime, RelationEnd } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { FilterBuilder } from './filter-builder.js';
import { type MorphLoad, morphLoadsOf } from './morph-with.js';
import { schemaError } from './query-input.js';
import type { EagerLoad, QueryState } from './query-state.js';
import type { Query } from './query-type.js';

/**
 * The relation paths of one model (`'posts.comments'`) as a query names them: each name checked
 * to be a relation of the model before it, and the callbacks that constrain them turned into
 * query state over the models at their ends.
 */
export class RelationPaths {
  readonly #model: ModelClass;
  readonly #runtime: DatabaseRuntime;
  readonly #blank: <R extends ModelInstance>(model: ModelClass<R>) => Query<R>;

  constructor(
    model: ModelClass,
    runtime: DatabaseRuntime,
    blank: <R extends ModelInstance>(model: ModelClass<R>) => Query<R>,
  ) {
    this.#model = model;
    this.#runtime = runtime;
    this.#blank = blank;
  }

  /** The eager load of MorphTo `path` with `morphWith`'s per-table constraints and loads. */
  morphLoad(path: string, loads: Readonly<Record<string, MorphLoad>>): EagerLoad {
    const relation = this.along(path).at(-1)!;
    const models = relation.models;
    if (!models) {
      throw schemaError(this.#model, `morphWith() loads a MorphTo; "${path}" is not one`, path);
    }
    const perTable: Record<string, { constraint: QueryState | undefined; with: EagerLoad[] }> = {};
    for (const [table, load] of Object.entries(loads)) {
      const model = models.find((candidate) => candidate.table === table);
      if (!model) {
        throw schemaError(
          this.#model,
          `morphWith(): "${table}" is not a table "${path}" may reach (${models.map((m) => m.table).join(', ')})`,
          path,
        );
      }
      const query = this.#blank(model);
      if (typeof load === 'function') {
        const returned = load(query as never);
        const state = (returned instanceof FilterBuilder ? returned : query).state;
        perTable[table] = { constraint: state, with: [] };
      } else if (Array.isArray(load)) {
        const names = load as readonly string[];
        perTable[table] = {
          constraint: undefined,
          with: [...query.with(...(names as never[])).state.with],
        };
      } else {
        throw schemaError(
          this.#model,
          `morphWith(): "${table}" takes a callback or relation names`,
          path,
        );
      }
    }
    return { path, constraint: undefined, perTable };
  }

  /** Relation names and records of them with their callbacks, as `[path, callback]` pairs. */
  entries(relations: readonly unknown[]): [string, ((query: never) => unknown) | undefined][] {
    const entries: [string, ((query: never) => unknown) | undefined][] = [];
    for (const item of relations) {
      if (typeof item === 'string') entries.push([item, undefined]);
      else if (morphLoadsOf(item)) {
        throw schemaError(
          this.#model,
          'morphWith() goes under a relation name: with({ name: morphWith(...) })',
        );
      } else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        for (const [path, callback] of Object.entries(item)) {
          entries.push([path, callback as (query: never) => unknown]);
        }
      } else {
        throw schemaError(
          this.#model,
          `${describe(item)} is not a relation name or a record of them`,
        );
      }
    }
    for (const [path] of entries) this.names(path);
    return entries;
  }

  /** The names along `path`, each checked to be a relation of the model before it. */
  names(path: string): string[] {
    if (typeof path !== 'string' || path === '') {
      throw schemaError(this.#model, `${describe(path)} is not a relation name`);
    }
    this.relatedAt(path);
    return path.split('.');
  }

  /** The relations along `path`, in order. @throws SchemaError for a name that is not one. */
  along(path: string): RelationEnd[] {
    const runtime = this.#runtime;
    const relations: RelationEnd[] = [];
    let model: ModelClass = this.#model;
    for (const name of path.split('.')) {
      const relation = runtime.contextOf(model).relationEnd(name);
      relations.push(relation);
      model = relation.related;
    }
    return relations;
  }

  /** The model class at the end of relation path `path`. @throws SchemaError for a non-relation. */
  relatedAt(path: string): ModelClass {
    return this.along(path).at(-1)!.related;
  }

  /** The state a constraint callback gives a fresh query over the models at the end of `path`. */
  constraintOf(path: string, callback: (query: never) => unknown): QueryState {
    if (typeof callback !== 'function') {
      throw schemaError(
        this.#model,
        `the constraint of "${path}" must be a function (query) => ...`,
      );
    }
    const relations = this.along(path);
    if (relations.some((relation) => relation.models !== undefined)) {
      throw schemaError(
        this.#model,
        `"${path}" reaches models of several classes through a MorphTo, which a query ` +
          'callback cannot constrain',
        path,
      );
    }
    const query = this.#blank(relations.at(-1)!.related);
    const returned = callback(query as never);
    return (returned instanceof FilterBuilder ? returned : query).state;
  }
}

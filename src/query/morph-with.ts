import type { WithAttributes } from '../core/attribute-types.js';
import type { ModelInstance } from '../state/model-instance.js';
import type { Query } from './query-type.js';

/** A model of a table a MorphTo may reach, as a `morphWith` callback sees it: attributes typed `unknown`. */
export type MorphedModel = WithAttributes<ModelInstance, Record<string, unknown>>;

/** What `morphWith` takes per owner table: a constraint callback, or relations to load. */
export type MorphLoad = ((query: Query<MorphedModel>) => unknown) | readonly string[];

const MORPH_LOADS: unique symbol = Symbol('dexorm.morphWith');
declare const TABLES: unique symbol;

/**
 * The per-table loads of a MorphTo, as `morphWith` marks them for `with()`; `Tables` are the
 * tables they name, which `with()` checks against the MorphTo's owner tables.
 */
export interface MorphLoads<Tables extends string = string> {
  /** The loads by owner table. */
  readonly [MORPH_LOADS]: Readonly<Record<string, MorphLoad>>;
  /** The tables named, for the compile-time check only: never set. */
  readonly [TABLES]?: Tables;
}

/**
 * Per owner table, what a MorphTo eager load does with that table's owners: a callback constrains
 * them (an owner it leaves out loads as null), a list of relation names loads those onto them.
 * @example Comment.query().with({ commentable: morphWith({ posts: (q) => q.where('published', true), videos: ['comments'] }) })
 */
export function morphWith<const L extends Readonly<Record<string, MorphLoad>>>(
  loads: L,
): MorphLoads<Extract<keyof L, string>> {
  return { [MORPH_LOADS]: loads };
}

/** The per-table loads `value` marks, if it is one of `morphWith`'s. */
export function morphLoadsOf(value: unknown): Readonly<Record<string, MorphLoad>> | undefined {
  return typeof value === 'object' && value !== null && MORPH_LOADS in value
    ? (value as MorphLoads)[MORPH_LOADS]
    : undefined;
}

import type { Key } from '../core/values.js';

/** Options of {@link BelongsToMany}; each defaults as API.md §11 says. */
export interface BelongsToManyOptions {
  /** Default: the two tables' singulars in alphabetical order, joined by `_` (`post_tag`). */
  readonly pivotTable?: string;
  /** The pivot column holding the parent's key. Default `<singular parent table>_<parentKey>`. */
  readonly foreignPivotKey?: string;
  /** The pivot column holding the related key. Default `<singular related table>_<relatedKey>`. */
  readonly relatedPivotKey?: string;
  /** The parent's attribute the pivot holds. Default its primary key. */
  readonly parentKey?: string;
  /** The related model's attribute the pivot holds. Default its primary key. */
  readonly relatedKey?: string;
  /**
   * For a polymorphic pivot (MorphToMany, MorphedByMany): its name (`taggable` for
   * `taggables.taggable_type`/`taggable_id`) and whether the parent is the morphing side.
   */
  readonly morph?: {
    /** The morph name: the pivot is `<name>s`, its columns `<name>_type` and `<name>_id`. */
    readonly name: string;
    /** The side whose table the type column names. */
    readonly side: 'parent' | 'related';
  };
}

/** A related model as a many-to-many relation returns it: with its pivot row. */
export type WithPivot<R, Pivot> = R & {
  /** The pivot row that pairs the related model with the parent (never saved with the model). */
  pivot: Pivot;
};

/** What `sync` changed, by related key. */
export interface SyncResult {
  /** The related keys newly paired. */
  readonly attached: Key[];
  /** The related keys unpaired. */
  readonly detached: Key[];
  /** The related keys whose pivot attributes changed. */
  readonly updated: Key[];
}

/** The record form of `attach`/`toggle`/`sync`: related key → pivot attributes. */
export type PivotRecord<Pivot> = Readonly<Record<string, Partial<Pivot>>>;

/** Related keys or models, one or several. */
export type RelatedKeysOrModels<R> = Key | R | readonly (Key | R)[];

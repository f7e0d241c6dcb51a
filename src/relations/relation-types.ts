import type { ModelInstance } from '../state/model-instance.js';

interface AnyRelation {
  /** What the relation resolves to. */
  getResults(): Promise<unknown>;
}

/** The relation names of a model: `profile` for a method `profileRelation()`. */
export type RelationName<M> = {
  [K in keyof M & string]: K extends `${infer N}Relation`
    ? M[K] extends () => AnyRelation
      ? N
      : never
    : never;
}[keyof M & string];

/** What relation `N` of model `M` resolves to: `Profile | null` for a HasOne. */
export type RelationResult<M, N extends string> = M extends {
  [K in `${N}Relation`]: () => {
    /** What the relation resolves to. */
    getResults(): Promise<infer R>;
  };
}
  ? R
  : never;

/** The model class at the other end of relation `N` of model `M`. */
export type RelatedModel<M, N extends string> = Related<RelationResult<M, N>>;

type Related<R> = R extends readonly (infer E)[] ? E : NonNullable<R>;

type Shallower = [never, 0, 1, 2, 3];

/** Relation names and dotted paths through them (`'profile'`, `'profile.user'`), up to 4 deep. */
export type RelationPath<M, Depth extends number = 4> = [Depth] extends [never]
  ? never
  : RelationName<M> extends infer N
    ? N extends string
      ? N | `${N}.${RelationPath<RelatedModel<M, N>, Shallower[Depth]>}`
      : never
    : never;

type WithPath<M, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? { [K in Head]: Nested<RelationResult<M, Head>, Rest> }
  : { [K in P]: RelationResult<M, P> };

type Nested<R, Rest extends string> = R extends readonly (infer E)[]
  ? Array<E & WithPath<E, Rest>>
  : R extends ModelInstance
    ? R & WithPath<R, Rest>
    : R;

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;

/**
 * The properties eager loading adds to model `M` for relation paths `P`:
 * `WithRelations<User, 'profile'>` is `{ profile: Profile | null }`.
 */
export type WithRelations<M, P extends string> = [P] extends [never]
  ? unknown
  : UnionToIntersection<P extends string ? WithPath<M, P> : never>;

/** The relation object at the end of relation path `P` of model `M` (what its method returns). */
export type RelationAt<M, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? RelationAt<RelatedModel<M, Head>, Rest>
  : M extends { [K in `${P}Relation`]: () => infer R }
    ? R
    : never;

/**
 * The owner tables of the MorphTo at relation path `P` of `M` (`'posts' | 'videos'` when the
 * owner models declare their tables `readonly`, `string` otherwise); `never` for another kind.
 */
export type MorphTablesAt<M, P extends string> =
  RelationAt<M, P> extends MorphOwnerTables<infer T> ? T : never;

/** What {@link MorphTablesAt} knows a MorphTo by. */
export interface MorphOwnerTables<T extends string> {
  /** The columns' common prefix: `commentable`. */
  readonly morphName: string;
  /** The owners' tables. */
  readonly tables: readonly T[];
}

/** The model at the end of relation path `P` of model `M`: `Comment` for `'posts.comments'`. */
export type RelatedAt<M, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? RelatedAt<RelatedModel<M, Head>, Rest>
  : RelatedModel<M, P>;

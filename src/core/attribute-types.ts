import type { Key } from '../core/values.js';

/** The key under which a model's type carries its attribute interface (types only). */
export declare const attributesType: unique symbol;

/** The attribute interface a model was declared with: `AttributesOf<User>` is `UserAttributes`. */
export type AttributesOf<M> = M extends {
  /** The attribute interface a model carries in its type. */
  readonly [attributesType]?: infer A;
}
  ? A
  : never;

/** The attribute names of a model, as strings. */
export type AttributeKey<M> = Extract<keyof AttributesOf<M>, string>;

/**
 * A model whose attribute interface is `A`. Inside a class `this` is polymorphic and its keys
 * cannot be listed; a relation constructor takes its parent as this type, so that TypeScript
 * infers `A` from the class's declaration and checks the keys given against it.
 */
export type WithAttributes<T, A> = T & {
  /** The attribute interface, carried in the type only. */
  readonly [attributesType]?: A;
};

/** The attribute names of `A` whose values are numbers. */
export type NumericKey<A> = Extract<
  { [K in keyof A]-?: NonNullable<A[K]> extends number ? K : never }[keyof A],
  string
>;

/**
 * The type of a model's primary key: its `id` attribute's type where it declares one, else any
 * IndexedDB key (a model with another primary key attribute).
 */
export type KeyOf<M> =
  AttributesOf<M> extends {
    /** The conventional primary key attribute. */
    id?: infer K;
  }
    ? NonNullable<K> & Key
    : Key;

/**
 * What creating a model takes: its attributes as declared, required ones required (declare the
 * primary key optional where the key type generates it).
 */
export type CreationAttributes<M> = AttributesOf<M>;

/** The attribute names of `M` declared as a nullable Date: what a soft-delete column is. */
export type NullableDateKeys<M> = {
  [K in AttributeKey<M>]-?: null extends AttributesOf<M>[K]
    ? NonNullable<AttributesOf<M>[K]> extends Date
      ? K
      : never
    : never;
}[AttributeKey<M>];

/**
 * Nothing for a model that declares a soft-delete column (an attribute typed `Date | null`), and
 * for any other a property it lacks, so that `withTrashed()` on it does not compile.
 */
export type SoftDeletingModel<M> = [NullableDateKeys<M>] extends [never]
  ? {
      /** Declare the soft-delete column as an attribute of type `Date | null`. */
      readonly 'soft deletes need an attribute typed Date | null': true;
    }
  : unknown;

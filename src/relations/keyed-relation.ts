import type { AttributeKey } from '../core/attribute-types.js';
import { distinctKeys } from '../core/key-dictionary.js';
import { indexKeys } from '../query/key-reads.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import { readAttribute } from '../state/model-state.js';
import { countMatches, groupByKey } from './dictionary.js';
import type { MorphType } from './foreign-key-link.js';
import { constrainToParent } from './parent-constraint.js';
import { Relation } from './relation.js';

/**
 * How a parent reaches its related models through one pair of fields holding the same value:
 * HasOne's `users.id` = `profiles.user_id`, BelongsTo's `profiles.user_id` = `users.id`.
 */
export interface KeyLink {
  /** The parent's field (HasOne: its local key; BelongsTo: the child's foreign key). */
  readonly parentField: string;
  /** The related models' indexed field (HasOne: the foreign key; BelongsTo: the owner key). */
  readonly relatedField: string;
  /** For a polymorphic kind: the related models' type column, naming the parent's table. */
  readonly morphType?: MorphType;
}

/**
 * A relation whose related models hold, in one indexed field, the value of one field of the
 * parent (HasOne, HasMany, MorphOne, MorphMany, BelongsTo): a kind states its {@link KeyLink};
 * the one-parent query, the batch read and the count from index keys follow.
 */
export abstract class KeyedRelation<
  P extends ModelInstance,
  R extends ModelInstance,
  Result,
> extends Relation<P, R, Result> {
  /** The two fields the parent and its related models share. */
  protected abstract readonly link: KeyLink;

  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    return constrainToParent(this.ofParentTable(query), this.link.relatedField, this.lookupKey());
  }

  /** One read for any number of parents: the related models holding any of their values. */
  async eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[][]> {
    const { parentField, relatedField } = this.link;
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, parentField));
    const related = await this.ofParentTable(this.relatedQuery(runtime, constraint))
      .whereIn(relatedField as AttributeKey<R>, keys as never[])
      .get();
    return groupByKey(parents, parentField, related, relatedField);
  }

  /** Counted from the related field's index keys, without reading the related records. */
  override async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    const { parentField, relatedField, morphType } = this.link;
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, parentField));
    if (!morphType) {
      const found = await indexKeys(runtime, this.related, relatedField, keys);
      return countMatches(parents, parentField, found);
    }
    const pairs = keys.map((key) => [morphType.table, key]);
    const index = `[${morphType.column}+${relatedField}]`;
    const found = await indexKeys(runtime, this.related, index, pairs);
    const values = found.map((pair) => (pair as unknown[])[1]);
    return countMatches(parents, parentField, values);
  }

  /** `query` kept to the related models of the parent's table, for a polymorphic kind. */
  protected ofParentTable(query: QueryBuilder<R>): QueryBuilder<R> {
    const morph = this.link.morphType;
    if (!morph) return query;
    return query.where(morph.column as AttributeKey<R>, morph.table as never);
  }
}

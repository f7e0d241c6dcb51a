import type { AttributeKey } from '../core/attribute-types.js';
import { type OrderDirection, orderComparator, rowMatcher } from '../query/clause.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import { softDeleteColumn } from '../state/lifecycle.js';
import type { ModelInstance } from '../state/model-instance.js';
import { originalOf } from '../state/model-state.js';
import type { HasOneOrMany } from './has-one-or-many.js';
import { Relation } from './relation.js';
import type { RelationRequirements } from './requirements.js';

/** Which related model a one-of-many relation picks: the greatest or the least `field`. */
export type OfManyAggregate = 'max' | 'min';

/**
 * One model out of a HasMany: the related model with the greatest (`'max'`) or least (`'min'`)
 * `field`, ties broken by the greater primary key, records without a value last (a user's latest
 * post). Every read sees that one model: `getResults()`, `query()`,
 * eager loads and relation filters alike. Read-only; it reads
 * through the HasMany's foreign-key index and derives no unique index.
 * @example
 * latestPostRelation(): HasOneOfMany<User, Post> {
 *   return this.hasMany(Post, 'user_id').latestOfMany('created_at');
 * }
 */
export class HasOneOfMany<P extends ModelInstance, R extends ModelInstance> extends Relation<
  P,
  R,
  R | null
> {
  /** The HasMany the one model is picked from. */
  readonly many: HasOneOrMany<P, R, R[]>;
  /** The attribute compared. */
  readonly field: string;
  /** Whether the greatest (`'max'`) or the least (`'min'`) `field` wins. */
  readonly aggregate: OfManyAggregate;

  constructor(many: HasOneOrMany<P, R, R[]>, field: string, aggregate: OfManyAggregate) {
    super(many.parent, many.related, many.localKey);
    this.many = many;
    this.field = field;
    this.aggregate = aggregate;
  }

  readonly toMany = false;

  /**
   * Constrains `query` to the one model picked, as `getResults()` picks it: `query().get()` gives
   * at most that one, and further clauses filter it.
   */
  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const primaryKey = this.related.primaryKey as AttributeKey<R>;
    const key = this.lookupKey();
    if (key === undefined) return query.whereIn(primaryKey, []);
    const morph = this.many.morphType;
    // A trashed model is never the one picked: the next one is.
    const trashedBy = softDeleteColumn(this.related);
    return query.whereKeysOf(primaryKey, {
      table: this.related.table,
      where: morph ? `[${morph.column}+${this.many.foreignKey}]` : this.many.foreignKey,
      equals: morph ? [[morph.table, key]] : [key],
      select: primaryKey,
      pick: { field: this.field, direction: this.#direction(), tieBy: primaryKey, ties: 'desc' },
      ...(trashedBy === undefined ? {} : { trashedBy }),
    });
  }

  /**
   * The model picked for each of `parents`; with `constraint`, those of them that match it (a
   * constraint filters the one model picked, never picks another).
   */
  async eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[][]> {
    const groups = await this.many.eagerRead(parents, runtime, undefined);
    const picked = groups.map((group) => this.#best(group));
    if (!constraint) return picked.map((model) => (model === null ? [] : [model]));
    const matches = rowMatcher(constraint.clauses);
    const matching = picked.filter(
      (model): model is R => model !== null && (matches?.(originalOf(model)!) ?? true),
    );
    const kept = new Set(
      constraint.has.length > 0
        ? await runtime.contextOf(this.related).queries.filterByRelations(matching, constraint.has)
        : matching,
    );
    return picked.map((model) => (model !== null && kept.has(model) ? [model] : []));
  }

  override async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    return (await this.many.countRelated(parents, runtime)).map((count) => Math.min(count, 1));
  }

  /** The HasMany's index; its foreign key and delete rule are the HasMany's own. */
  requirements(): RelationRequirements {
    return { tables: this.many.requirements('').tables };
  }

  /** The best of `candidates`, as `query()` picks it: ties go to the greater primary key. */
  #best(candidates: readonly R[]): R | null {
    const compare = orderComparator(this.field, this.#direction(), this.related.primaryKey, 'desc');
    let best: R | null = null;
    for (const candidate of candidates) {
      if (!best || compare(originalOf(candidate)!, originalOf(best)!) < 0) best = candidate;
    }
    return best;
  }

  #direction(): OrderDirection {
    return this.aggregate === 'max' ? 'desc' : 'asc';
  }
}

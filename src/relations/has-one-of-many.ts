import { cmp } from 'dexie';
import type { AttributeKey, ModelBase } from '../model/model.js';
import { compareValues } from '../query/clause.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import { readAttribute, setLoaded } from '../state/model-state.js';
import type { HasMany } from './has-many.js';
import { Relation, type TableRequirement } from './relation.js';

/** Which related model a one-of-many relation picks: the greatest or the least `field`. */
export type OfManyAggregate = 'max' | 'min';

/**
 * One model out of a HasMany: the related model with the greatest (`'max'`) or least (`'min'`)
 * `field`, ties broken by the greater primary key (a user's latest post). Read-only; it reads
 * through the HasMany's foreign-key index and derives no unique index.
 * @example
 * latestPostRelation(): HasOneOfMany<User, Post> {
 *   return this.hasMany(Post, 'user_id').latestOfMany('created_at');
 * }
 */
export class HasOneOfMany<P extends ModelBase, R extends ModelBase> extends Relation<
  P,
  R,
  R | null
> {
  /** The HasMany the one model is picked from. */
  readonly many: HasMany<P, R>;
  /** The attribute compared. */
  readonly field: string;
  /** Whether the greatest (`'max'`) or the least (`'min'`) `field` wins. */
  readonly aggregate: OfManyAggregate;

  constructor(many: HasMany<P, R>, field: string, aggregate: OfManyAggregate) {
    super(many.parent, many.related);
    this.many = many;
    this.field = field;
    this.aggregate = aggregate;
  }

  /** The HasMany's constraints, ordered best first (`first()` may differ only on ties for 'min'). */
  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const direction = this.aggregate === 'max' ? 'desc' : 'asc';
    return this.many.addConstraints(query).orderBy(this.field as AttributeKey<R>, direction);
  }

  /** The picked related model, or null. */
  async getResults(): Promise<R | null> {
    if (!this.canLookUp()) return null;
    return this.#best(await this.many.getResults());
  }

  eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[]> {
    return this.many.eagerRead(parents, runtime, constraint);
  }

  match(parents: readonly P[], results: readonly R[], name: string): void {
    const groups = this.many.resultsPerParent(parents, results);
    parents.forEach((parent, i) => {
      setLoaded(parent, name, this.#best(groups[i]!), 'relation');
    });
  }

  async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    return (await this.many.countRelated(parents, runtime)).map((count) => Math.min(count, 1));
  }

  requirements(): TableRequirement[] {
    return this.many.requirements();
  }

  protected emptyResult(): R | null {
    return null;
  }

  protected canLookUp(): boolean {
    return this.many.parentKey() !== undefined;
  }

  protected shareKey(): string {
    return `${this.many.readKey()}\u0000${this.aggregate}:${this.field}`;
  }

  #best(candidates: readonly R[]): R | null {
    const sign = this.aggregate === 'max' ? 1 : -1;
    const primaryKey = this.related.primaryKey;
    let best: R | null = null;
    for (const candidate of candidates) {
      if (!best) {
        best = candidate;
        continue;
      }
      const order =
        sign * compareValues(readAttribute(candidate, this.field), readAttribute(best, this.field));
      if (
        order > 0 ||
        (order === 0 &&
          cmp(readAttribute(candidate, primaryKey), readAttribute(best, primaryKey)) > 0)
      ) {
        best = candidate;
      }
    }
    return best;
  }
}

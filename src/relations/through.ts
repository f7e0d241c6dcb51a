import type { AttributeKey } from '../core/attribute-types.js';
import { dictionaryKey, distinctKeys, groupsPerOwner } from '../core/key-dictionary.js';
import { defaultForeignKey } from '../core/naming.js';
import type { Key, Row } from '../core/values.js';
import { indexKeys, rowsWithKeys } from '../query/key-reads.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import { softDeleteColumn } from '../state/lifecycle.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { readAttribute } from '../state/model-state.js';
import { constrainToParent } from './parent-constraint.js';
import { Relation } from './relation.js';
import { plainIndex, type RelationRequirements } from './requirements.js';

/**
 * What HasOneThrough and HasManyThrough share: the related models hang off models of a table in
 * between (countries ← users.country_id, users ← posts.user_id). Read-only; two reads per level.
 */
export abstract class HasOneOrManyThrough<
  P extends ModelInstance,
  R extends ModelInstance,
  T extends ModelInstance,
  Result,
> extends Relation<P, R, Result> {
  /** The model in between. */
  readonly through: ModelClass<T>;
  /** The through model's attribute pointing at the parent (default `<singular parent>_<key>`). */
  readonly firstKey: string;
  /** The related model's attribute pointing at the through model (default `<singular through>_<key>`). */
  readonly secondKey: string;
  /** The parent's attribute `firstKey` holds (default its primary key). */
  readonly localKey: string;
  /** The through model's attribute `secondKey` holds (default its primary key). */
  readonly secondLocalKey: string;

  constructor(
    parent: P,
    related: ModelClass<R>,
    through: ModelClass<T>,
    firstKey?: string,
    secondKey?: string,
    localKey?: string,
    secondLocalKey?: string,
  ) {
    super(parent, related, localKey);
    const parentModel = parent.constructor as ModelClass;
    this.through = through;
    this.localKey = this.lookupField;
    this.secondLocalKey = secondLocalKey ?? through.primaryKey;
    this.firstKey = firstKey ?? defaultForeignKey(parentModel.table, parentModel.primaryKey);
    this.secondKey = secondKey ?? defaultForeignKey(through.table, through.primaryKey);
  }

  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const trashedBy = softDeleteColumn(this.through);
    const via = {
      table: this.through.table,
      where: this.firstKey,
      select: this.secondLocalKey,
      ...(trashedBy === undefined ? {} : { trashedBy }),
    };
    return constrainToParent(query, this.secondKey, this.lookupKey(), via);
  }

  /** Two reads for any number of parents: the through rows, then the related models. */
  async eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[][]> {
    const rows = await this.#throughRows(parents, runtime);
    const throughKeys = distinctKeys(rows, (row) => row[this.secondLocalKey]);
    if (throughKeys.length === 0) return parents.map(() => []);
    const query = this.relatedQuery(runtime, constraint).whereIn(
      this.secondKey as AttributeKey<R>,
      throughKeys as never[],
    );
    if (!constraint?.order) query.orderBy(this.related.primaryKey as AttributeKey<R>);
    const parentOf = this.#parentOf(rows);
    return groupsPerOwner(
      await query.get(),
      (model) => parentOf.get(dictionaryKey(readAttribute(model, this.secondKey))),
      parents,
      (parent) => readAttribute(parent, this.localKey),
    );
  }

  override async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    const rows = await this.#throughRows(parents, runtime);
    const throughKeys = distinctKeys(rows, (row) => row[this.secondLocalKey]);
    const found = await indexKeys(runtime, this.related, this.secondKey, throughKeys);
    const parentOf = this.#parentOf(rows);
    const counts = new Map<unknown, number>();
    for (const key of found) {
      const parent = dictionaryKey(parentOf.get(dictionaryKey(key)));
      counts.set(parent, (counts.get(parent) ?? 0) + 1);
    }
    return parents.map(
      (parent) => counts.get(dictionaryKey(readAttribute(parent, this.localKey))) ?? 0,
    );
  }

  requirements(): RelationRequirements {
    return {
      tables: [plainIndex(this.through, this.firstKey), plainIndex(this.related, this.secondKey)],
    };
  }

  /** The parent key each through row's `secondLocalKey` leads to, by that key. */
  #parentOf(rows: readonly Row[]): Map<unknown, unknown> {
    return new Map(
      rows.map((row) => [dictionaryKey(row[this.secondLocalKey]), row[this.firstKey]]),
    );
  }

  /** The through rows of `parents`; a trashed through model leads nowhere. */
  async #throughRows(parents: readonly P[], runtime: DatabaseRuntime): Promise<Row[]> {
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, this.localKey));
    const context = runtime.contextOf(this.through);
    const rows = await rowsWithKeys(context.table, this.firstKey, keys as Key[]);
    const trashedBy = context.lifecycle.softDelete;
    return trashedBy === undefined ? rows : rows.filter((row) => row[trashedBy] == null);
  }
}

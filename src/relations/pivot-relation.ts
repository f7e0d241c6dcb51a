import type { AttributeKey } from '../core/attribute-types.js';
import { UnsavedModelError } from '../core/errors.js';
import { buildGroups, dictionaryKey, distinctKeys } from '../core/key-dictionary.js';
import { defaultForeignKey, singular } from '../core/naming.js';
import type { Key, Row } from '../core/values.js';
import type { WhereOperator } from '../query/clause.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { hydrate, originalOf, readAttribute, setLoaded } from '../state/model-state.js';
import { countMatches, groupByKey } from './dictionary.js';
import { PivotFilters } from './pivot-filters.js';
import { type PivotSide, PivotTable } from './pivot-table.js';
import type { BelongsToManyOptions, WithPivot } from './pivot-types.js';
import { RelatedKeys } from './related-keys.js';
import { Relation } from './relation.js';
import { plainIndex, type RelationRequirements } from './requirements.js';

/**
 * What every relation through a pivot table shares: the pivot and its key columns, the pivot
 * conditions and timestamps, and the reads (one for the pivot rows and one for the related models,
 * for any number of parents). The writes are {@link BelongsToMany}'s.
 */
export abstract class PivotRelation<
  P extends ModelInstance,
  R extends ModelInstance,
  Pivot extends object = Record<string, Key>,
> extends Relation<P, R, WithPivot<R, Pivot>[]> {
  /** The pivot table and its two key columns. */
  readonly pivot: PivotTable;
  /** The parent's attribute the pivot holds. */
  readonly parentKey: string;
  /** The related model's attribute the pivot holds. */
  readonly relatedKey: string;
  /** The related keys' checks, for the writes. @internal */
  protected readonly relatedKeys: RelatedKeys;
  readonly #pivotFilters: PivotFilters;
  #timestamps = false;

  /** True when pivot rows are stamped ({@link withTimestamps}). @internal */
  protected get stampsPivot(): boolean {
    return this.#timestamps;
  }

  constructor(parent: P, related: ModelClass<R>, options: BelongsToManyOptions = {}) {
    super(parent, related, options.parentKey);
    const parentModel = parent.constructor as ModelClass;
    this.parentKey = this.lookupField;
    this.relatedKey = options.relatedKey ?? related.primaryKey;
    const morph = options.morph;
    const name =
      options.pivotTable ??
      (morph
        ? `${morph.name}s`
        : [singular(parentModel.table), singular(related.table)].sort().join('_'));
    const morphId = morph && `${morph.name}_id`;
    this.pivot = new PivotTable(
      name,
      options.foreignPivotKey ??
        (morph?.side === 'parent'
          ? morphId!
          : defaultForeignKey(parentModel.table, this.parentKey)),
      options.relatedPivotKey ??
        (morph?.side === 'related' ? morphId! : defaultForeignKey(related.table, this.relatedKey)),
      morph && {
        column: `${morph.name}_type`,
        value: morph.side === 'parent' ? parentModel.table : related.table,
        side: morph.side,
      },
    );
    this.relatedKeys = new RelatedKeys(related, this.relatedKey, this.describePivot());
    this.#pivotFilters = new PivotFilters(this.describePivot());
  }

  /**
   * Keeps only the pairs whose pivot row has `field` equal to `value` (or compared by
   * `operator`), in every read of the relation; declare it in the relation method to keep it.
   * @example approvedTagsRelation() { return this.belongsToMany(Tag).wherePivot('approved', true); }
   */
  wherePivot<F extends Extract<keyof Pivot, string>>(
    field: F,
    ...condition: [value: Pivot[F] | null] | [operator: WhereOperator, value: unknown]
  ): this {
    this.#pivotFilters.add(field, condition);
    return this;
  }

  /** Keeps only the pairs whose pivot `field` is one of `values`. */
  wherePivotIn<F extends Extract<keyof Pivot, string>>(
    field: F,
    values: readonly Pivot[F][],
  ): this {
    this.#pivotFilters.add(field, ['in', values]);
    return this;
  }

  /** Keeps only the pairs whose pivot `field` is missing or null. */
  wherePivotNull<F extends Extract<keyof Pivot, string>>(field: F): this {
    this.#pivotFilters.add(field, ['=', null]);
    return this;
  }

  /** Stamps pivot rows with `created_at` (when paired) and `updated_at` (on each write). */
  withTimestamps(): this {
    this.#timestamps = true;
    return this;
  }

  readonly toMany = true;

  addConstraints(query: QueryBuilder<R>): QueryBuilder<R> {
    const { name, relatedColumn } = this.pivot;
    const key = this.lookupKey();
    const field = this.relatedKey as AttributeKey<R>;
    if (key === undefined) return query.whereIn(field, []);
    const lookup = this.pivot.lookupOf(key);
    const conditions = [
      ...this.#pivotFilters.clauses,
      ...(lookup.type
        ? [{ field: lookup.type.column, operator: '=' as const, value: lookup.type.value }]
        : []),
    ];
    return query.whereKeysOf(field, {
      table: name,
      where: lookup.where,
      equals: [lookup.equals],
      select: relatedColumn,
      ...(conditions.length === 0 ? {} : { rowsMatching: conditions }),
    });
  }

  /** Two reads for any number of parents: their pivot rows, then the related models. */
  async eagerRead(
    parents: readonly P[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<R[][]> {
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, this.parentKey));
    const rows = (await this.pivot.rowsOf(runtime, keys as Key[])).filter((row) =>
      this.#pivotFilters.keeps(row),
    );
    if (rows.length === 0) return parents.map(() => []);
    const { relatedColumn } = this.pivot;
    const related = await this.relatedQuery(runtime, constraint)
      .whereIn(
        this.relatedKey as AttributeKey<R>,
        distinctKeys(rows, (row) => row[relatedColumn]) as never[],
      )
      .get();
    const rowsByRelated = buildGroups(rows, (row) => row[relatedColumn]);
    const context = runtime.contextOf(this.related);
    const results: R[] = [];
    for (const model of related) {
      const pairs = rowsByRelated.get(dictionaryKey(readAttribute(model, this.relatedKey))) ?? [];
      pairs.forEach((row, i) => {
        // One instance per pair: a model attached to two parents carries two pivot rows.
        const instance = i === 0 ? model : hydrate(context, originalOf(model)!);
        setLoaded(instance, 'pivot', { ...row }, 'extra');
        results.push(instance);
      });
    }
    const { parentColumn } = this.pivot;
    return groupByKey(parents, this.parentKey, results, (result) => pivotOf(result)[parentColumn]);
  }

  override async countRelated(parents: readonly P[], runtime: DatabaseRuntime): Promise<number[]> {
    const keys = distinctKeys(parents, (parent) => readAttribute(parent, this.parentKey));
    const { parentColumn } = this.pivot;
    const found = this.#pivotFilters.isEmpty
      ? await this.pivot.parentKeysOf(runtime, keys as Key[])
      : (await this.pivot.rowsOf(runtime, keys as Key[]))
          .filter((row) => this.#pivotFilters.keeps(row))
          .map((row) => row[parentColumn] as Key);
    return countMatches(parents, this.parentKey, found);
  }

  /** The pivot table and the indexes it is read through; pivot rows go with either side. */
  requirements(): RelationRequirements {
    const sides = this.#sides();
    // A polymorphic pivot joins more than two tables: it does not replicate as a pair table.
    const joins = this.pivot.morph
      ? {}
      : { joins: [this.parent.constructor as ModelClass, this.related] as const };
    return {
      tables: [
        { ...this.pivot.requirement(), ...joins },
        plainIndex(this.parent.constructor as ModelClass, this.parentKey),
        plainIndex(this.related, this.relatedKey),
      ],
      foreignKeys: this.pivot.foreignKeys(...sides),
      deleteEffects: this.pivot.deleteEffects(...sides),
    };
  }

  /** Each side's model and the field its pivot column holds. */
  #sides(): [PivotSide, PivotSide] {
    return [
      { model: this.parent.constructor as ModelClass, field: this.parentKey },
      { model: this.related, field: this.relatedKey },
    ];
  }

  /** The parent's key, for `action`. @throws UnsavedModelError without one. @internal */
  protected requireParentKey(action: string): Key {
    const key = this.lookupKey();
    if (key !== undefined) return key;
    const parentModel = this.parent.constructor as ModelClass;
    throw new UnsavedModelError(
      `${this.describePivot()}: cannot ${action} through a ${parentModel.name} that has no ` +
        `"${this.parentKey}" yet; save the ${parentModel.name} first`,
      { model: parentModel.name, table: parentModel.table, field: this.parentKey },
    );
  }

  /** Runs `fn` in one readwrite transaction over the pivot and related tables. @internal */
  protected writePivot<T>(fn: (runtime: DatabaseRuntime) => Promise<T>): Promise<T> {
    const runtime = this.runtime();
    const context = runtime.contextOf(this.related);
    return runtime.write([this.pivot.name, context.tableName], () => fn(runtime), context, true);
  }

  /** The relation and its pivot table, for messages. @internal */
  protected describePivot(): string {
    return `${this.describe()} (pivot "${this.pivot.name}")`;
  }
}

function pivotOf(model: ModelInstance): Row {
  return readAttribute(model, 'pivot') as Row;
}

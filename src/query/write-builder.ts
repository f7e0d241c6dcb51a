import type { AttributesOf } from '../core/attribute-types.js';
import { ValidationError } from '../core/errors.js';
import { withChanges } from '../core/records.js';
import { assertAttributeSet, assertStorable } from '../core/storable.js';
import type { Row } from '../core/values.js';
import { type ModelContext, ownerOf } from '../state/context.js';
import { incrementRows } from '../state/increments.js';
import { PLAIN_LIFECYCLE } from '../state/lifecycle.js';
import type { ModelInstance } from '../state/model-instance.js';
import { deleteRows, updateRows } from '../state/query-writes.js';
import { lifecycleWrite } from '../state/write-lifecycle.js';
import type { KeysOfType } from './filter-builder.js';
import { RelationQueryBuilder } from './relation-query-builder.js';

/**
 * The writes of a query to its matching records, each in one transaction with its read:
 * `update`, `increment`, `decrement`, `delete` and `forceDelete`.
 * @typeParam M - the model queried
 * @typeParam Out - the model type of the results, including eager-loaded relations and aggregates
 */
export abstract class WriteBuilder<M extends ModelInstance, Out = M> extends RelationQueryBuilder<
  M,
  Out
> {
  /**
   * Writes `attributes` into every matching record, in one transaction; resolves to the count.
   * @throws ValidationError for values IndexedDB cannot store or a change of primary key.
   */
  async update(attributes: Partial<AttributesOf<M>>): Promise<number> {
    const context = this.context();
    assertAttributeSet(attributes, ownerOf(context), 'update()');
    const changes = attributes as Row;
    assertStorable(changes, ownerOf(context));
    if (Object.hasOwn(changes, context.primaryKey)) {
      throw new ValidationError(
        `${context.modelName} (table "${context.tableName}"): update() cannot change the primary key "${context.primaryKey}"`,
        { ...ownerOf(context), field: context.primaryKey },
      );
    }
    const tables = this.#tablesRead(context);
    if (context.lifecycle === PLAIN_LIFECYCLE) {
      return context.runtime.write(
        tables,
        this.#onSelected(context, (rows) =>
          context.table.bulkPut(rows.map((row) => withChanges(row, changes))),
        ),
        context,
      );
    }
    return lifecycleWrite(
      context,
      this.#onSelected(context, (rows) => updateRows(context, rows, changes)),
      tables,
    );
  }

  /**
   * Adds `by` (default 1) to the numeric attribute `field` of every matching record, read and
   * written in one transaction; resolves to the count. Runs no hook; stamps `updated_at`.
   */
  increment(field: KeysOfType<M, number>, by = 1): Promise<number> {
    const context = this.context();
    return context.runtime.write(
      this.#tablesRead(context),
      this.#onSelected(context, (rows) => incrementRows(context, rows, field, by)),
      context,
    );
  }

  /** {@link increment} by `-by`. */
  decrement(field: KeysOfType<M, number>, by = 1): Promise<number> {
    return this.increment(field, -by);
  }

  /**
   * Deletes every matching record, in one transaction with the delete rules of its relations
   * (a soft-deleting model's are trashed); resolves to the number of this query's records deleted.
   */
  delete(): Promise<number> {
    return this.#delete(false);
  }

  /** Removes every matching record, even of a soft-deleting model; resolves to the count. */
  forceDelete(): Promise<number> {
    return this.#delete(true);
  }

  #delete(force: boolean): Promise<number> {
    const context = this.context();
    return lifecycleWrite(
      context,
      this.#onSelected(context, (rows) => deleteRows(context, rows, force)),
      this.#tablesRead(context),
    );
  }

  /** A write's body: `apply` to the rows this query selects, in the write's transaction; the count. */
  #onSelected(
    context: ModelContext<M>,
    apply: (rows: Row[]) => Promise<unknown>,
  ): () => Promise<number> {
    const state = this.state;
    return async () => {
      const rows = await context.queries.rows(state);
      await apply(rows);
      return rows.length;
    };
  }

  /** The tables a write over this query reads: its own, and those its relation filters reach. */
  #tablesRead(context: ModelContext<M>): string[] {
    return this.state.has.length === 0 ? [context.tableName] : [...context.runtime.tableNames];
  }
}

import { IntegrityError, SchemaError } from '../core/errors.js';
import { dictionaryKey } from '../core/key-dictionary.js';
import { withChanges } from '../core/records.js';
import { describe, isValidKey, type Key, type Row, sameValue } from '../core/values.js';
import type { DeleteEffect } from '../relations/requirements.js';
import { type ModelContext, ownerOf } from '../state/context.js';
import { updateStamp } from '../state/write-lifecycle.js';

/** One step of a cascade: `rows` of `context`'s table, whose soft-delete column is `column`. */
interface CascadeStep {
  readonly context: ModelContext;
  readonly column: string;
  readonly rows: readonly Row[];
  readonly now: Date;
  /** The records already handled in this cascade (a cycle of rules ends there). */
  readonly seen: Set<unknown>;
}

/**
 * The delete rules of a Database's relations, as a soft delete applies them: `'cascade'` trashes
 * the related models that soft-delete (with the same stamp) and leaves the others, `'restrict'`
 * counts only related models not trashed, `'setNull'` waits for the force delete. A restore
 * brings back what the cascade trashed: the related models whose stamp is the parent's.
 */
export class TrashEffects {
  readonly #effectsFrom: (table: string) => readonly DeleteEffect[];
  readonly #contextOfTable: (table: string) => ModelContext | undefined;

  constructor(
    effectsFrom: (table: string) => readonly DeleteEffect[],
    contextOfTable: (table: string) => ModelContext | undefined,
  ) {
    this.#effectsFrom = effectsFrom;
    this.#contextOfTable = contextOfTable;
  }

  /**
   * Stamps `rows` (of `context`'s table) trashed at `now`, and applies the rules; resolves to the
   * rows as now stored. Rows already trashed stay as they are. Runs in the caller's transaction.
   */
  async trash(context: ModelContext, rows: readonly Row[], now: Date): Promise<Row[]> {
    const column = softDeleteOf(context);
    return this.#trash({ context, column, rows, now, seen: new Set() });
  }

  /**
   * Clears the stamp of `rows` (of `context`'s table), and of the related models their cascades
   * trashed with the same stamp; resolves to the rows as now stored.
   */
  async restore(context: ModelContext, rows: readonly Row[], now: Date): Promise<Row[]> {
    const column = softDeleteOf(context);
    return this.#restore({ context, column, rows, now, seen: new Set() });
  }

  async #trash({ context, column, rows, now, seen }: CascadeStep): Promise<Row[]> {
    const fresh = rows.filter((row) => row[column] == null && !visited(seen, context, row));
    const stamped = await stampRows(context, column, fresh, now, now);
    for (const effect of this.#effectsFrom(context.tableName)) {
      if (effect.action === 'setNull') continue;
      const dependent = this.#contextOfTable(effect.dependentTable);
      const dependentColumn = dependent?.lifecycle.softDelete;
      if (effect.action === 'delete' && (!dependent || dependentColumn === undefined)) continue;
      const found = await dependents(effect, dependent, context, stamped);
      const live = dependentColumn ? found.filter((row) => row[dependentColumn] == null) : found;
      if (effect.action === 'restrict') {
        if (live.length > 0) throw restricted(effect, live[0]!, dependent);
        continue;
      }
      await this.#trash({ context: dependent!, column: dependentColumn!, rows: live, now, seen });
    }
    return asStored(context, rows, stamped);
  }

  async #restore({ context, column, rows, now, seen }: CascadeStep): Promise<Row[]> {
    const trashed = rows.filter((row) => row[column] != null && !visited(seen, context, row));
    const restored = await stampRows(context, column, trashed, null, now);
    for (const effect of this.#effectsFrom(context.tableName)) {
      if (effect.action !== 'delete') continue;
      const dependent = this.#contextOfTable(effect.dependentTable);
      const dependentColumn = dependent?.lifecycle.softDelete;
      if (!dependent || dependentColumn === undefined) continue;
      const parents = new Map(
        trashed.map((row) => [dictionaryKey(parentValue(effect, context, row)), row[column]]),
      );
      const found = await dependents(effect, dependent, context, trashed);
      const same = found.filter((row) => {
        const stamp = parents.get(dictionaryKey(row[effect.column]));
        return stamp != null && sameValue(row[dependentColumn], stamp);
      });
      await this.#restore({ context: dependent, column: dependentColumn, rows: same, now, seen });
    }
    return asStored(context, rows, restored);
  }
}

/** `rows` with those of them that were written replaced by the written ones. */
function asStored(context: ModelContext, rows: readonly Row[], written: readonly Row[]): Row[] {
  const byKey = new Map(written.map((row) => [dictionaryKey(row[context.primaryKey]), row]));
  return rows.map((row) => byKey.get(dictionaryKey(row[context.primaryKey])) ?? row);
}

/** Writes `rows` of `context` with `column` set to `value` (and `updated_at` to `now`). */
async function stampRows(
  context: ModelContext,
  column: string,
  rows: readonly Row[],
  value: Date | null,
  now: Date,
): Promise<Row[]> {
  const stamp = { [column]: value, ...updateStamp(context, now) };
  const stamped = rows.map((row) => withChanges(row, stamp));
  if (stamped.length > 0) await context.table.bulkPut(stamped);
  return stamped;
}

/** The soft-delete column of `context`'s model. @throws SchemaError for a model without one. */
function softDeleteOf(context: ModelContext): string {
  const column = context.lifecycle.softDelete;
  if (column !== undefined) return column;
  throw new SchemaError(
    `${context.modelName} (table "${context.tableName}"): the model has no soft deletes ` +
      '(static softDeletes), so it has nothing to trash or restore',
    ownerOf(context),
  );
}

/** True when `row` was already handled in this cascade (a cycle of rules ends there). */
function visited(seen: Set<unknown>, context: ModelContext, row: Row): boolean {
  const id = `${context.tableName}\u0000${String(dictionaryKey(row[context.primaryKey]))}`;
  if (seen.has(id)) return true;
  seen.add(id);
  return false;
}

function parentValue(effect: DeleteEffect, context: ModelContext, row: Row): unknown {
  return row[effect.parentField ?? context.primaryKey];
}

/** The rows of the dependent table that point at any of `parents` through `effect`. */
async function dependents(
  effect: DeleteEffect,
  dependent: ModelContext | undefined,
  parentContext: ModelContext,
  parents: readonly Row[],
): Promise<Row[]> {
  const values = parents.map((row) => parentValue(effect, parentContext, row)).filter(isValidKey);
  if (values.length === 0) return [];
  const table =
    dependent?.table ?? parentContext.runtime.dexie.table<Row, Key>(effect.dependentTable);
  const morph = effect.morphType;
  if (morph) {
    const pairs = values.map((value) => [morph.value, value] as Key);
    return table.where(`[${morph.column}+${effect.column}]`).anyOf(pairs).toArray();
  }
  return table
    .where(effect.column)
    .anyOf(values as Key[])
    .toArray();
}

function restricted(
  effect: DeleteEffect,
  blocking: Row,
  dependent: ModelContext | undefined,
): IntegrityError {
  const key = dependent ? blocking[dependent.primaryKey] : blocking[effect.column];
  return new IntegrityError(
    `${effect.relation ?? effect.dependentTable}: cannot delete ${describe(blocking[effect.column])} ` +
      `from "${effect.table}": "${effect.dependentTable}" ${describe(key)} still points at it ` +
      `(${effect.column}), and the relation's delete rule is 'restrict'; nothing was deleted`,
    { table: effect.table, field: effect.relation ?? effect.column, key },
  );
}

import type {
  DBCoreKeyRange,
  DBCoreMutateResponse,
  DBCoreRangeType,
  DBCoreTransaction,
} from 'dexie';
import { IntegrityError } from '../core/errors.js';
import { dictionaryKey } from '../core/key-dictionary.js';
import { stableHash } from '../core/stable-hash.js';
import { describe, isValidKey, type Row } from '../core/values.js';
import type { DeleteEffect } from '../relations/requirements.js';
import { allOf, dexieSteps, type Steps } from './dexie-steps.js';
import type { PendingWrite, WriteAccess, WriteRule } from './write-path.js';

const EQUAL = 1 as DBCoreRangeType;

/** Records of one table, by primary key. */
type KeysByTable = Map<string, unknown[]>;

/** What one delete sets off, found before anything is written. */
interface DeletePlan {
  /** Every record the delete removes, its own included, as `table\u0000key` ids. */
  readonly deleted: Set<string>;
  /** The records the cascades delete, by table. */
  readonly cascaded: KeysByTable;
  /** The records whose foreign key is set to null, by table, with the effects that do it. */
  readonly nulled: Map<string, Map<unknown, { key: unknown; effects: DeleteEffect[] }>>;
  /** The records a `'restrict'` rule found, checked once the plan is complete. */
  readonly restricted: { effect: DeleteEffect; parent: unknown; keys: unknown[] }[];
}

/** The delete effects of a Database's relations, by the table whose deletes set them off. */
export class DeleteEffects {
  readonly #byTable = new Map<string, DeleteEffect[]>();
  /** Per transaction, the records whose delete is being applied: their effects are planned. */
  readonly #applying = new WeakMap<DBCoreTransaction, Set<string>>();
  /** The soft-delete column of a table's model, if it has one: `'restrict'` skips trashed records. */
  readonly #trashedBy: (table: string) => string | undefined;

  constructor(
    effects: Iterable<DeleteEffect>,
    trashedBy: (table: string) => string | undefined = () => undefined,
  ) {
    this.#trashedBy = trashedBy;
    const seen = new Set<string | undefined>();
    for (const effect of effects) {
      const id = stableHash(effect);
      if (seen.has(id)) continue;
      seen.add(id);
      const list = this.#byTable.get(effect.table) ?? [];
      list.push(effect);
      this.#byTable.set(effect.table, list);
    }
  }

  /** The effects that deletes in `table` set off. */
  effectsFrom(table: string): readonly DeleteEffect[] {
    return this.#byTable.get(table) ?? [];
  }

  /** True when no relation has a delete effect. */
  get isEmpty(): boolean {
    return this.#byTable.size === 0;
  }

  /**
   * `tables` and every table a delete in them may reach through the effects: the scope a
   * transaction over `tables` needs.
   */
  scopeOf(tables: readonly string[]): readonly string[] {
    if (this.#byTable.size === 0 || !tables.some((table) => this.#byTable.has(table)))
      return tables;
    const scope = new Set(tables);
    for (const table of scope) {
      for (const effect of this.#byTable.get(table) ?? []) scope.add(effect.dependentTable);
    }
    return [...scope];
  }

  /**
   * The write rule that applies the effects inside the delete's transaction: the whole cascade
   * is found first (each record once, so cycles end) and every `'restrict'` checked against it,
   * so a refused delete writes nothing; then the dependent records are nulled and deleted.
   */
  rule(): WriteRule {
    return {
      concerns: (table) => this.#byTable.has(table),
      enforce: (write, access) => this.#enforce(write, access),
    };
  }

  #enforce(write: PendingWrite, access: WriteAccess): PromiseLike<void> | undefined {
    if (write.type !== 'delete' || !write.keys) return;
    const applying = this.#applying.get(write.trans) ?? new Set<string>();
    this.#applying.set(write.trans, applying);
    const keys = write.keys.filter((key) => !applying.has(recordId(write.table, key)));
    if (keys.length === 0) return;
    const effects = this;
    return dexieSteps(function* () {
      const plan = (yield* effects.#plan(
        write.table,
        keys,
        write.trans,
        access,
        applying,
      )) as DeletePlan;
      assertNothingRestricts(plan);
      for (const id of plan.deleted) applying.add(id);
      try {
        for (const [table, records] of plan.nulled) {
          yield* setNull(table, [...records.values()], write.trans, access);
        }
        for (const [table, cascaded] of plan.cascaded) {
          check(
            (yield access.mutate(table, {
              type: 'delete',
              trans: write.trans,
              keys: cascaded,
            })) as DBCoreMutateResponse,
          );
        }
      } finally {
        for (const id of plan.deleted) applying.delete(id);
      }
    });
  }

  *#plan(
    table: string,
    keys: readonly unknown[],
    trans: DBCoreTransaction,
    access: WriteAccess,
    applying: ReadonlySet<string>,
  ): Steps<DeletePlan> {
    const plan: DeletePlan = {
      deleted: new Set(keys.map((key) => recordId(table, key))),
      cascaded: new Map(),
      nulled: new Map(),
      restricted: [],
    };
    const queue: [string, readonly unknown[]][] = [[table, keys]];
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [from, deletedKeys] = next;
      for (const effect of this.#byTable.get(from) ?? []) {
        assertInScope(trans, effect);
        const trashedBy =
          effect.action === 'restrict' ? this.#trashedBy(effect.dependentTable) : undefined;
        const found = yield* dependents(effect, deletedKeys, trans, access, trashedBy);
        for (const { parent, keys: dependentKeys } of found) {
          if (effect.action === 'restrict') {
            plan.restricted.push({ effect, parent, keys: dependentKeys });
            continue;
          }
          if (effect.action === 'setNull') {
            const records = plan.nulled.get(effect.dependentTable) ?? new Map();
            plan.nulled.set(effect.dependentTable, records);
            for (const key of dependentKeys) {
              const entry = records.get(dictionaryKey(key)) ?? { key, effects: [] };
              if (!entry.effects.includes(effect)) entry.effects.push(effect);
              records.set(dictionaryKey(key), entry);
            }
            continue;
          }
          const fresh = dependentKeys.filter((key) => {
            const id = recordId(effect.dependentTable, key);
            if (plan.deleted.has(id) || applying.has(id)) return false;
            plan.deleted.add(id);
            return true;
          });
          if (fresh.length === 0) continue;
          const list = plan.cascaded.get(effect.dependentTable) ?? [];
          list.push(...fresh);
          plan.cascaded.set(effect.dependentTable, list);
          queue.push([effect.dependentTable, fresh]);
        }
      }
    }
    // A record the delete removes anyway needs no null.
    for (const [dependentTable, records] of plan.nulled) {
      for (const [id, { key }] of records) {
        if (plan.deleted.has(recordId(dependentTable, key))) records.delete(id);
      }
      if (records.size === 0) plan.nulled.delete(dependentTable);
    }
    return plan;
  }
}

/**
 * The keys of the records that point at each deleted record through `effect`'s index; with
 * `trashedBy`, only those of records not trashed (whose `trashedBy` column is empty).
 */
function* dependents(
  effect: DeleteEffect,
  deletedKeys: readonly unknown[],
  trans: DBCoreTransaction,
  access: WriteAccess,
  trashedBy?: string,
): Steps<{ parent: unknown; keys: unknown[] }[]> {
  const table = access.table(effect.dependentTable);
  const keyPath = effect.morphType ? [effect.morphType.column, effect.column] : effect.column;
  const index = table.schema.getIndexByKeyPath(keyPath);
  if (!index) return [];
  let parents: readonly unknown[] = deletedKeys;
  if (effect.parentField !== undefined) {
    const field = effect.parentField;
    const rows = yield access.table(effect.table).getMany({ trans, keys: [...deletedKeys] });
    parents = (rows as (Row | undefined)[]).map((row) => row?.[field]).filter(isValidKey);
  }
  // Every lookup is issued before any is awaited, so IndexedDB runs them back to back.
  const found = (yield allOf(
    parents.map((parent) => {
      const value = effect.morphType ? [effect.morphType.value, parent] : parent;
      const range: DBCoreKeyRange = { type: EQUAL, lower: value, upper: value };
      return table.query({ trans, values: trashedBy !== undefined, query: { index, range } });
    }),
  )) as { result: unknown[] }[];
  if (trashedBy === undefined)
    return parents.map((parent, i) => ({ parent, keys: found[i]!.result }));
  const primaryPath = table.schema.primaryKey.keyPath as string;
  return parents.map((parent, i) => ({
    parent,
    keys: (found[i]!.result as Row[])
      .filter((row) => row[trashedBy] == null)
      .map((row) => row[primaryPath]),
  }));
}

/** Clears the foreign key (and morph type) that each effect names on `records`, in one put. */
function* setNull(
  table: string,
  records: readonly { key: unknown; effects: readonly DeleteEffect[] }[],
  trans: DBCoreTransaction,
  access: WriteAccess,
): Steps<void> {
  const keys = records.map((record) => record.key);
  const rows = (yield access.table(table).getMany({ trans, keys })) as (Row | undefined)[];
  const changed: Row[] = [];
  const changedKeys: unknown[] = [];
  rows.forEach((row, i) => {
    if (!row) return;
    const next = { ...row };
    for (const effect of records[i]!.effects) {
      next[effect.column] = null;
      if (effect.morphType) next[effect.morphType.column] = null;
    }
    changed.push(next);
    changedKeys.push(keys[i]);
  });
  if (changed.length === 0) return;
  check(
    (yield access.mutate(table, {
      type: 'put',
      trans,
      keys: changedKeys,
      values: changed,
    })) as DBCoreMutateResponse,
  );
}

/** A `'restrict'` rule refuses the delete while a record it found is not deleted with it. */
function assertNothingRestricts(plan: DeletePlan): void {
  for (const { effect, parent, keys } of plan.restricted) {
    const blocking = keys.find((key) => !plan.deleted.has(recordId(effect.dependentTable, key)));
    if (blocking === undefined) continue;
    throw new IntegrityError(
      `${effect.relation ?? effect.dependentTable}: cannot delete ${describe(parent)} from ` +
        `"${effect.table}": "${effect.dependentTable}" ${describe(blocking)} still points at it ` +
        `(${effect.column}), and the relation's delete rule is 'restrict'; nothing was deleted`,
      { table: effect.table, field: effect.relation ?? effect.column, key: blocking },
    );
  }
}

/** A bulk write reports failed records instead of rejecting: one failure fails the delete. */
function check(response: DBCoreMutateResponse): void {
  if (response.numFailures > 0) throw Object.values(response.failures)[0];
}

function recordId(table: string, key: unknown): string {
  return `${table}\u0000${String(dictionaryKey(key))}`;
}

/**
 * A delete made through `db.dexie` in a transaction that does not span the dependent table
 * cannot apply its effect: refuse it rather than leave dependent records behind.
 */
function assertInScope(trans: object, effect: DeleteEffect): void {
  const stores = (trans as Partial<IDBTransaction>).objectStoreNames;
  if (!stores || stores.contains(effect.dependentTable)) return;
  throw new IntegrityError(
    `deleting from "${effect.table}" also ${effect.action === 'restrict' ? 'checks' : 'changes'} ` +
      `the matching records of "${effect.dependentTable}" (${effect.column}), which this ` +
      'transaction does not include: delete through the models, or include that table in the ' +
      'transaction',
    { table: effect.table, field: effect.column },
  );
}

import type { DBCoreKeyRange, DBCoreRangeType } from 'dexie';
import { IntegrityError } from '../core/errors.js';
import { stableHash } from '../core/stable-hash.js';
import type { DeleteEffect } from '../relations/relation.js';
import type { WriteRule } from './write-path.js';

const EQUAL = 1 as DBCoreRangeType;

/** The delete effects of a Database's relations, by the table whose deletes set them off. */
export class DeleteEffects {
  readonly #byTable = new Map<string, DeleteEffect[]>();

  constructor(effects: Iterable<DeleteEffect>) {
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

  /** The write rule that applies the effects, recursively, inside the delete's transaction. */
  rule(): WriteRule {
    return async (write, access) => {
      if (write.type !== 'delete' || !write.keys || write.keys.length === 0) return;
      for (const effect of this.#byTable.get(write.table) ?? []) {
        assertInScope(write.trans, effect);
        const table = access.table(effect.dependentTable);
        const index = table.schema.getIndexByKeyPath(effect.column);
        if (!index) continue;
        const keys: unknown[] = [];
        for (const key of write.keys) {
          const range: DBCoreKeyRange = { type: EQUAL, lower: key, upper: key };
          const { result } = await table.query({
            trans: write.trans,
            values: false,
            query: { index, range },
          });
          keys.push(...result);
        }
        if (keys.length > 0) {
          await access.mutate(effect.dependentTable, { type: 'delete', trans: write.trans, keys });
        }
      }
    };
  }
}

/**
 * A delete made through `db.dexie` in a transaction that does not span the dependent table
 * cannot apply its effect: refuse it rather than leave dependent records behind.
 */
function assertInScope(trans: object, effect: DeleteEffect): void {
  const stores = (trans as Partial<IDBTransaction>).objectStoreNames;
  if (!stores || stores.contains(effect.dependentTable)) return;
  throw new IntegrityError(
    `deleting from "${effect.table}" also deletes the matching records of ` +
      `"${effect.dependentTable}" (${effect.column}), which this transaction does not include: ` +
      'delete through the models, or include that table in the transaction',
    { table: effect.table, field: effect.column },
  );
}
